import { DomainError } from '@app/domain';
import { leaderboardPeriodId, leaderboardPeriodView } from '@app/projections';
import type { ReadStore } from '@app/read-store';
import { Inject } from '@nestjs/common';
import { type IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { READ_STORE } from '../persistence/tokens';
import type { PeriodResponse } from './dto';

export class GetPeriod extends Query<PeriodResponse> {
  constructor(
    readonly leaderboardId: string,
    readonly period: string,
  ) {
    super();
  }
}

@QueryHandler(GetPeriod)
export class GetPeriodHandler implements IQueryHandler<GetPeriod> {
  constructor(@Inject(READ_STORE) private readonly readStore: ReadStore) {}

  async execute({ leaderboardId, period }: GetPeriod): Promise<PeriodResponse> {
    const view = await this.readStore.find(
      leaderboardPeriodView.collection,
      leaderboardPeriodId(leaderboardId, period),
    );
    if (!view)
      throw new DomainError(
        'unknown-period',
        `${leaderboardId} has no period ${period} with a score`,
        'period',
      );
    const { _id: _, paidThrough, adjudications, close, ...rest } = view;
    return {
      ...rest,
      ...(close ? { close: { ...close, rewards: close.rewards.map((tier) => ({ ...tier })) } } : {}),
      adjudications: adjudications.map((each) => ({
        ...each,
        top: each.top.map(({ rank, playerId, score, subscore, achievedAt }) => ({
          rank,
          playerId,
          score,
          subscore,
          achievedAt,
        })),
      })),
      rewardsPaidThrough: paidThrough,
    };
  }
}
