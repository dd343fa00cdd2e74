import { deciderSpecification } from '@test/support/deciderSpecification';
import {
  type DefineLeaderboard,
  leaderboardDecider,
  playerScoresDecider,
  type SubmitScore,
} from './businessLogic';
import type { Leaderboard, LeaderboardDefinition } from './leaderboard';
import type { KnownCatalog } from './rewards';
import { type LeaderboardEntry, type ScoreSubmitted, compareRanked } from './scoreSubmissions';

const definition: LeaderboardDefinition = {
  leaderboardId: 'arena',
  sortOrder: 'desc',
  operator: 'best',
  resetSchedule: 'weekly',
};
const board = (change: Partial<LeaderboardDefinition> = {}): Leaderboard => ({
  status: 'Defined',
  seats: new Map(),
  ...definition,
  ...change,
});
/** A catalog with GOLD and the item `sword`. */
const catalog: KnownCatalog = { currency: (code) => code === 'GOLD', item: (sku) => sku === 'sword' };
const define = (data: Partial<LeaderboardDefinition> | Record<string, unknown>): DefineLeaderboard => ({
  type: 'DefineLeaderboard',
  data: { ...definition, ...data, catalog } as DefineLeaderboard['data'],
});

describe('leaderboard definition', () => {
  const given = deciderSpecification(leaderboardDecider).given;

  it('defines a board', () =>
    given([])
      .when(define({ minScore: 0, maxScore: 1000 }))
      .then([{ type: 'LeaderboardDefined', data: { ...definition, minScore: 0, maxScore: 1000 } }]));

  it('updates the reset schedule and bounds', () =>
    given([{ type: 'LeaderboardDefined', data: definition }])
      .when(define({ resetSchedule: 'daily', maxScore: 10 }))
      .then([{ type: 'LeaderboardUpdated', data: { ...definition, resetSchedule: 'daily', maxScore: 10 } }]));

  it('records nothing for an identical definition', () =>
    given([{ type: 'LeaderboardDefined', data: definition }])
      .when(define({}))
      .thenNothingHappens());

  it.each(['sortOrder', 'operator'] as const)('refuses to change %s of an existing board', (field) =>
    given([{ type: 'LeaderboardDefined', data: definition }])
      .when(define({ [field]: field === 'sortOrder' ? 'asc' : 'latest' }))
      .thenRejects('leaderboard-definition-conflict', field),
  );

  it.each([
    [{ sortOrder: 'up' }, 'sortOrder'],
    [{ operator: 'max' }, 'operator'],
    [{ resetSchedule: 'hourly' }, 'resetSchedule'],
    [{ minScore: 1.5 }, 'minScore'],
    [{ minScore: 10, maxScore: 5 }, 'minScore'],
  ])('rejects %p', (change, field) => given([]).when(define(change)).thenRejects('invalid-input', field));
});

