import { leaderboards } from '@app/domain';
import { type Static, Type } from '@sinclair/typebox';
import { Id, KeyedBy, NextCursor, PageQuery, ReadQuery, SafeInteger, Strict } from '../http/schemas';

export const BoardParams = Strict({ leaderboardId: Id('The leaderboard', 'weekly-arena') });
export const PlayerRankParams = Strict({
  leaderboardId: Id('The leaderboard', 'weekly-arena'),
  playerId: Id('The player', 'player-42'),
});

const oneOf = <T extends string>(values: readonly T[], description: string) =>
  Type.Union(
    values.map((value) => Type.Literal(value)),
    { description },
  );

export const LeaderboardBody = Strict(
  {
    sortOrder: oneOf(leaderboards.SORT_ORDERS, 'desc: higher is better; fixed once the board exists'),
    operator: oneOf(leaderboards.SCORE_OPERATORS, 'best, latest or increment; fixed once the board exists'),
    resetSchedule: oneOf(leaderboards.RESET_SCHEDULES, 'UTC; weeks start Monday 00:00'),
    minScore: Type.Optional(SafeInteger('Lowest score accepted (at most maxScore)')),
    maxScore: Type.Optional(SafeInteger('Highest score accepted')),
  },
  { $id: 'LeaderboardBody' },
);
export type LeaderboardBody = Static<typeof LeaderboardBody>;

export const ScoreMetadata = KeyedBy(
  leaderboards.METADATA_KEY.source,
  Type.Union([
    Type.String({ maxLength: leaderboards.MAX_METADATA_VALUE_LENGTH }),
    Type.Number(),
    Type.Boolean(),
  ]),
  {
    maxProperties: leaderboards.MAX_METADATA_KEYS,
    description: 'A few flat keys of string, number or boolean (match id, character, map)',
    examples: [{ matchId: 'm-981', character: 'ranger' }],
  },
);

export const ScoreBody = Strict(
  {
    playerId: Id('The player', 'player-42'),
    score: SafeInteger('Score (on an increment board: the amount to add)'),
    subscore: Type.Optional(SafeInteger('Tie-breaker compared after score; 0 when absent')),
    metadata: Type.Optional(ScoreMetadata),
  },
  { $id: 'ScoreBody' },
);
export type ScoreBody = Static<typeof ScoreBody>;

const Period = Type.String({
  pattern: '^[0-9A-Za-z-]{3,10}$',
  description: "all | 2026-11-21 | 2026-W47 | 2026-11 (the board schedule's); the current period by default",
});

export const BoardQuery = Strict(ReadQuery);
export const BoardsPageQuery = Strict(PageQuery);
export type BoardsPageQuery = Static<typeof BoardsPageQuery>;
export const EntriesQuery = Strict({ ...PageQuery, period: Type.Optional(Period) });
export type EntriesQuery = Static<typeof EntriesQuery>;
export const AroundQuery = Strict({
  ...ReadQuery,
  period: Type.Optional(Period),
  around: Type.Optional(
    Type.Integer({ minimum: 0, maximum: 50, default: 0, description: 'How many neighbours above and below' }),
  ),
});
export type AroundQuery = Static<typeof AroundQuery>;

export const RankedEntry = Strict({
  rank: Type.Integer({ minimum: 1, description: '1 is the best' }),
  playerId: Type.String(),
  score: Type.Integer(),
  subscore: Type.Integer(),
  achievedAt: Type.String({ format: 'date-time' }),
  metadata: Type.Optional(
    Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean()])),
  ),
});
export type RankedEntry = Static<typeof RankedEntry>;

export const EntriesResponse = Strict(
  {
    leaderboardId: Type.String(),
    period: Type.String(),
    entries: Type.Array(RankedEntry),
    nextCursor: NextCursor,
  },
  { $id: 'EntriesResponse' },
);
export type EntriesResponse = Static<typeof EntriesResponse>;

export const PlayerRankResponse = Strict(
  {
    leaderboardId: Type.String(),
    period: Type.String(),
    rank: Type.Integer({ minimum: 1 }),
    entry: RankedEntry,
    neighbors: Type.Array(RankedEntry, { description: 'Up to `around` entries above and below' }),
  },
  { $id: 'PlayerRankResponse' },
);
export type PlayerRankResponse = Static<typeof PlayerRankResponse>;

const LeaderboardDefinition = {
  leaderboardId: Type.String(),
  sortOrder: Type.String(),
  operator: Type.String(),
  resetSchedule: Type.String(),
  minScore: Type.Optional(Type.Integer()),
  maxScore: Type.Optional(Type.Integer()),
  currentPeriod: Type.String(),
  revision: Type.Integer(),
};

export const LeaderboardResponse = Strict(LeaderboardDefinition, { $id: 'LeaderboardResponse' });
export type LeaderboardResponse = Static<typeof LeaderboardResponse>;

export const LeaderboardsPageResponse = Strict(
  { leaderboards: Type.Array(Strict(LeaderboardDefinition)), nextCursor: NextCursor },
  { $id: 'LeaderboardsPageResponse' },
);
export type LeaderboardsPageResponse = Static<typeof LeaderboardsPageResponse>;
