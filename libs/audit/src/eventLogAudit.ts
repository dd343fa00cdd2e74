import { audit } from '@app/domain';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { EventStore, RecordedEvent } from '@app/event-store';
import { AnchorDigest, chainLink } from './canonicalForm';
import { type Anchor, ChainVerifier, type VerificationReport } from './chainVerifier';

/** What to verify: one stream, every stream of a category (`playerEconomy`), or the whole log. */
export type AuditScope = { stream: string } | { category: string } | { log: true };

export type VerifyOptions = {
  /** Events read per page of the global log (default 1,000). */
  batchSize?: number;
  /** Called after each page with the position reached. */
  onProgress?: (position: number, events: number) => void;
};

const DEFAULT_BATCH = 1000;

/** The anchors recorded so far, in order, with where each anchor event sits. */
export const readAnchors = async (
  store: EventStore,
): Promise<{ anchors: Anchor[]; events: RecordedEvent[] }> => {
  const events = await store.readStream(audit.AUDIT_STREAM_ID);
  const anchors = events
    .filter((event) => event.type === 'LogAnchored')
    .map((event) => ({
      ...(event.data as audit.LogAnchorData),
      revision: event.revision,
      anchorPosition: event.position,
    }));
  return { anchors, events };
};

/**
 * Verifies the hash chains of the streams in scope and the anchors against them, reading the store
 * page by page (memory grows with the number of streams, not events). Stops at the first broken link.
 */
export const verifyEventLog = async (
  store: EventStore,
  scope: AuditScope,
  options: VerifyOptions = {},
): Promise<VerificationReport> => {
  const batchSize = options.batchSize ?? DEFAULT_BATCH;
  const { anchors, events: anchorEvents } = await readAnchors(store);
  const wholeLog = 'log' in scope;
  const inScope =
    'stream' in scope
      ? (streamId: string) => streamId === scope.stream
      : 'category' in scope
        ? (streamId: string) => streamId.startsWith(`${scope.category}-`)
        : () => true;

  if (!wholeLog) {
    // The anchors vouch for the streams only if their own chain holds.
    const anchorChain = new ChainVerifier([], { wholeLog: false, inScope: () => false });
    for (const event of anchorEvents) if (anchorChain.inspect(event)) return anchorChain.finish();
  }
  const verifier = new ChainVerifier(anchors, { wholeLog, inScope });
  if ('stream' in scope) {
    for (const event of await store.readStream(scope.stream)) if (verifier.inspect(event)) break;
    return verifier.finish();
  }
  for (let after = 0, seen = 0; ;) {
    const page = await store.readAll(after, batchSize);
    if (page.length === 0) break;
    for (const event of page) {
      if (inScope(event.streamId) && verifier.inspect(event)) return verifier.finish();
    }
    after = page[page.length - 1].position;
    seen += page.length;
    options.onProgress?.(after, seen);
    // In the api, requests are served between pages (SQLite reads are synchronous).
    await nextTurn();
  }
  return verifier.finish();
};

/** The next anchor to write, and whether its range is full (anchor now) or partial (anchor when due). */
export type AnchorPlan = { anchor: audit.LogAnchorData; full: boolean };

/**
 * Seals up to `maxEvents` events after the last anchor: their chain links feed the digest, and each
 * stream's last revision in the range is recorded. Nothing to plan when only anchors came since.
 * Only the events' links are read (readLinks: no data, no JSON parsed in this thread); an event written
 * before hashing is read whole, for its legacy seal.
 */
export const planAnchor = async (
  store: EventStore,
  last: { position: number; digest: string },
  maxEvents: number,
): Promise<AnchorPlan | undefined> => {
  const events = await store.readLinks(last.position, maxEvents);
  if (!events.some((event) => event.streamId !== audit.AUDIT_STREAM_ID)) return undefined;
  const digest = new AnchorDigest(last.digest);
  const streamHeads: Record<string, number> = {};
  for (const event of events) {
    digest.add(event.hash ?? chainLink((await store.readAll(event.position - 1, 1))[0]));
    streamHeads[event.streamId] = event.revision;
  }
  return {
    anchor: {
      fromPosition: last.position,
      position: events[events.length - 1].position,
      eventCount: digest.eventCount,
      previousDigest: last.digest,
      digest: digest.digest(),
      streamHeads,
    },
    full: events.length >= maxEvents,
  };
};
