import { createHash } from 'node:crypto';
import { canonicalJson } from '@app/audit';
import { type ExecutionContext, createParamDecorator } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { ApiKey } from './auth/apiKeys';
import { Problem } from './problem';

/** What every command carries besides its data: who, which retry-safe key, which request. */
export type CommandContext = {
  idempotencyKey: string;
  actor: string;
  correlationId: string;
  /** Hash of method, path and body: the same key with a different request is a 422. */
  requestHash: string;
  receivedAt: Date;
};

const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

export const Command = createParamDecorator((_: unknown, context: ExecutionContext): CommandContext => {
  const request = context.switchToHttp().getRequest<FastifyRequest & { apiKey?: ApiKey }>();
  const key = request.headers['idempotency-key'];
  if (typeof key !== 'string' || !KEY_PATTERN.test(key)) {
    throw Problem.invalid([
      {
        field: 'Idempotency-Key',
        message: 'header is required: 1-255 visible ASCII characters, unique per command',
      },
    ]);
  }
  // Sorted keys (the audit's canonical JSON): {"a":1,"b":2} and {"b":2,"a":1} are the same request.
  const requestHash = createHash('sha256')
    .update(`${request.method} ${request.url.split('?')[0]}\n${canonicalJson(request.body ?? null)}`)
    .digest('base64url');
  return {
    idempotencyKey: key,
    actor: request.apiKey?.name ?? 'anonymous',
    correlationId: String(request.id),
    requestHash,
    receivedAt: new Date(),
  };
});