describe('score submission', () => {
  const given = deciderSpecification(playerScoresDecider).given;
  const monday = new Date('2026-11-16T00:00:00.000Z');
  const later = (minutes: number) => new Date(monday.getTime() + minutes * 60_000);

  const submit = (
    score: number,
    subscore: number | undefined,
    at: Date,
    leaderboard: Leaderboard = board(),
  ): SubmitScore => ({
    type: 'SubmitScore',
    data: {
      leaderboardId: 'arena',
      playerId: 'p1',
      score,
      subscore,
      submittedAt: at,
      decidedAt: at,
      leaderboard,
    },
  });
  const submitted = (
    score: number,
    subscore: number,
    at: Date,
    entry: LeaderboardEntry,
    change: Partial<ScoreSubmitted['data']> = {},
  ): ScoreSubmitted => ({
    type: 'ScoreSubmitted',
    data: {
      leaderboardId: 'arena',
      playerId: 'p1',
      period: '2026-W47',
      score,
      subscore,
      submittedAt: at.toISOString(),
      sortOrder: 'desc',
      entry,
      ...change,
    },
  });
  const entry = (score: number, subscore: number, at: Date): LeaderboardEntry => ({
    score,
    subscore,
    achievedAt: at.toISOString(),
  });

  it('files the first score as the entry', () =>
    given([])
      .when(submit(100, 5, later(1)))
      .then([submitted(100, 5, later(1), entry(100, 5, later(1)))]));

  it('best: a better tuple replaces the entry', () =>
    given([submitted(100, 5, later(1), entry(100, 5, later(1)))])
      .when(submit(100, 6, later(2)))
      .then([submitted(100, 6, later(2), entry(100, 6, later(2)))]));

  it('best: compares (score, subscore) as one tuple, never field by field', () =>
    // (90, 99) loses to (100, 5) although its subscore is higher: the entry stays (100, 5), not (100, 99).
    given([submitted(100, 5, later(1), entry(100, 5, later(1)))])
      .when(submit(90, 99, later(2)))
      .then([submitted(90, 99, later(2), entry(100, 5, later(1)))]));

  it('best: an equal tuple keeps the earlier achievement', () =>
    given([submitted(100, 5, later(1), entry(100, 5, later(1)))])
      .when(submit(100, 5, later(2)))
      .then([submitted(100, 5, later(2), entry(100, 5, later(1)))]));

  it('best on an ascending board: lower is better', () =>
    given([submitted(50, 0, later(1), entry(50, 0, later(1)), { sortOrder: 'asc' })])
      .when(submit(40, 0, later(2), board({ sortOrder: 'asc' })))
      .then([submitted(40, 0, later(2), entry(40, 0, later(2)), { sortOrder: 'asc' })]));

  it('latest: the last submission wins even when worse', () =>
    given([submitted(100, 0, later(1), entry(100, 0, later(1)))])
      .when(submit(10, 0, later(2), board({ operator: 'latest' })))
      .then([submitted(10, 0, later(2), entry(10, 0, later(2)))]));

  it('increment: adds to the running total of the period', () =>
    given([submitted(100, 1, later(1), entry(100, 1, later(1)))])
      .when(submit(25, 2, later(2), board({ operator: 'increment' })))
      .then([submitted(25, 2, later(2), entry(125, 3, later(2)))]));

  it('increment: refuses a total beyond 2^53-1', () =>
    given([submitted(1, 0, later(1), entry(Number.MAX_SAFE_INTEGER, 0, later(1)))])
      .when(submit(1, 0, later(2), board({ operator: 'increment' })))
      .thenRejects('score-out-of-range', 'score'));

  it('a new period starts from a fresh entry', () => {
    const nextMonday = new Date('2026-11-23T00:00:00.000Z');
    return given([submitted(100, 0, later(1), entry(100, 0, later(1)))])
      .when(submit(5, 0, nextMonday, board({ operator: 'increment' })))
      .then([submitted(5, 0, nextMonday, entry(5, 0, nextMonday), { period: '2026-W48' })]);
  });

  it('defaults the subscore to 0 and keeps metadata', () =>
    given([])
      .when({
        ...submit(7, undefined, later(1)),
        data: { ...submit(7, undefined, later(1)).data, metadata: { matchId: 'm-1', kills: 3 } },
      })
      .then([submitted(7, 0, later(1), entry(7, 0, later(1)), { metadata: { matchId: 'm-1', kills: 3 } })]));

  it.each([
    [{ metadata: { 'a.b': 1 } }],
    [{ metadata: { nested: { x: 1 } } }],
    [{ metadata: [1, 2] }],
    [{ metadata: { big: 'x'.repeat(2000) } }],
  ])('rejects metadata %p', (change) =>
    given([])
      .when({ ...submit(7, 0, later(1)), data: { ...submit(7, 0, later(1)).data, ...change } } as SubmitScore)
      .thenRejects('invalid-input', 'metadata'),
  );

  it('rejects a score outside the board bounds', () =>
    given([])
      .when(submit(1001, 0, later(1), board({ minScore: 0, maxScore: 1000 })))
      .thenRejects('score-out-of-range', 'score'));

  it('rejects an unknown board', () =>
    given([])
      .when(submit(1, 0, later(1), { status: 'Undefined' }))
      .thenRejects('unknown-leaderboard', 'leaderboardId'));

  it.each([1.5, Number.MAX_SAFE_INTEGER + 2])('rejects score %p', (score) =>
    given([])
      .when(submit(score, 0, later(1)))
      .thenRejects('invalid-input', 'score'),
  );
});

describe('board order', () => {
  const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();
  it('ranks the better tuple first, then the earlier achievement, then the smaller player id', () => {
    const entries = [
      { playerId: 'd', score: 10, subscore: 0, achievedAt: at(1) },
      { playerId: 'c', score: 20, subscore: 0, achievedAt: at(5) },
      { playerId: 'b', score: 20, subscore: 0, achievedAt: at(3) },
      { playerId: 'a', score: 20, subscore: 0, achievedAt: at(3) },
      { playerId: 'e', score: 20, subscore: 1, achievedAt: at(9) },
    ];
    const order = [...entries].sort((x, y) => compareRanked(x, y, 'desc')).map((e) => e.playerId);
    expect(order).toEqual(['e', 'a', 'b', 'c', 'd']);
    const ascending = [...entries].sort((x, y) => compareRanked(x, y, 'asc')).map((e) => e.playerId);
    expect(ascending).toEqual(['d', 'a', 'b', 'c', 'e']);
  });
});
