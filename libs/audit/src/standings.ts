import { leaderboards } from '@app/domain';
import type { EventStore, GlobalPosition } from '@app/event-store';
import { createHash } from 'node:crypto';
import type { PointInTime } from './playerHistory';

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

export type PeriodStandingsReport = {
  leaderboardId: string;
  period: string;
  asOf: { position: GlobalPosition } | { timestamp: string };
  /** Whether the period was closed at that moment: its standings are then the close's (up to its cut). */
  status: 'unknown' | 'open' | 'closed';
  /** The adjudication the standings follow (0: the close); null for an open period. */
  adjudication: number | null;
  excluded: string[];
  entries: number;
  standingsHash: string;
  top: leaderboards.Standing[];
  /** For a closed period: the hash its close or adjudication recorded, and whether the log still gives it. */
  verification?: { recordedHash: string; matches: boolean };
};

/**
 * A board's period as it stood at a moment, from the log alone (for disputes and auditors): the board's
 * order then, the period's close and adjudications recorded by then, and every score up to the moment
 * (up to the close's cut once closed). `adjudication` picks one of the recorded standings (0: the close);
 * by default the latest. A closed period's recomputed hash is checked against the recorded one.
 */
export async function periodStandingsAt(
  events: Pick<EventStore, 'readStream' | 'readStreamsByPrefix'>,
  query: { leaderboardId: string; period: string; at: PointInTime; adjudication?: number; limit: number },
): Promise<PeriodStandingsReport> {
  const { leaderboardId, period, at } = query;
  const within = (event: { position: number; occurredAt: string }) =>
    'position' in at ? event.position <= at.position : event.occurredAt <= at.timestamp.toISOString();
  const fold = async <
    State,
    Event extends leaderboards.LeaderboardEvent | leaderboards.LeaderboardPeriodEvent,
  >(
    streamId: string,
    initial: State,
    evolve: (state: State, event: Event) => State,
  ) =>
    (await events.readStream(streamId))
      .filter(within)
      .reduce((state, event) => evolve(state, event as unknown as Event), initial);
  const board = await fold(
    leaderboards.leaderboardStreamId(leaderboardId),
    leaderboards.initialState(),
    leaderboards.evolve,
  );
  const periodState = await fold(
    leaderboards.leaderboardPeriodStreamId(leaderboardId, period),
    leaderboards.initialPeriodState(),
    leaderboards.evolvePeriod,
  );
  const asOf = 'position' in at ? { position: at.position } : { timestamp: at.timestamp.toISOString() };
  if (board.status !== 'Defined') {
    return {
      leaderboardId,
      period,
      asOf,
      status: 'unknown',
      adjudication: null,
      excluded: [],
      entries: 0,
      standingsHash: standingsHash([]),
      top: [],
    };
  }
  const closed = periodState.status === 'Closed' ? periodState : undefined;
  const adjudication = closed
    ? Math.min(query.adjudication ?? Infinity, closed.adjudications.length - 1)
    : null;
  const recorded = closed && adjudication !== null ? closed.adjudications[adjudication] : undefined;
  const excluded = [...(recorded?.excluded ?? [])];
  const standings = await standingsFromLog(events, {
    leaderboardId,
    period,
    sortOrder: board.sortOrder,
    after: periodState.status === 'Unscheduled' ? 0 : periodState.after,
    until: closed ? closed.close!.cut : 'position' in at ? at.position : undefined,
    at: 'timestamp' in at && !closed ? at.timestamp : undefined,
    excluded: new Set(excluded),
  });
  const summary = summarizeStandings(standings);
  return {
    leaderboardId,
    period,
    asOf,
    status: closed ? 'closed' : 'open',
    adjudication,
    excluded,
    entries: summary.entries,
    standingsHash: summary.standingsHash,
    top: standings.slice(0, query.limit),
    ...(recorded
      ? {
          verification: {
            recordedHash: recorded.standingsHash,
            matches: recorded.standingsHash === summary.standingsHash,
          },
        }
      : {}),
  };
}
