import type { Command, Decider } from '../shared/decider';
import { DomainError } from '../shared/errors';
import {
  assertCurrency,
  assertId,
  assertPositiveSafeInteger,
  assertSafeInteger,
  safeAdd,
} from '../shared/values';
import {
  type EntryFee,
  type Leaderboard,
  type LeaderboardDefinition,
  type LeaderboardEvent,
  SCORE_OPERATORS,
  SORT_ORDERS,
  type TournamentRules,
  definitionOf,
  evolve as evolveLeaderboard,
  initialState as initialLeaderboard,
  leaderboardSnapshots,
} from './leaderboard';
import { SCORE_GRACE_MS } from './leaderboardPeriod';
import { CALENDAR_SCHEDULES, REPEAT_UNITS, type ResetSchedule, boundsAt, periodOf } from './periods';
import { type KnownCatalog, assertRewardTable, normaliseRewardTable } from './rewards';
import {
  type LeaderboardEntry,
  type PlayerScores,
  type ScoreMetadata,
  type ScoreSubmissionEvent,
  compareScores,
  evolvePlayerScores,
  initialPlayerScores,
  playerScoresSnapshots,
} from './scoreSubmissions';

export type DefineLeaderboard = Command<
  'DefineLeaderboard',
  LeaderboardDefinition & {
    /** The currencies and items a reward table or an entry fee may name. */
    catalog: KnownCatalog;
  }
>;

export type SubmitScore = Command<
  'SubmitScore',
  {
    leaderboardId: string;
    playerId: string;
    score: number;
    subscore?: number;
    metadata?: ScoreMetadata;
    /** The submission's timestamp; it alone decides the period. */
    submittedAt: Date;
    /** When the submission is decided: a period that ended more than the grace before takes no score. */
    decidedAt: Date;
    /** The board as the handler loaded it. */
    leaderboard: Leaderboard;
  }
>;

/** Takes a seat for a player about to pay a tournament's fee; `now` decides the join window. */
export type ReserveSeat = Command<
  'ReserveSeat',
  { leaderboardId: string; playerId: string; reservationId: string; now: Date; expiresAt: Date }
>;
export type ConfirmSeat = Command<'ConfirmSeat', { playerId: string; reservationId: string }>;
export type ReleaseSeat = Command<
  'ReleaseSeat',
  { playerId: string; reservationId: string; reason: 'refused' | 'lapsed' }
>;
export type LeaderboardCommand = DefineLeaderboard | ReserveSeat | ConfirmSeat | ReleaseSeat;

const MAX_REPEAT_COUNT = 100_000;
const MAX_PARTICIPANTS = 1_000_000;

/** An ISO instant as the definition stores it, or an invalid-input naming `field`. */
const instant = (value: unknown, field: string): string => {
  const time = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(time))
    throw new DomainError('invalid-input', `${field} must be an ISO 8601 instant`, field);
  return new Date(time).toISOString();
};

/** The schedule as stored (instants normalised), after checking it. */
const checkedSchedule = (schedule: unknown): ResetSchedule => {
  if (typeof schedule === 'string') {
    assertOneOf(schedule, CALENDAR_SCHEDULES, 'resetSchedule');
    return schedule;
  }
  const given = (schedule ?? {}) as Record<string, unknown>;
  if (given.type === 'every') {
    assertPositiveSafeInteger(given.count, 'resetSchedule.count');
    if ((given.count as number) > MAX_REPEAT_COUNT) {
      throw new DomainError(
        'invalid-input',
        `count must be at most ${MAX_REPEAT_COUNT}`,
        'resetSchedule.count',
      );
    }
    assertOneOf(given.unit, REPEAT_UNITS, 'resetSchedule.unit');
    return {
      type: 'every',
      count: given.count as number,
      unit: given.unit,
      anchor: instant(given.anchor, 'resetSchedule.anchor'),
    };
  }
  if (given.type === 'window') {
    const start = instant(given.start, 'resetSchedule.start');
    const end = instant(given.end, 'resetSchedule.end');
    if (end <= start)
      throw new DomainError('invalid-input', 'the window must end after it starts', 'resetSchedule.end');
    return { type: 'window', start, end };
  }
  throw new DomainError(
    'invalid-input',
    `resetSchedule must be one of ${CALENDAR_SCHEDULES.join(', ')}, an "every" or a "window" schedule`,
    'resetSchedule',
  );
};

