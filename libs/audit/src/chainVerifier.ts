import { audit } from '@app/domain';
import { AnchorDigest, GENESIS_HASH, type LoggedEvent, chainLink, eventHash } from './canonicalForm';

/**
 * What is wrong at the first broken link:
 * - altered: the event's content no longer hashes to its stored hash (bytes changed, events swapped)
 * - relinked: its previousHash is not the hash of the event before it in the stream
 * - missing: a revision is missing or out of order (an event deleted or moved)
 * - unchained: an event without a hash after hashed ones (a hash stripped)
 * - truncated: a stream ends before the revision an anchor recorded for it, or the log before an anchor
 * - anchor-mismatch: the events of an anchor's range no longer produce its digest or count
 */
export type BreakKind = 'altered' | 'relinked' | 'missing' | 'unchained' | 'truncated' | 'anchor-mismatch';

export type BrokenLink = {
  kind: BreakKind;
  streamId: string;
  revision: number;
  /** Global position of the event at fault, when there is one in the log. */
  position?: number;
  expected: string;
  actual: string;
  detail: string;
};

export type VerificationCounts = {
  events: number;
  streams: number;
  /** Events with a hash, checked against their content and their predecessor. */
  chained: number;
  /** Events written before hashing: no chain, sealed by the anchors after them only. */
  legacy: number;
  /** Anchors whose range or stream heads were checked against the log. */
  anchors: number;
};

export type VerificationReport =
  ({ ok: true } & VerificationCounts) | ({ ok: false; broken: BrokenLink } & VerificationCounts);

/** An anchor as the verifier uses it: its data, and where the anchor event itself sits in the log. */
export type Anchor = audit.LogAnchorData & { revision: number; anchorPosition: number };

/** Where a stream's chain stands: the revision expected next, and what that event must link to. */
export type StreamLink = {
  nextRevision: number;
  /** Chain link of the event before `nextRevision` (GENESIS_HASH before the first). */
  link: string;
  /** Whether a hashed event came before: then an event without a hash is a stripped one. */
  chained: boolean;
};

/** A stream before its first event. */
export const streamStart = (): StreamLink => ({ nextRevision: 0, link: GENESIS_HASH, chained: false });

/** Where a stream's chain stands after `event`, whatever its own state: how a page that starts mid-stream begins. */
export const streamAfter = (event: LoggedEvent): StreamLink => ({
  nextRevision: event.revision + 1,
  link: chainLink(event),
  chained: event.metadata.hash !== undefined,
});

/**
 * Walks events in global order (all of them, or only one stream or category) and stops at the first
 * broken link. Pure: the caller reads the store and feeds `inspect`, then calls `finish`.
 *
 * With `wholeLog`, anchors are replayed: their digest and event count are recomputed over their range.
 * In any scope, every anchored stream head in scope must still be in the log (a cut tail is named).
 */
export class ChainVerifier {
  private readonly streams = new Map<string, StreamLink>();
  private readonly counts: VerificationCounts = { events: 0, streams: 0, chained: 0, legacy: 0, anchors: 0 };
  private broken: BrokenLink | undefined;
  private nextAnchor = 0;
  private digest: AnchorDigest;

  constructor(
    private readonly anchors: readonly Anchor[],
    private readonly options: { wholeLog: boolean; inScope: (streamId: string) => boolean },
  ) {
    this.digest = new AnchorDigest(audit.GENESIS_DIGEST);
  }

  /** Checks the next event; returns the first broken link once there is one. */
  inspect(event: LoggedEvent): BrokenLink | undefined {
    if (this.broken) return this.broken;
    if (this.options.wholeLog) {
      while (
        this.nextAnchor < this.anchors.length &&
        this.anchors[this.nextAnchor].position < event.position
      ) {
        if (this.closeAnchor()) return this.broken;
      }
    }
    this.broken = this.checkLink(event);
    if (this.broken) return this.broken;
    if (this.options.wholeLog) {
      this.digest.add(chainLink(event));
      if (
        this.nextAnchor < this.anchors.length &&
        this.anchors[this.nextAnchor].position === event.position
      ) {
        this.closeAnchor();
      }
    }
    return this.broken;
  }

  /** After the last event: anchors beyond the log's end, stream heads anchors recorded. */
  finish(): VerificationReport {
    if (!this.broken && this.options.wholeLog) {
      while (this.nextAnchor < this.anchors.length && !this.closeAnchor(true));
    }
    if (!this.broken && !this.options.wholeLog) {
      for (const anchor of this.anchors) {
        this.counts.anchors += 1;
        this.broken = this.checkHeads(anchor);
        if (this.broken) break;
      }
    }
    this.counts.streams = this.streams.size;
    return this.broken ? { ok: false, broken: this.broken, ...this.counts } : { ok: true, ...this.counts };
  }

