import { leaderboards } from '@app/domain';
import type { EventStore, GlobalPosition } from '@app/event-store';
import { createHash } from 'node:crypto';

/**
 * SHA-256 over a period's complete standings, one line per rank (`rank, player, score, subscore,
 * achievedAt`, tab-separated): what a close records and anyone can recompute from the log.
 */
export const standingsHash = (standings: readonly leaderboards.Standing[]): string => {
  const hash = createHash('sha256');
  for (const { rank, playerId, score, subscore, achievedAt } of standings) {
    hash.update(`${rank}\t${playerId}\t${score}\t${subscore}\t${achievedAt}\n`);
  }
  return hash.digest('base64url');
};

/** What a close or an adjudication records of its standings. */
export const summarizeStandings = (
  standings: readonly leaderboards.Standing[],
): leaderboards.StandingsSummary => ({
  entries: standings.length,
  standingsHash: standingsHash(standings),
  top: standings.slice(0, leaderboards.RECORDED_TOP),
});

export type StandingsQuery = {
  leaderboardId: string;
  period: string;
  sortOrder: leaderboards.SortOrder;
  /** Read the log after this position (a position before the period's first score; 0: from the start). */
  after?: GlobalPosition;
  /** ... up to this one (a close's cut, or the moment asked about); the head when absent. */
  until?: GlobalPosition;
  /** Only submissions that occurred at or before this instant. */
  at?: Date;
  excluded?: ReadonlySet<string>;
};

const SCORE_STREAMS_BATCH = 5000;

/**
 * A period's standings computed from the log alone: every player's score stream of the board, read up to
 * `until`, folded the way the board's projection folds them, ranked in board order.
 */
export async function standingsFromLog(
  events: Pick<EventStore, 'readStreamsByPrefix'>,
  query: StandingsQuery,
): Promise<leaderboards.Standing[]> {
  const entries = new Map<string, leaderboards.RankedEntry>();
  const prefix = leaderboards.playerScoresStreamId(query.leaderboardId, '');
  const at = query.at?.toISOString();
  for await (const batch of events.readStreamsByPrefix(prefix, {
    after: query.after ?? 0,
    until: query.until,
    batchSize: SCORE_STREAMS_BATCH,
  })) {
    const submissions = batch.filter(
      (event) => event.type === 'ScoreSubmitted' && (at === undefined || event.occurredAt <= at),
    ) as unknown as leaderboards.ScoreSubmitted[];
    leaderboards.entriesOf(submissions, query.period, entries);
  }
  return leaderboards.rankStandings(entries.values(), query.sortOrder, query.excluded);
}