const checkedFee = (fee: EntryFee, catalog: KnownCatalog): EntryFee => {
  if ('currency' in fee) {
    assertCurrency(fee.currency, 'tournament.entryFee.currency');
    assertPositiveSafeInteger(fee.amount, 'tournament.entryFee.amount');
    if (!catalog.currency(fee.currency)) {
      throw new DomainError(
        'invalid-input',
        `${fee.currency} is not a defined currency`,
        'tournament.entryFee.currency',
      );
    }
    return { currency: fee.currency, amount: fee.amount };
  }
  assertId(fee.sku, 'tournament.entryFee.sku');
  assertPositiveSafeInteger(fee.quantity, 'tournament.entryFee.quantity');
  if (!catalog.item(fee.sku)) {
    throw new DomainError('invalid-input', `${fee.sku} is not a catalog item`, 'tournament.entryFee.sku');
  }
  return { sku: fee.sku, quantity: fee.quantity };
};

/** A tournament's rules as stored, after checking them against its window. */
const checkedTournament = (
  rules: TournamentRules,
  schedule: ResetSchedule,
  catalog: KnownCatalog,
): TournamentRules => {
  if (typeof schedule !== 'object' || schedule.type !== 'window') {
    throw new DomainError('invalid-input', 'a tournament runs in one window', 'resetSchedule');
  }
  const closes = instant(rules.joinClosesAt, 'tournament.joinClosesAt');
  const opens =
    rules.joinOpensAt === undefined ? undefined : instant(rules.joinOpensAt, 'tournament.joinOpensAt');
  if (closes > schedule.end) {
    throw new DomainError(
      'invalid-input',
      'joining must close by the end of the window',
      'tournament.joinClosesAt',
    );
  }
  if (opens !== undefined && opens >= closes) {
    throw new DomainError('invalid-input', 'joining must open before it closes', 'tournament.joinOpensAt');
  }
  assertPositiveSafeInteger(rules.maxParticipants, 'tournament.maxParticipants');
  if (rules.maxParticipants > MAX_PARTICIPANTS) {
    throw new DomainError(
      'invalid-input',
      `at most ${MAX_PARTICIPANTS} participants`,
      'tournament.maxParticipants',
    );
  }
  return {
    ...(opens !== undefined ? { joinOpensAt: opens } : {}),
    joinClosesAt: closes,
    maxParticipants: rules.maxParticipants,
    ...(rules.entryFee !== undefined ? { entryFee: checkedFee(rules.entryFee, catalog) } : {}),
  };
};

