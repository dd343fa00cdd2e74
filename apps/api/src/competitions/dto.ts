import { type Static, Type } from '@sinclair/typebox';
import { Id, ReadQuery, Strict, Text } from '../http/schemas';
import { Period, RankedEntry, RewardTier } from '../leaderboards/dto';

export const TournamentParams = Strict({ leaderboardId: Id('The tournament', 'winter-cup') });
export const PeriodParams = Strict({
  leaderboardId: Id('The leaderboard', 'weekly-arena'),
  period: Period,
});

export const ExclusionBody = Strict(
  {
    playerId: Id('The player taken out of the period', 'player-42'),
    reason: Text(200, 'Why (recorded with the actor)', 'aim assistance detected in match m-981'),
  },
  { $id: 'ExclusionBody' },
);
export type ExclusionBody = Static<typeof ExclusionBody>;

const Standings = {
  entries: Type.Integer({ minimum: 0, description: 'Players ranked' }),
  standingsHash: Type.String({
    description: 'SHA-256 (base64url) of the complete standings: recompute it with the standings audit',
  }),
  top: Type.Array(Strict({ ...RankedEntry.properties, metadata: Type.Optional(Type.Never()) }), {
    description: 'The best few',
  }),
};

export const PeriodResponse = Strict(
  {
    leaderboardId: Type.String(),
    period: Type.String(),
    status: Type.Union([Type.Literal('scheduled'), Type.Literal('closed')]),
    startsAt: Type.String({ format: 'date-time' }),
    endsAt: Type.String({ format: 'date-time' }),
    close: Type.Optional(
      Strict({
        cut: Type.Integer({ description: 'The global position the standings were read up to' }),
        closedAt: Type.String({ format: 'date-time' }),
        rewards: Type.Array(RewardTier, {
          description: 'The reward table every payout of the period follows',
        }),
      }),
    ),
    adjudications: Type.Array(
      Strict({
        adjudication: Type.Integer({ minimum: 0, description: '0: the close; then one per re-adjudication' }),
        excluded: Type.Array(Type.String()),
        ...Standings,
      }),
    ),
    exclusions: Type.Array(Strict({ playerId: Type.String(), reason: Type.String() })),
    rewardsPaidThrough: Type.Integer({
      minimum: -1,
      description: 'The last adjudication whose rewards are all paid (-1: none yet)',
    }),
    revision: Type.Integer(),
  },
  { $id: 'PeriodResponse' },
);
export type PeriodResponse = Static<typeof PeriodResponse>;

export const PeriodQuery = Strict(ReadQuery);
