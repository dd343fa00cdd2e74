import { createHash } from 'node:crypto';
import { audit } from '@app/domain';

/**
 * The canonical form of an event, so that anyone can recompute its hash (docs/audit.md):
 *
 *   hash = lowercase hex of SHA-256 over the UTF-8 bytes of
 *          canonicalJson({ type, data, streamId, revision, occurredAt, previousHash })
 *
 * - canonicalJson is JSON with no whitespace, object keys sorted by UTF-16 code units at every depth,
 *   strings and numbers written as ECMAScript's JSON.stringify writes them (RFC 8785, JCS, for the
 *   integers, strings, booleans and nulls our events hold). Keys whose value is undefined are left out.
 * - occurredAt is the ISO-8601 string as stored (`2026-11-21T07:17:57.123Z`), revision the 0-based
 *   revision in the stream, data the event's data exactly as stored.
 * - previousHash is the hash of the previous event in the same stream, GENESIS_HASH (64 zeros) for
 *   revision 0, or the legacy seal of the previous event when that one predates hashing.
 *
 * Events written before hashing carry no hash; their "legacy seal" is the same formula with
 * previousHash = null. They are not chained, but anchors seal them like any other event.
 */
export const GENESIS_HASH = audit.GENESIS_DIGEST;

/** What an event's hash covers: its content and its place in the stream. */
export type HashedContent = {
  type: string;
  data: unknown;
  streamId: string;
  revision: number;
  occurredAt: string;
  previousHash: string | null;
};

/** The event as the store hands it back (structurally a RecordedEvent). */
export type LoggedEvent = Omit<HashedContent, 'previousHash'> & {
  position: number;
  metadata: { hash?: string; previousHash?: string };
};

export const canonicalJson = (value: unknown): string => {
  // Every event hash and every replay-check comparison runs through here: plain loops, no intermediate arrays.
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
    return JSON.stringify(value);
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  const json = (value as { toJSON?: () => unknown }).toJSON;
  if (typeof json === 'function') return canonicalJson(json.call(value));
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i === 0 ? '' : ',') + canonicalJson(value[i] ?? null);
    return `${out}]`;
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort();
  let out = '{';
  for (const key of keys) {
    const item = record[key];
    if (omitted(item)) continue;
    out += (out.length === 1 ? '' : ',') + JSON.stringify(key) + ':' + canonicalJson(item);
  }
  return `${out}}`;
};

const omitted = (value: unknown): boolean =>
  value === undefined || typeof value === 'function' || typeof value === 'symbol';

const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

export const eventHash = (content: HashedContent): string =>
  sha256(
    canonicalJson({
      type: content.type,
      data: content.data,
      streamId: content.streamId,
      revision: content.revision,
      occurredAt: content.occurredAt,
      previousHash: content.previousHash,
    }),
  );

/**
 * What the next event of a stream links to, and what an anchor's digest takes in for this event: its
 * stored hash, or the legacy seal of an event written before hashing.
 */
export const chainLink = (event: LoggedEvent): string =>
  event.metadata.hash ?? eventHash({ ...event, previousHash: null });

/**
 * digest_k = lowercase hex SHA-256 over the ASCII bytes of digest_{k-1} followed by the chain link of
 * every event in the anchor's range, in global order (each 64 hex digits, no separator).
 */
export class AnchorDigest {
  private readonly hash = createHash('sha256');
  private count = 0;

  constructor(previousDigest: string) {
    this.hash.update(previousDigest, 'ascii');
  }

  add(link: string): void {
    this.hash.update(link, 'ascii');
    this.count += 1;
  }

  get eventCount(): number {
    return this.count;
  }

  digest(): string {
    return this.hash.digest('hex');
  }
}