export const defineLeaderboard = ({ data }: DefineLeaderboard, state: Leaderboard): LeaderboardEvent[] => {
  assertId(data.leaderboardId, 'leaderboardId');
  assertOneOf(data.sortOrder, SORT_ORDERS, 'sortOrder');
  assertOneOf(data.operator, SCORE_OPERATORS, 'operator');
  const resetSchedule = checkedSchedule(data.resetSchedule);
  if (data.minScore !== undefined) assertSafeInteger(data.minScore, 'minScore');
  if (data.maxScore !== undefined) assertSafeInteger(data.maxScore, 'maxScore');
  if (data.minScore !== undefined && data.maxScore !== undefined && data.minScore > data.maxScore) {
    throw new DomainError('invalid-input', 'minScore must not exceed maxScore', 'minScore');
  }
  if (data.rewards !== undefined) {
    assertRewardTable(data.rewards, data.catalog);
    if (resetSchedule === 'never') {
      throw new DomainError('invalid-input', 'a board whose period never ends pays no rewards', 'rewards');
    }
  }
  const tournament =
    data.tournament === undefined
      ? undefined
      : checkedTournament(data.tournament, resetSchedule, data.catalog);

  const definition: LeaderboardDefinition = {
    leaderboardId: data.leaderboardId,
    sortOrder: data.sortOrder,
    operator: data.operator,
    resetSchedule,
    ...(data.minScore !== undefined ? { minScore: data.minScore } : {}),
    ...(data.maxScore !== undefined ? { maxScore: data.maxScore } : {}),
    ...(data.rewards !== undefined && data.rewards.length > 0
      ? { rewards: normaliseRewardTable(data.rewards) }
      : {}),
    ...(tournament !== undefined ? { tournament } : {}),
  };
  if (state.status === 'Undefined') return [{ type: 'LeaderboardDefined', data: definition }];

  // Entries already filed were ranked under the old order and operator; changing either would
  // silently reinterpret them, so those two are fixed for the life of the board.
  for (const field of ['sortOrder', 'operator'] as const) {
    if (state[field] !== definition[field]) {
      throw new DomainError(
        'leaderboard-definition-conflict',
        `${field} of leaderboard ${data.leaderboardId} is ${state[field]} and cannot change`,
        field,
      );
    }
  }
  if ((state.tournament === undefined) !== (tournament === undefined)) {
    throw new DomainError(
      'leaderboard-definition-conflict',
      state.tournament === undefined
        ? `${data.leaderboardId} is a leaderboard, not a tournament`
        : `${data.leaderboardId} is a tournament: define it with its rules`,
      'tournament',
    );
  }
  const unchanged = JSON.stringify(definitionOf(state)) === JSON.stringify(definition);
  if (unchanged) return [];
  // Players joined under these rules and paid for them: they hold until the tournament is over.
  if (state.tournament !== undefined && state.seats.size > 0) {
    throw new DomainError(
      'leaderboard-definition-conflict',
      `${data.leaderboardId} has participants: its rules cannot change`,
      'tournament',
    );
  }
  return [{ type: 'LeaderboardUpdated', data: definition }];
};

/** Refuses unless the board is a tournament whose joining is open at `now`. */
const openTournament = (state: Leaderboard, leaderboardId: string, now: Date) => {
  if (state.status !== 'Defined') {
    throw new DomainError('unknown-leaderboard', `no tournament ${leaderboardId}`, 'leaderboardId');
  }
  const rules = state.tournament;
  if (rules === undefined) {
    throw new DomainError(
      'not-a-tournament',
      `${leaderboardId} is a leaderboard, not a tournament`,
      'leaderboardId',
    );
  }
  const at = now.toISOString();
  if ((rules.joinOpensAt !== undefined && at < rules.joinOpensAt) || at >= rules.joinClosesAt) {
    throw new DomainError(
      'tournament-join-closed',
      `joining ${leaderboardId} is open ${rules.joinOpensAt ?? 'now'} to ${rules.joinClosesAt}`,
      'leaderboardId',
    );
  }
  return { state, rules };
};

export const reserveSeat = ({ data }: ReserveSeat, board: Leaderboard): LeaderboardEvent[] => {
  assertId(data.playerId, 'playerId');
  const { state, rules } = openTournament(board, data.leaderboardId, data.now);
  const seat = state.seats.get(data.playerId);
  if (seat?.reservationId === data.reservationId) return [];
  if (seat !== undefined) {
    throw new DomainError('already-joined', `${data.playerId} has joined ${data.leaderboardId}`, 'playerId');
  }
  if (state.seats.size >= rules.maxParticipants) {
    throw new DomainError(
      'tournament-full',
      `${data.leaderboardId} has its ${rules.maxParticipants} participants`,
      'leaderboardId',
    );
  }
  return [
    {
      type: 'TournamentSeatReserved',
      data: {
        leaderboardId: data.leaderboardId,
        playerId: data.playerId,
        reservationId: data.reservationId,
        expiresAt: data.expiresAt.toISOString(),
      },
    },
  ];
};

