import type { DomainEvent } from '../shared/decider';
import type { ResetSchedule } from './periods';

export type SortOrder = 'desc' | 'asc';
export const SORT_ORDERS: readonly SortOrder[] = ['desc', 'asc'];
/** best: keep the best (score, subscore); latest: keep the last one; increment: add to the total. */
export type ScoreOperator = 'best' | 'latest' | 'increment';
export const SCORE_OPERATORS: readonly ScoreOperator[] = ['best', 'latest', 'increment'];

export type LeaderboardDefinition = Readonly<{
  leaderboardId: string;
  sortOrder: SortOrder;
  operator: ScoreOperator;
  resetSchedule: ResetSchedule;
  minScore?: number;
  maxScore?: number;
}>;

export type LeaderboardDefined = DomainEvent<'LeaderboardDefined', LeaderboardDefinition>;
export type LeaderboardUpdated = DomainEvent<'LeaderboardUpdated', LeaderboardDefinition>;
export type LeaderboardEvent = LeaderboardDefined | LeaderboardUpdated;

export type Leaderboard = { status: 'Undefined' } | ({ status: 'Defined' } & LeaderboardDefinition);

export const initialState = (): Leaderboard => ({ status: 'Undefined' });

export const evolve = (state: Leaderboard, event: LeaderboardEvent): Leaderboard => {
  switch (event.type) {
    case 'LeaderboardDefined':
    case 'LeaderboardUpdated':
      return { status: 'Defined', ...event.data };
    default:
      return state;
  }
};

export const leaderboardStreamId = (leaderboardId: string): string => `leaderboard-${leaderboardId}`;
