import type { Command, Decider, DomainEvent } from '../shared/decider';
import { DomainError } from '../shared/errors';
import { assertId } from '../shared/values';
import type { RewardTier } from './rewards';
import type { Standing } from './standings';

/**
 * How long after its end a period still takes a score that arrived before the end (its command still
 * being decided); the period closes after it.
 */
export const SCORE_GRACE_MS = 5000;

/** How many of the best a close or an adjudication records in its event; the rest is in the log. */
export const RECORDED_TOP = 10;

/** A period's standings as a close records them: their size, the hash of all of them, the best few. */
export type StandingsSummary = Readonly<{ entries: number; standingsHash: string; top: readonly Standing[] }>;

/**
 * The durable timer of a period's close: written when the period's first score arrives. `after` is a
 * global position before every score of the period, where the close starts reading the log.
 */
export type LeaderboardPeriodScheduled = DomainEvent<
  'LeaderboardPeriodScheduled',
  { leaderboardId: string; period: string; startsAt: string; endsAt: string; after: number }
>;
/**
 * The final standings: every score of the period in the log up to `cut` (a global position), ranked;
 * `rewards` is the table in force at the close, the one every payout of the period follows.
 */
export type LeaderboardPeriodClosed = DomainEvent<
  'LeaderboardPeriodClosed',
  StandingsSummary & {
    leaderboardId: string;
    period: string;
    cut: number;
    closedAt: string;
    rewards: readonly RewardTier[];
  }
>;
/** An operator took a player out of a closed period (the actor is in the event's metadata). */
export type PlayerExcludedFromPeriod = DomainEvent<
  'PlayerExcludedFromPeriod',
  { leaderboardId: string; period: string; playerId: string; reason: string }
>;
/** The standings again without every player excluded so far: adjudication 1, 2, ... (the close is 0). */
export type LeaderboardPeriodAdjudicated = DomainEvent<
  'LeaderboardPeriodAdjudicated',
  StandingsSummary & {
    leaderboardId: string;
    period: string;
    adjudication: number;
    excluded: readonly string[];
  }
>;
/** Every reward of an adjudication (0: the close) is paid. */
export type LeaderboardPeriodRewardsPaid = DomainEvent<
  'LeaderboardPeriodRewardsPaid',
  { leaderboardId: string; period: string; adjudication: number; players: number }
>;

export type LeaderboardPeriodEvent =
  | LeaderboardPeriodScheduled
  | LeaderboardPeriodClosed
  | PlayerExcludedFromPeriod
  | LeaderboardPeriodAdjudicated
  | LeaderboardPeriodRewardsPaid;

export type Adjudication = Readonly<{ excluded: readonly string[] } & StandingsSummary>;

export type LeaderboardPeriod =
  | { status: 'Unscheduled' }
  | Readonly<{
      status: 'Scheduled' | 'Closed';
      leaderboardId: string;
      period: string;
      startsAt: string;
      endsAt: string;
      after: number;
      /** Set once closed. */
      close?: Readonly<{ cut: number; closedAt: string; rewards: readonly RewardTier[] } & StandingsSummary>;
      /** The close (index 0) and each adjudication after it. */
      adjudications: readonly Adjudication[];
      /** Every player excluded so far, in order; some may await their adjudication. */
      excluded: readonly string[];
      /** The last adjudication whose rewards are all paid (-1: none yet). */
      paidThrough: number;
    }>;

export const initialPeriodState = (): LeaderboardPeriod => ({ status: 'Unscheduled' });

export const evolvePeriod = (state: LeaderboardPeriod, event: LeaderboardPeriodEvent): LeaderboardPeriod => {
  if (event.type === 'LeaderboardPeriodScheduled') {
    return { status: 'Scheduled', ...event.data, adjudications: [], excluded: [], paidThrough: -1 };
  }
  if (state.status === 'Unscheduled') return state;
  switch (event.type) {
    case 'LeaderboardPeriodClosed': {
      const { cut, closedAt, rewards, entries, standingsHash, top } = event.data;
      return {
        ...state,
        status: 'Closed',
        close: { cut, closedAt, rewards, entries, standingsHash, top },
        adjudications: [{ excluded: [], entries, standingsHash, top }],
      };
    }
    case 'PlayerExcludedFromPeriod':
      return { ...state, excluded: [...state.excluded, event.data.playerId] };
    case 'LeaderboardPeriodAdjudicated': {
      const { excluded, entries, standingsHash, top } = event.data;
      return { ...state, adjudications: [...state.adjudications, { excluded, entries, standingsHash, top }] };
    }
    case 'LeaderboardPeriodRewardsPaid':
      return { ...state, paidThrough: Math.max(state.paidThrough, event.data.adjudication) };
    default:
      return state;
  }
};

export const leaderboardPeriodStreamId = (leaderboardId: string, period: string): string =>
  // '.' cannot occur in a board id, so the first '.' ends it.
  `leaderboardPeriod-${leaderboardId}.${period}`;

export type SchedulePeriodClose = Command<
  'SchedulePeriodClose',
  { leaderboardId: string; period: string; startsAt: Date; endsAt: Date; after: number }
