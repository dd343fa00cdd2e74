import { type CommandContext, InvalidRequestError, requestHash } from '@app/application';
import { type ExecutionContext, createParamDecorator } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { ApiKey } from './auth/apiKeys';

const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

/**
 * The CommandContext of an HTTP command: the `Idempotency-Key` header (required), the API key's name as
 * the actor, the correlation id, and the request's hash over its method, path and body.
 */
export const IdempotentCommand = createParamDecorator(
  (_: unknown, context: ExecutionContext): CommandContext => {
    const request = context.switchToHttp().getRequest<FastifyRequest & { apiKey?: ApiKey }>();
    const key = request.headers['idempotency-key'];
    if (typeof key !== 'string' || !KEY_PATTERN.test(key)) {
      throw InvalidRequestError.of(
        'Idempotency-Key',
        'header is required: 1-255 visible ASCII characters, unique per command',
      );
    }
    return {
      idempotencyKey: key,
      actor: request.apiKey?.name ?? 'anonymous',
      correlationId: String(request.id),
      requestHash: requestHash(`${request.method} ${request.url.split('?')[0]}`, request.body),
      receivedAt: new Date(),
    };
  },
);
