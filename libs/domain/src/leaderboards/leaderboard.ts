import type { DomainEvent, StateSnapshots } from '../shared/decider';
import type { ResetSchedule } from './periods';
import type { RewardTier } from './rewards';

export type SortOrder = 'desc' | 'asc';
export const SORT_ORDERS: readonly SortOrder[] = ['desc', 'asc'];
/** best: keep the best (score, subscore); latest: keep the last one; increment: add to the total. */
export type ScoreOperator = 'best' | 'latest' | 'increment';
export const SCORE_OPERATORS: readonly ScoreOperator[] = ['best', 'latest', 'increment'];

/** What joining a tournament costs: an amount of a currency, or a quantity of an item. */
export type EntryFee = Readonly<{ currency: string; amount: number } | { sku: string; quantity: number }>;

/** A tournament is a board with one window that players join (for a fee) before they may score. */
export type TournamentRules = Readonly<{
  /** When joining opens (ISO instant); absent: as soon as the tournament is defined. */
  joinOpensAt?: string;
  /** When joining closes (ISO instant): at the latest when the window ends. */
  joinClosesAt: string;
  maxParticipants: number;
  entryFee?: EntryFee;
}>;

export type LeaderboardDefinition = Readonly<{
  leaderboardId: string;
  sortOrder: SortOrder;
  operator: ScoreOperator;
  resetSchedule: ResetSchedule;
  minScore?: number;
  maxScore?: number;
  /** What each closed period pays, by rank. */
  rewards?: readonly RewardTier[];
  tournament?: TournamentRules;
}>;

export type LeaderboardDefined = DomainEvent<'LeaderboardDefined', LeaderboardDefinition>;
export type LeaderboardUpdated = DomainEvent<'LeaderboardUpdated', LeaderboardDefinition>;

/**
 * Joining is two steps on two streams (the seat here, the fee and the entry on the player's economy
 * stream), so a seat is reserved first, then confirmed once the entry is recorded, or released when the
 * entry was refused or its reservation lapsed: the count of seats never exceeds the maximum.
 */
export type TournamentSeatReserved = DomainEvent<
  'TournamentSeatReserved',
  { leaderboardId: string; playerId: string; reservationId: string; expiresAt: string }
>;
export type TournamentSeatConfirmed = DomainEvent<
  'TournamentSeatConfirmed',
  { leaderboardId: string; playerId: string; reservationId: string }
>;
export type TournamentSeatReleased = DomainEvent<
  'TournamentSeatReleased',
  { leaderboardId: string; playerId: string; reservationId: string; reason: 'refused' | 'lapsed' }
>;

export type TournamentSeatEvent = TournamentSeatReserved | TournamentSeatConfirmed | TournamentSeatReleased;
export type LeaderboardEvent = LeaderboardDefined | LeaderboardUpdated | TournamentSeatEvent;

export type Seat = Readonly<{ reservationId: string; confirmed: boolean; expiresAt: string }>;

/**
 * `seats` (tournaments only) is owned by the state and extended in place by `evolve`: a tournament of
 * 100,000 players would otherwise copy the map on every join. A state is not used after it was evolved.
 */
export type Leaderboard =
  { status: 'Undefined' } | ({ status: 'Defined'; seats: Map<string, Seat> } & LeaderboardDefinition);

export const initialState = (): Leaderboard => ({ status: 'Undefined' });

export const evolve = (state: Leaderboard, event: LeaderboardEvent): Leaderboard => {
  switch (event.type) {
    case 'LeaderboardDefined':
    case 'LeaderboardUpdated':
      return {
        status: 'Defined',
        seats: state.status === 'Defined' ? state.seats : new Map(),
        ...event.data,
      };
    case 'TournamentSeatReserved':
    case 'TournamentSeatConfirmed':
    case 'TournamentSeatReleased': {
      if (state.status !== 'Defined') return state;
      const { playerId, reservationId } = event.data;
      const seat = state.seats.get(playerId);
      if (event.type === 'TournamentSeatReserved')
        state.seats.set(playerId, { reservationId, confirmed: false, expiresAt: event.data.expiresAt });
      else if (seat?.reservationId !== reservationId) return state;
      else if (event.type === 'TournamentSeatReleased') state.seats.delete(playerId);
      else state.seats.set(playerId, { ...seat, confirmed: true });
      return state;
    }
    default:
      return state;
  }
};

/**
 * Bump the version whenever evolve or Leaderboard changes: snapshots of the old fold are ignored. The seats
 * are kept as [playerId, seat] pairs, in the map's order.
 */
export const leaderboardSnapshots: StateSnapshots<Leaderboard> = {
  version: 1,
  toJson: (state) => (state.status === 'Defined' ? { ...state, seats: [...state.seats] } : state),
  fromJson: (json) => {
    const state = json as
      { status: 'Undefined' } | ({ status: 'Defined'; seats: [string, Seat][] } & LeaderboardDefinition);
    return state.status === 'Defined' ? { ...state, seats: new Map(state.seats) } : state;
  },
};

export const leaderboardStreamId = (leaderboardId: string): string => `leaderboard-${leaderboardId}`;

/** The definition without the state's bookkeeping: what a definition event carries. */
export const definitionOf = (state: Leaderboard & { status: 'Defined' }): LeaderboardDefinition => {
  const { status: _status, seats: _seats, ...definition } = state;
  return definition;
};
