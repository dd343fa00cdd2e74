import { economy } from '@app/domain';
import type { EventStore, RecordedEvent } from '@app/event-store';
import {
  type InventoryState,
  type InventoryView,
  type WalletState,
  type WalletView,
  inventoryState,
  inventoryView,
  walletState,
  walletView,
} from '@app/projections';
import { type BrokenLink, ChainVerifier, checkLink, streamAfter, streamStart } from './chainVerifier';

/**
 * How an event of a player's history stands: `verified` when its content still hashes to its stored hash
 * and that links to the event before it as stored; `legacy` when it predates hashing; `broken` with the
 * link that fails otherwise. It vouches for the event against its neighbour only: whether the whole
 * stream is intact (nothing cut from its tail, anchors agree) is what verification of the stream answers.
 */
export type EventVerification = { status: 'verified' | 'legacy' } | { status: 'broken'; broken: BrokenLink };

export type HistoryEntry = RecordedEvent & { verification: EventVerification };

export type HistoryPage = {
  playerId: string;
  streamId: string;
  events: HistoryEntry[];
  /** Revision of the last event on the page when more follow: the next page starts after it. */
  nextAfterRevision: number | null;
};

/**
 * One page of a player's economy stream, as stored, with each event's hash check. Reads one event
 * before the page, so the first event's link is checked too.
 */
export async function playerHistory(
  store: Pick<EventStore, 'readStream'>,
  playerId: string,
  { afterRevision, limit }: { afterRevision?: number; limit: number },
): Promise<HistoryPage> {
  const streamId = economy.playerEconomyStreamId(playerId);
  const first = afterRevision === undefined ? 0 : afterRevision + 1;
  // The event before the page, the page, and one more to tell whether another page follows.
  const read = await store.readStream(streamId, Math.max(0, first - 1), limit + 2);
  const before = first > 0 ? read.find((event) => event.revision === first - 1) : undefined;
  const page = read.filter((event) => event.revision >= first).slice(0, limit + 1);
  // Without the event before the page (deleted), the page's first event is reported as following a gap.
  const link = before ? streamAfter(before) : { ...streamStart(), nextRevision: Math.max(0, first - 1) };
  const events = page.slice(0, limit).map((event) => ({ ...event, verification: verify(event, link) }));
  const more = page.length > limit;
  return {
    playerId,
    streamId,
    events,
    nextAfterRevision: more ? events[events.length - 1].revision : null,
  };
}

const verify = (event: RecordedEvent, link: ReturnType<typeof streamStart>): EventVerification => {
  const broken = checkLink(event, link);
  if (broken) {
    // Judge the next event against this one as stored, so one bad event does not condemn the rest.
    Object.assign(link, streamAfter(event));
    return { status: 'broken', broken };
  }
  return { status: event.metadata.hash === undefined ? 'legacy' : 'verified' };
};

const handles = (projection: { handles: readonly string[] }, event: RecordedEvent): boolean =>
  projection.handles.includes(event.type);

/** A point in the log: a global position, or a moment (an ISO-8601 timestamp). */
export type PointInTime = { position: number } | { timestamp: Date };

export type PlayerStateAt = {
  playerId: string;
  at: { position: number } | { timestamp: string };
  /** The last event of the stream the state includes (-1 and 0: none). */
  revision: number;
  position: number;
  occurredAt: string | null;
  wallet: WalletState;
  inventory: InventoryState;
  /** The hash chain of the events the state was folded from (`ok`, or the first broken link). */
  verification: { ok: true; events: number } | { ok: false; events: number; broken: BrokenLink };
};

/**
 * A player's wallet and inventory as of a point, computed from the event store alone: the stream's
 * events up to that point folded with the read models' own projections, so the answer has the shape and
 * values GET /wallet and /inventory served then.
 *
 * As of a position: every event at or before it. As of a timestamp: the stream up to (not including) its
 * first event that occurred after it; occurredAt is when the api received the command.
 */
export async function playerStateAt(
  store: Pick<EventStore, 'readStream'>,
  playerId: string,
  at: PointInTime,
): Promise<PlayerStateAt> {
  const streamId = economy.playerEconomyStreamId(playerId);
  const includes =
    'position' in at
      ? (event: RecordedEvent) => event.position <= at.position
      : (event: RecordedEvent) => Date.parse(event.occurredAt) <= at.timestamp.getTime();
  const stream = await store.readStream(streamId);
  const end = stream.findIndex((event) => !includes(event));
  const events = end === -1 ? stream : stream.slice(0, end);

  const chain = new ChainVerifier([], { wholeLog: false, inScope: () => true });
  let wallet: WalletView | null = null;
  let inventory: InventoryView | null = null;
  for (const event of events) {
    chain.inspect(event);
    if (handles(walletView, event)) wallet = walletView.evolve(wallet, event as never);
    if (handles(inventoryView, event)) inventory = inventoryView.evolve(inventory, event as never);
  }
  const report = chain.finish();
  const last = events[events.length - 1];
  return {
    playerId,
    at: 'position' in at ? { position: at.position } : { timestamp: at.timestamp.toISOString() },
    revision: last?.revision ?? -1,
    position: last?.position ?? 0,
    occurredAt: last?.occurredAt ?? null,
    wallet: walletState(playerId, wallet),
    inventory: inventoryState(playerId, inventory),
    verification: report.ok
      ? { ok: true, events: report.events }
      : { ok: false, events: report.events, broken: report.broken },
  };
}
