import type { Command, Decider } from '../shared/decider';
import { DomainError } from '../shared/errors';
import { assertId, assertSafeInteger, safeAdd } from '../shared/values';
import {
  type Leaderboard,
  type LeaderboardDefinition,
  type LeaderboardEvent,
  SCORE_OPERATORS,
  SORT_ORDERS,
  evolve as evolveLeaderboard,
  initialState as initialLeaderboard,
} from './leaderboard';
import { RESET_SCHEDULES, periodOf } from './periods';
import {
  type LeaderboardEntry,
  type PlayerScores,
  type ScoreMetadata,
  type ScoreSubmissionEvent,
  compareScores,
  evolvePlayerScores,
  initialPlayerScores,
} from './scoreSubmissions';

export type DefineLeaderboard = Command<'DefineLeaderboard', LeaderboardDefinition>;

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
    /** The board as the handler loaded it. */
    leaderboard: Leaderboard;
  }
>;

export const defineLeaderboard = ({ data }: DefineLeaderboard, state: Leaderboard): LeaderboardEvent[] => {
  assertId(data.leaderboardId, 'leaderboardId');
  assertOneOf(data.sortOrder, SORT_ORDERS, 'sortOrder');
  assertOneOf(data.operator, SCORE_OPERATORS, 'operator');
  assertOneOf(data.resetSchedule, RESET_SCHEDULES, 'resetSchedule');
  if (data.minScore !== undefined) assertSafeInteger(data.minScore, 'minScore');
  if (data.maxScore !== undefined) assertSafeInteger(data.maxScore, 'maxScore');
  if (data.minScore !== undefined && data.maxScore !== undefined && data.minScore > data.maxScore) {
    throw new DomainError('invalid-input', 'minScore must not exceed maxScore', 'minScore');
  }

  const definition: LeaderboardDefinition = {
    leaderboardId: data.leaderboardId,
    sortOrder: data.sortOrder,
    operator: data.operator,
    resetSchedule: data.resetSchedule,
    ...(data.minScore !== undefined ? { minScore: data.minScore } : {}),
    ...(data.maxScore !== undefined ? { maxScore: data.maxScore } : {}),
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
  const unchanged =
    state.resetSchedule === definition.resetSchedule &&
    state.minScore === definition.minScore &&
    state.maxScore === definition.maxScore;
  return unchanged ? [] : [{ type: 'LeaderboardUpdated', data: definition }];
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

  const submittedAt = data.submittedAt.toISOString();
  const period = periodOf(board.resetSchedule, data.submittedAt);
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

export const leaderboardDecider: Decider<Leaderboard, DefineLeaderboard, LeaderboardEvent> = {
  initialState: initialLeaderboard,
  evolve: evolveLeaderboard,
  decide: (command, state) => defineLeaderboard(command, state),
};

export const playerScoresDecider: Decider<PlayerScores, SubmitScore, ScoreSubmissionEvent> = {
  initialState: initialPlayerScores,
  evolve: evolvePlayerScores,
  decide: (command, state) => submitScore(command, state),
};