export const confirmSeat = ({ data }: ConfirmSeat, state: Leaderboard): LeaderboardEvent[] => {
  const seat = state.status === 'Defined' ? state.seats.get(data.playerId) : undefined;
  if (seat?.reservationId !== data.reservationId) {
    throw new DomainError(
      'tournament-entry-lapsed',
      `the reservation of ${data.playerId} lapsed`,
      'playerId',
    );
  }
  if (seat.confirmed) return [];
  const leaderboardId = (state as { leaderboardId: string }).leaderboardId;
  return [{ type: 'TournamentSeatConfirmed', data: { leaderboardId, ...data } }];
};

export const releaseSeat = ({ data }: ReleaseSeat, state: Leaderboard): LeaderboardEvent[] => {
  const seat = state.status === 'Defined' ? state.seats.get(data.playerId) : undefined;
  if (seat?.reservationId !== data.reservationId || seat.confirmed) return [];
  const leaderboardId = (state as { leaderboardId: string }).leaderboardId;
  return [{ type: 'TournamentSeatReleased', data: { leaderboardId, ...data } }];
};

/** The reservations of a tournament that expired before they were confirmed, oldest first. */
export const lapsedReservations = (
  state: Leaderboard,
  now: Date,
): { playerId: string; reservationId: string }[] => {
  if (state.status !== 'Defined') return [];
  const at = now.toISOString();
  return [...state.seats]
    .filter(([, seat]) => !seat.confirmed && seat.expiresAt <= at)
    .sort(([, a], [, b]) => (a.expiresAt < b.expiresAt ? -1 : a.expiresAt > b.expiresAt ? 1 : 0))
    .map(([playerId, seat]) => ({ playerId, reservationId: seat.reservationId }));
};

export const submitScore = ({ data }: SubmitScore, state: PlayerScores): ScoreSubmissionEvent[] => {
  assertId(data.leaderboardId, 'leaderboardId');
  assertId(data.playerId, 'playerId');
  assertSafeInteger(data.score, 'score');
  const subscore = data.subscore ?? 0;
  assertSafeInteger(subscore, 'subscore');
  if (data.metadata !== undefined) assertScoreMetadata(data.metadata);

  const board = data.leaderboard;
  if (board.status !== 'Defined') {
    throw new DomainError('unknown-leaderboard', `no leaderboard ${data.leaderboardId}`, 'leaderboardId');
  }
  if (
    (board.minScore !== undefined && data.score < board.minScore) ||
    (board.maxScore !== undefined && data.score > board.maxScore)
  ) {
    throw new DomainError(
      'score-out-of-range',
      `score must be within [${board.minScore ?? '-inf'}, ${board.maxScore ?? 'inf'}]`,
      'score',
    );
  }

  const period = periodOf(board.resetSchedule, data.submittedAt);
  const bounds = boundsAt(board.resetSchedule, data.submittedAt);
  if (period === undefined || (bounds && data.decidedAt.getTime() >= bounds.end.getTime() + SCORE_GRACE_MS)) {
    throw new DomainError(
      'period-closed',
      `${data.leaderboardId} takes no score at ${data.submittedAt.toISOString()}`,
      'score',
    );
  }
  if (board.tournament !== undefined && board.seats.get(data.playerId)?.confirmed !== true) {
    throw new DomainError('not-joined', `${data.playerId} has not joined ${data.leaderboardId}`, 'playerId');
  }
  const submittedAt = data.submittedAt.toISOString();
  const current = state !== null && state.period === period ? state.entry : undefined;
  const submitted: LeaderboardEntry = { score: data.score, subscore, achievedAt: submittedAt };

  return [
    {
      type: 'ScoreSubmitted',
      data: {
        leaderboardId: data.leaderboardId,
        playerId: data.playerId,
        period,
        score: data.score,
        subscore,
        ...(data.metadata !== undefined ? { metadata: data.metadata } : {}),
        submittedAt,
        sortOrder: board.sortOrder,
        entry: current === undefined ? submitted : nextEntry(board, current, submitted),
      },
    },
  ];
};

