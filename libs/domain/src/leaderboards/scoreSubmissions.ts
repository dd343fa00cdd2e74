import type { DomainEvent, StateSnapshots } from '../shared/decider';
import type { SortOrder } from './leaderboard';

/** What a player holds on one board in one period. */
export type LeaderboardEntry = Readonly<{
  score: number;
  subscore: number;
  /** When this (score, subscore) was reached: the tie-breaker, earlier ranks higher. */
  achievedAt: string;
}>;

export type ScoreMetadata = Readonly<Record<string, string | number | boolean>>;

/**
 * Every submission is recorded, with the entry it leaves the player with: a submission that does not
 * beat the best is history an auditor can see, and the read model just takes `entry`.
 */
export type ScoreSubmitted = DomainEvent<
  'ScoreSubmitted',
  {
    leaderboardId: string;
    playerId: string;
    period: string;
    score: number;
    subscore: number;
    metadata?: ScoreMetadata;
    submittedAt: string;
    sortOrder: SortOrder;
    entry: LeaderboardEntry;
  }
>;
export type ScoreSubmissionEvent = ScoreSubmitted;

/** One player's submissions to one board: only the current period matters for deciding. */
export type PlayerScores = { period: string; entry: LeaderboardEntry } | null;

export const initialPlayerScores = (): PlayerScores => null;

export const evolvePlayerScores = (state: PlayerScores, event: ScoreSubmissionEvent): PlayerScores => {
  switch (event.type) {
    case 'ScoreSubmitted':
      return { period: event.data.period, entry: event.data.entry };
    default:
      return state;
  }
};

/** Bump the version whenever evolvePlayerScores or PlayerScores changes: old snapshots are ignored. */
export const playerScoresSnapshots: StateSnapshots<PlayerScores> = { version: 1 };

export const playerScoresStreamId = (leaderboardId: string, playerId: string): string =>
  // '.' cannot occur in ids, so the pair is unambiguous.
  `leaderboardScores-${leaderboardId}.${playerId}`;

/**
 * Compares (score, subscore) as ONE tuple in the board's direction: negative when `a` is better.
 * Never compare the fields separately - mixing the best score of one submission with the best
 * subscore of another would record a pair nobody achieved.
 */
export const compareScores = (
  a: Pick<LeaderboardEntry, 'score' | 'subscore'>,
  b: Pick<LeaderboardEntry, 'score' | 'subscore'>,
  sortOrder: SortOrder,
): number => {
  const direction = sortOrder === 'desc' ? -1 : 1;
  if (a.score !== b.score) return direction * (a.score - b.score);
  if (a.subscore !== b.subscore) return direction * (a.subscore - b.subscore);
  return 0;
};

export type RankedEntry = LeaderboardEntry & { playerId: string };

/** Board order: better tuple first; ties go to the earlier achievement, then the smaller player id. */
export const compareRanked = (a: RankedEntry, b: RankedEntry, sortOrder: SortOrder): number =>
  compareScores(a, b, sortOrder) ||
  (a.achievedAt < b.achievedAt ? -1 : a.achievedAt > b.achievedAt ? 1 : 0) ||
  (a.playerId < b.playerId ? -1 : a.playerId > b.playerId ? 1 : 0);
