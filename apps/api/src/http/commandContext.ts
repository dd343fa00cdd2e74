import { type CommandContext, requestHash } from '@app/application';
import { type ExecutionContext, createParamDecorator } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

/**
 * The CommandContext of an HTTP command: the `Idempotency-Key` header (the route's schema requires it),
 * the API key's name as the actor, the correlation id, and the request's hash over its method, path and
 * body.
 */
export const IdempotentCommand = createParamDecorator(
  (_: unknown, context: ExecutionContext): CommandContext => {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    return {
      idempotencyKey: request.headers['idempotency-key'] as string,
      actor: request.apiKey?.name ?? 'anonymous',
      correlationId: String(request.id),
      requestHash: requestHash(`${request.method} ${request.url.split('?')[0]}`, request.body),
      receivedAt: new Date(),
    };
  },
);