const nextEntry = (
  board: LeaderboardDefinition,
  current: LeaderboardEntry,
  submitted: LeaderboardEntry,
): LeaderboardEntry => {
  switch (board.operator) {
    case 'latest':
      return submitted;
    case 'best':
      // The earlier achievement keeps an equal tuple: ties rank the first to get there.
      return compareScores(submitted, current, board.sortOrder) < 0 ? submitted : current;
    case 'increment': {
      const score = safeAdd(current.score, submitted.score);
      const subscore = safeAdd(current.subscore, submitted.subscore);
      if (score === undefined || subscore === undefined) {
        throw new DomainError(
          'score-out-of-range',
          'the running total would leave the safe integer range (beyond ±(2^53-1))',
          score === undefined ? 'score' : 'subscore',
        );
      }
      return { score, subscore, achievedAt: submitted.achievedAt };
    }
  }
};

export const MAX_METADATA_KEYS = 16;
export const MAX_METADATA_VALUE_LENGTH = 64;
export const METADATA_KEY = /^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/;

/** Metadata is a small flat bag of short scalars (match id, character, map): never a document store. */
function assertScoreMetadata(metadata: unknown): asserts metadata is ScoreMetadata {
  const fail = (message: string): never => {
    throw new DomainError('invalid-input', message, 'metadata');
  };
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
    fail('metadata must be an object');
  }
  const entries = Object.entries(metadata as object);
  if (entries.length > MAX_METADATA_KEYS) fail(`metadata may hold at most ${MAX_METADATA_KEYS} keys`);
  for (const [key, value] of entries) {
    if (!METADATA_KEY.test(key))
      fail(`metadata key ${JSON.stringify(key)} must match ${METADATA_KEY.source}`);
    const kind = typeof value;
    if (kind !== 'string' && kind !== 'boolean' && !(kind === 'number' && Number.isFinite(value))) {
      fail(`metadata.${key} must be a string, a finite number or a boolean`);
    }
    if (kind === 'string' && [...(value as string)].length > MAX_METADATA_VALUE_LENGTH) {
      fail(`metadata.${key} may hold at most ${MAX_METADATA_VALUE_LENGTH} characters`);
    }
  }
}

function assertOneOf<T extends string>(
  value: unknown,
  allowed: readonly T[],
  field: string,
): asserts value is T {
  if (!allowed.includes(value as T)) {
    throw new DomainError('invalid-input', `${field} must be one of ${allowed.join(', ')}`, field);
  }
}

export const leaderboardDecider: Decider<Leaderboard, LeaderboardCommand, LeaderboardEvent> = {
  initialState: initialLeaderboard,
  evolve: evolveLeaderboard,
  snapshots: leaderboardSnapshots,
  decide: (command, state) => {
    switch (command.type) {
      case 'DefineLeaderboard':
        return defineLeaderboard(command, state);
      case 'ReserveSeat':
        return reserveSeat(command, state);
      case 'ConfirmSeat':
        return confirmSeat(command, state);
      case 'ReleaseSeat':
        return releaseSeat(command, state);
    }
  },
};

export const playerScoresDecider: Decider<PlayerScores, SubmitScore, ScoreSubmissionEvent> = {
  initialState: initialPlayerScores,
  evolve: evolvePlayerScores,
  snapshots: playerScoresSnapshots,
  decide: (command, state) => submitScore(command, state),
};
