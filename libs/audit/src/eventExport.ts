import { economy } from '@app/domain';
import type { EventStore, RecordedEvent } from '@app/event-store';

/** What to export: one player's economy stream, or every event that occurred in [from, to). */
export type ExportScope = { playerId: string } | { from: Date; to: Date };

const PAGE = 1000;

/**
 * The events of the scope in global order, as stored (envelope, data and metadata with hash and
 * previousHash), a page at a time, in constant memory. A time range reads all of the log, because
 * occurredAt (when the api received the command) is not strictly ordered by position.
 */
export async function* exportEvents(
  store: Pick<EventStore, 'readStream' | 'readAll'>,
  scope: ExportScope,
): AsyncGenerator<RecordedEvent[]> {
  if ('playerId' in scope) {
    const streamId = economy.playerEconomyStreamId(scope.playerId);
    for (let from = 0; ;) {
      const page = await store.readStream(streamId, from, PAGE);
      if (page.length > 0) yield page;
      if (page.length < PAGE) return;
      from = page[page.length - 1].revision + 1;
    }
  }
  const from = scope.from.getTime();
  const to = scope.to.getTime();
  for (let after = 0; ;) {
    const page = await store.readAll(after, PAGE);
    if (page.length === 0) return;
    const inRange = page.filter((event) => {
      const at = Date.parse(event.occurredAt);
      return at >= from && at < to;
    });
    if (inRange.length > 0) yield inRange;
    after = page[page.length - 1].position;
  }
}

/** One NDJSON line per event: the envelope Kafka consumers see, hashes included. */
export const ndjsonLines = (events: readonly RecordedEvent[]): string =>
  events.map((event) => `${JSON.stringify(event)}\n`).join('');
