import { NotFoundError } from '@app/application';
import type { RecordedEventWithoutMetadata } from '@app/event-store';
import { inventoryView, leaderboardEntryView, leaderboardPeriodView, walletView } from '@app/projections';
import type { QueryBus } from '@nestjs/cqrs';
import { GetInventory, GetWallet } from '../economy/queries';
import { GetEntries, GetPlayerRank } from '../leaderboards/queries';
import type { Topic } from './protocol';

/**
 * Which topics each change of the log touches, by "change key": a player's economy stream touches their
 * wallet and inventory; a score or a period's adjudication touches the board's period, and its current
 * period (a topic without a period follows whichever is current, so any period of its board may be it).
 */
const ECONOMY = new Set<string>([...walletView.handles, ...inventoryView.handles]);
const BOARD = new Set<string>([...leaderboardEntryView.handles, ...leaderboardPeriodView.handles]);

export function changeKeys(event: RecordedEventWithoutMetadata): string[] {
  const data = event.data as { playerId?: string; leaderboardId?: string; period?: string };
  if (ECONOMY.has(event.type) && data.playerId) return [`player|${data.playerId}`];
  if (BOARD.has(event.type) && data.leaderboardId && data.period)
    return [`board|${data.leaderboardId}|${data.period}`, `board|${data.leaderboardId}|`];
  return [];
}

/** The change key whose changes move a topic's state. */
export function topicChangeKey(topic: Topic): string {
  return topic.kind === 'wallet' || topic.kind === 'inventory'
    ? `player|${topic.playerId}`
    : `board|${topic.leaderboardId}|${topic.period ?? ''}`;
}

/**
 * A topic's state: the answer of the HTTP route that shows the same thing (the same query handler), or
 * null for a player's rank while they have no entry. Other query errors (an unknown board, a period the
 * board does not have) are the subscriber's error.
 */
export async function topicState(queries: QueryBus, topic: Topic): Promise<unknown> {
  switch (topic.kind) {
    case 'board':
      return queries.execute(new GetEntries(topic.leaderboardId, topic.period, undefined, topic.limit));
    case 'rank':
      try {
        return await queries.execute(
          new GetPlayerRank(topic.leaderboardId, topic.playerId, topic.period, topic.around),
        );
      } catch (error) {
        if (error instanceof NotFoundError && error.code === 'not-ranked') return null;
        throw error;
      }
    case 'wallet':
      return queries.execute(new GetWallet(topic.playerId));
    case 'inventory':
      return queries.execute(new GetInventory(topic.playerId));
  }
}
