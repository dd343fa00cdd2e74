import { type CommandContext, requestHash } from '../commandContext';

/**
 * The context of a command the backend gives itself (a close, a payout, the settling of a seat): its
 * `key` names the work, so whichever instance does it, and however often, the events get the same ids
 * and are appended once.
 */
export const systemContext = (
  actor: string,
  key: string,
  now: Date,
  correlationId = key,
): CommandContext => ({
  actor,
  idempotencyKey: key,
  requestHash: requestHash(actor, key),
  correlationId,
  receivedAt: now,
});
