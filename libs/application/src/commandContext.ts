import { canonicalJson } from '@app/audit';
import { hash } from 'node:crypto';

/**
 * What every command carries besides its data, whatever brought it (an HTTP request, a timer, a socket):
 * who acted, the key that makes a retry safe, what was asked, and the correlation its events are tagged with.
 */
export type CommandContext = {
  /** Who acted: an API key's name, or the process for scheduled work. Recorded on every event. */
  actor: string;
  /** Unique per command; a retry repeats it. The events' ids derive from it and the actor. */
  idempotencyKey: string;
  /** Digest of what was asked (`requestHash`): the same key with a different request is refused. */
  requestHash: string;
  correlationId: string;
  /** When the command was received: its events' occurredAt. */
  receivedAt: Date;
};

/**
 * The digest of a request: what was asked (`subject`, such as `POST /v1/players/p1/grants` or
 * `AnchorLog`) and its body in canonical JSON, so `{"a":1,"b":2}` and `{"b":2,"a":1}` are the same request.
 */
export const requestHash = (subject: string, body: unknown): string =>
  hash('sha256', `${subject}\n${canonicalJson(body ?? null)}`, 'base64url');