>;
export type ClosePeriod = Command<
  'ClosePeriod',
  StandingsSummary & { cut: number; now: Date; rewards: readonly RewardTier[] }
>;
export type ExcludePlayer = Command<
  'ExcludePlayer',
  {
    playerId: string;
    reason: string;
    /** Whether the player is in the period's standings. */ ranked: boolean;
  }
>;
export type AdjudicatePeriod = Command<
  'AdjudicatePeriod',
  StandingsSummary & { excluded: readonly string[] }
>;
export type RecordRewardsPaid = Command<'RecordRewardsPaid', { adjudication: number; players: number }>;

export type LeaderboardPeriodCommand =
  SchedulePeriodClose | ClosePeriod | ExcludePlayer | AdjudicatePeriod | RecordRewardsPaid;

const MAX_REASON_LENGTH = 200;

/** A period's timer, close, exclusions and adjudications, each decided once whoever asks twice. */
export const decidePeriod = (
  command: LeaderboardPeriodCommand,
  state: LeaderboardPeriod,
): LeaderboardPeriodEvent[] => {
  if (command.type === 'SchedulePeriodClose') {
    if (state.status !== 'Unscheduled') return [];
    const { leaderboardId, period, startsAt, endsAt, after } = command.data;
    return [
      {
        type: 'LeaderboardPeriodScheduled',
        data: {
          leaderboardId,
          period,
          startsAt: startsAt.toISOString(),
          endsAt: endsAt.toISOString(),
          after,
        },
      },
    ];
  }
  if (state.status === 'Unscheduled') {
    throw new DomainError('unknown-period', 'the period has no score', 'period');
  }
  const { leaderboardId, period } = state;
  switch (command.type) {
    case 'ClosePeriod': {
      if (state.status === 'Closed') return [];
      const { now, cut, rewards, entries, standingsHash, top } = command.data;
      if (now.getTime() < Date.parse(state.endsAt)) {
        throw new DomainError('period-not-closed', `${period} ends at ${state.endsAt}`, 'period');
      }
      return [
        {
          type: 'LeaderboardPeriodClosed',
          data: {
            leaderboardId,
            period,
            cut,
            closedAt: now.toISOString(),
            rewards,
            entries,
            standingsHash,
            top,
          },
        },
      ];
    }
    case 'ExcludePlayer': {
      const { playerId, reason, ranked } = command.data;
      assertId(playerId, 'playerId');
      if (typeof reason !== 'string' || reason.trim() === '' || reason.length > MAX_REASON_LENGTH) {
        throw new DomainError('invalid-input', `reason must be 1..${MAX_REASON_LENGTH} characters`, 'reason');
      }
      if (state.status !== 'Closed') {
        throw new DomainError(
          'period-not-closed',
          `${period} of ${leaderboardId} is not closed yet`,
          'period',
        );
      }
      if (state.excluded.includes(playerId)) return [];
      if (!ranked)
        throw new DomainError('not-ranked', `${playerId} has no standing in ${period}`, 'playerId');
      return [
        {
          type: 'PlayerExcludedFromPeriod',
          data: { leaderboardId, period, playerId, reason: reason.trim() },
        },
      ];
    }
    case 'AdjudicatePeriod': {
      const latest = state.adjudications[state.adjudications.length - 1];
      const { excluded, entries, standingsHash, top } = command.data;
      if (state.status !== 'Closed' || excluded.length === latest.excluded.length) return [];
      if (state.paidThrough < state.adjudications.length - 1) {
        throw new DomainError('rewards-pending', 'the previous standings are not paid yet', 'period');
      }
      return [
        {
          type: 'LeaderboardPeriodAdjudicated',
          data: {
            leaderboardId,
            period,
            adjudication: state.adjudications.length,
            excluded,
            entries,
            standingsHash,
            top,
          },
        },
      ];
    }
    case 'RecordRewardsPaid': {
      const { adjudication, players } = command.data;
      if (state.paidThrough >= adjudication) return [];
      return [
        { type: 'LeaderboardPeriodRewardsPaid', data: { leaderboardId, period, adjudication, players } },
      ];
    }
  }
};

export const leaderboardPeriodDecider: Decider<
  LeaderboardPeriod,
  LeaderboardPeriodCommand,
  LeaderboardPeriodEvent
> = {
  initialState: initialPeriodState,
  evolve: evolvePeriod,
  decide: decidePeriod,
};

/** What is left to do for a period: nothing, its close, an adjudication, or the payout of one. */
export const pendingWork = (
  state: LeaderboardPeriod,
  now: Date,
): 'close' | 'adjudicate' | { pay: number } | undefined => {
  if (state.status === 'Unscheduled') return undefined;
  if (state.status === 'Scheduled') return now.getTime() >= Date.parse(state.endsAt) ? 'close' : undefined;
  const last = state.adjudications.length - 1;
  if (state.paidThrough < last) return { pay: last };
  return state.excluded.length > state.adjudications[last].excluded.length ? 'adjudicate' : undefined;
};
