import type { CommandResult } from '@app/application';
import type { FastifyReply } from 'fastify';

/** 201 for a new command, 200 (plus Idempotent-Replayed) for a retry or a command that changed nothing. */
export async function respond(reply: FastifyReply, result: Promise<CommandResult>): Promise<CommandResult> {
  const outcome = await result;
  if (outcome.replayed) reply.header('idempotent-replayed', 'true');
  reply.status(outcome.replayed || outcome.events.length === 0 ? 200 : 201);
  return outcome;
}
