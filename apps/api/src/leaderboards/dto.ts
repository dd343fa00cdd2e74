import { CURRENCY_PATTERN, ID_PATTERN, leaderboards } from '@app/domain';
import { type Static, Type } from '@sinclair/typebox';
import {
  Amount,
  Constraint,
  CurrencyCode,
  Id,
  KeyedBy,
  NextCursor,
  PageQuery,
  ReadQuery,
  SafeInteger,
  Strict,
} from '../http/schemas';

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

const Instant = (description: string) => Type.String({ format: 'date-time', description });

export const WindowSchedule = Strict(
  {
    type: Type.Literal('window'),
    start: Instant('The one period starts here'),
    end: Instant('... and ends here (after start); then the board takes no score'),
  },
  { $id: 'WindowSchedule', description: 'One period: a season or a tournament' },
);

export const ResetSchedule = Type.Union(
  [
    oneOf(leaderboards.CALENDAR_SCHEDULES, 'Calendar periods in UTC; weeks start Monday 00:00'),
    Strict(
      {
        type: Type.Literal('every'),
        count: Type.Integer({ minimum: 1, maximum: 100_000 }),
        unit: oneOf(leaderboards.REPEAT_UNITS, 'The unit of count'),
        anchor: Instant('A period starts here; the others every count units before and after'),
      },
      { description: 'Periods of a fixed duration' },
    ),
    WindowSchedule,
  ],
  { $id: 'ResetSchedule', description: "When the board's periods start and end" },
);

const RewardAmounts = (keyPattern: string, description: string, example: Record<string, number>) =>
  KeyedBy(keyPattern, Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }), {
    minProperties: 1,
    maxProperties: 16,
    description,
    examples: [example],
  });

export const RewardTier = Strict(
  {
    fromRank: Type.Integer({
      minimum: 1,
      maximum: leaderboards.MAX_REWARDED_RANK,
      description: 'First rank paid (1 is the best)',
    }),
    toRank: Type.Integer({
      minimum: 1,
      maximum: leaderboards.MAX_REWARDED_RANK,
      description: 'Last rank paid',
    }),
    currencies: Type.Optional(
      RewardAmounts(CURRENCY_PATTERN.source, 'Defined currencies, in minor units', { GOLD: 1000 }),
    ),
    items: Type.Optional(RewardAmounts(ID_PATTERN.source, 'Catalog items and quantities', { trophy: 1 })),
  },
  { $id: 'RewardTier' },
);

const Rewards = Type.Array(RewardTier, {
  maxItems: leaderboards.MAX_REWARD_TIERS,
  description: 'What each closed period pays by rank: tiers that do not overlap',
});

export const EntryFee = Type.Union(
  [
    Strict({ currency: CurrencyCode, amount: Amount('Paid from the balance when joining') }),
    Strict({ sku: Id('A catalog item', 'ticket'), quantity: Amount('Given up when joining') }),
  ],
  { $id: 'EntryFee', description: 'An amount of a defined currency, or a quantity of a catalog item' },
);

export const TournamentRules = Strict(
  {
    joinOpensAt: Type.Optional(Instant('When joining opens; at once when absent')),
    joinClosesAt: Instant('When joining closes: at the latest when the window ends'),
    maxParticipants: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
    entryFee: Type.Optional(EntryFee),
  },
  { $id: 'TournamentRules' },
);

const boardFields = {
  sortOrder: oneOf(leaderboards.SORT_ORDERS, 'desc: higher is better; fixed once the board exists'),
  operator: oneOf(leaderboards.SCORE_OPERATORS, 'best, latest or increment; fixed once the board exists'),
  minScore: Type.Optional(SafeInteger('Lowest score accepted (at most maxScore)')),
  maxScore: Type.Optional(SafeInteger('Highest score accepted')),
  rewards: Type.Optional(Rewards),
};

const NOT_HERE =
  'only a tournament takes join rules and an entry fee: define one with PUT /v1/tournaments/{id}';

export const LeaderboardBody = Strict(
  {
    ...boardFields,
    resetSchedule: ResetSchedule,
    tournament: Type.Optional(Type.Unknown({ description: NOT_HERE })),
    entryFee: Type.Optional(Type.Unknown({ description: NOT_HERE })),
  },
  {
    $id: 'LeaderboardBody',
    allOf: [
      Constraint('entryFee', NOT_HERE, { not: { required: ['entryFee'] } }),
      Constraint('tournament', NOT_HERE, { not: { required: ['tournament'] } }),
    ],
  },
);
export type LeaderboardBody = Static<typeof LeaderboardBody>;

export const TournamentBody = Strict(
  { ...boardFields, resetSchedule: WindowSchedule, tournament: TournamentRules },
  { $id: 'TournamentBody' },
);
export type TournamentBody = Static<typeof TournamentBody>;

export const JoinBody = Strict({ playerId: Id('The player joining', 'player-42') }, { $id: 'JoinBody' });
export type JoinBody = Static<typeof JoinBody>;

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

export const Period = Type.String({
  pattern: '^[0-9A-Za-z:.-]{3,24}$',
  description:
    "all | 2026-11-21 | 2026-W47 | 2026-11 | a period's start instant (every and window schedules): the " +
    "board schedule's; the current period by default",
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

const NullableInstant = (description: string) =>
  Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description });

const LeaderboardFields = {
  leaderboardId: Type.String(),
  sortOrder: Type.String(),
  operator: Type.String(),
  resetSchedule: ResetSchedule,
  minScore: Type.Optional(Type.Integer()),
  maxScore: Type.Optional(Type.Integer()),
  rewards: Type.Optional(Type.Array(RewardTier)),
  tournament: Type.Optional(TournamentRules),
  participants: Type.Optional(
    Strict(
      {
        joined: Type.Integer({ minimum: 0, description: 'Players who joined' }),
        joining: Type.Integer({ minimum: 0, description: 'Seats reserved for joins under way' }),
      },
      { description: "A tournament's seats" },
    ),
  ),
  currentPeriod: Type.Union([Type.String(), Type.Null()], {
    description: 'The period now (null before or after a window)',
  }),
  currentPeriodStartsAt: NullableInstant(
    'When the current period started (null: never ends, or no period now)',
  ),
  currentPeriodEndsAt: NullableInstant('When it ends, and closes'),
  nextPeriodStartsAt: NullableInstant('When the next period starts (null: there is none)'),
  revision: Type.Integer(),
};

export const LeaderboardResponse = Strict(LeaderboardFields, { $id: 'LeaderboardResponse' });
export type LeaderboardResponse = Static<typeof LeaderboardResponse>;

export const LeaderboardsPageResponse = Strict(
  { leaderboards: Type.Array(Strict(LeaderboardFields)), nextCursor: NextCursor },
  { $id: 'LeaderboardsPageResponse' },
);
export type LeaderboardsPageResponse = Static<typeof LeaderboardsPageResponse>;
