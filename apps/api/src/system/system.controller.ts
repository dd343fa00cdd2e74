import { Controller, Get, Req } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import type { FastifyRequest } from 'fastify';
import { Route } from '../http/route';
import { type ApiKeyResponse, ApiKeyResponse as ApiKeySchema, SystemStatusResponse } from './dto';
import { GetSystemStatus } from './queries';

@Controller('v1')
export class SystemController {
  constructor(private readonly queries: QueryBus) {}

  @Get('api-key')
  @Route({
    summary: 'The API key making the request: its name and scopes (what a client may offer its user)',
    tag: 'system',
    scope: 'any',
    response: ApiKeySchema,
  })
  apiKey(@Req() request: FastifyRequest): ApiKeyResponse {
    const key = request.apiKey!;
    return { name: key.name, scopes: [...key.scopes] };
  }

  @Get('system/status')
  @Route({
    summary:
      "The event store's head, how far each read model (and, in cluster mode, each partition and the relay) " +
      "trails it, and this api's recent errors",
    tag: 'system',
    scope: 'metrics',
    response: SystemStatusResponse,
  })
  status() {
    return this.queries.execute(new GetSystemStatus());
  }
}