  private checkLink(event: LoggedEvent): BrokenLink | undefined {
    const stream = this.streams.get(event.streamId) ?? streamStart();
    this.streams.set(event.streamId, stream);
    this.counts.events += 1;
    const broken = checkLink(event, stream);
    if (!broken) this.counts[event.metadata.hash === undefined ? 'legacy' : 'chained'] += 1;
    return broken;
  }

  /** Compares the next anchor with the log up to its position; true when it found a break. */
  private closeAnchor(logEnded = false): boolean {
    const anchor = this.anchors[this.nextAnchor];
    this.nextAnchor += 1;
    this.counts.anchors += 1;
    const eventCount = this.digest.eventCount;
    const digest = this.digest.digest();
    this.digest = new AnchorDigest(digest);
    this.broken = this.checkHeads(anchor);
    if (this.broken) return true;
    const at = {
      streamId: audit.AUDIT_STREAM_ID,
      revision: anchor.revision,
      position: anchor.anchorPosition,
    };
    if (logEnded) {
      this.broken = {
        kind: 'truncated',
        ...at,
        expected: `events up to position ${anchor.position}`,
        actual: 'the log ends before it',
        detail: `anchor ${anchor.revision} sealed the log up to position ${anchor.position}, which is gone`,
      };
    } else if (digest !== anchor.digest || eventCount !== anchor.eventCount) {
      this.broken = {
        kind: 'anchor-mismatch',
        ...at,
        expected: anchor.digest,
        actual: digest,
        detail: `positions ${anchor.fromPosition + 1}..${anchor.position}: anchor ${anchor.revision} sealed ${anchor.eventCount} events, the log holds ${eventCount}`,
      };
    }
    return this.broken !== undefined;
  }

  /** Every stream head the anchor recorded (in scope) is still in the log. */
  private checkHeads(anchor: Anchor): BrokenLink | undefined {
    for (const [streamId, head] of Object.entries(anchor.streamHeads)) {
      if (!this.options.inScope(streamId)) continue;
      const last = (this.streams.get(streamId)?.nextRevision ?? 0) - 1;
      if (last >= head) continue;
      return {
        kind: 'truncated',
        streamId,
        revision: last + 1,
        expected: `revision ${head}`,
        actual: last < 0 ? 'no events' : `revision ${last}`,
        detail: `anchor ${anchor.revision} (position ${anchor.anchorPosition}) saw ${streamId} up to revision ${head}; revisions ${last + 1}..${head} are gone`,
      };
    }
    return undefined;
  }
}

/**
 * Checks one event against where its stream's chain stands, and moves `stream` past it when it holds:
 * its revision is the next one, its content still hashes to its stored hash, and it links to the event
 * before it. Events written before hashing pass as legacy until a hashed one came.
 */
export const checkLink = (event: LoggedEvent, stream: StreamLink): BrokenLink | undefined => {
  const { streamId, revision, position } = event;
  const at = { streamId, revision, position };

  // 1. Revisions follow each other: a gap or a step back is a deleted or moved event.
  if (revision !== stream.nextRevision) {
    return {
      kind: 'missing',
      ...at,
      revision: Math.min(revision, stream.nextRevision),
      expected: `revision ${stream.nextRevision}`,
      actual: `revision ${revision}`,
      detail:
        revision > stream.nextRevision
          ? `revisions ${stream.nextRevision}..${revision - 1} of ${streamId} are missing before position ${position}`
          : `revision ${revision} of ${streamId} appears again (or out of order) at position ${position}`,
    };
  }
  stream.nextRevision += 1;
  const { hash, previousHash } = event.metadata;

  // 2. Events written before hashing are legacy: accepted as long as no hashed event came before.
  if (hash === undefined) {
    if (stream.chained) {
      return {
        kind: 'unchained',
        ...at,
        expected: 'a hash',
        actual: 'none',
        detail: `${streamId} is hash-chained before revision ${revision}, which carries no hash`,
      };
    }
    stream.link = chainLink(event);
    return undefined;
  }

  // 3. The content still hashes to the stored hash, 4. which links to the previous event's.
  const actual = eventHash({ ...event, previousHash: previousHash ?? null });
  if (actual !== hash) {
    return {
      kind: 'altered',
      ...at,
      expected: hash,
      actual,
      detail: `the stored content of ${streamId}@${revision} no longer hashes to its recorded hash`,
    };
  }
  if (previousHash !== stream.link) {
    return {
      kind: 'relinked',
      ...at,
      expected: stream.link,
      actual: String(previousHash),
      detail: `${streamId}@${revision} does not link to the event before it in the stream`,
    };
  }
  stream.chained = true;
  stream.link = hash;
  return undefined;
};
