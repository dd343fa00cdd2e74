import { Controller, Get, Res } from '@nestjs/common';
import { Type } from '@sinclair/typebox';
import type { FastifyReply } from 'fastify';
import { Route } from '../http/route';
import { ApiMetrics } from './apiMetrics';

/** Prometheus metrics (text exposition format), for a scraper holding a key with the `metrics` scope. */
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: ApiMetrics) {}

  @Get()
  @Route({
    summary: 'Prometheus metrics: requests, appends, read-model lag, rate limits, event loop, GC',
    tag: 'system',
    scope: 'metrics',
    response: Type.String(),
    produces: 'text/plain',
  })
  async index(@Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    reply.header('content-type', this.metrics.registry.contentType);
    return this.metrics.registry.metrics();
  }
}
