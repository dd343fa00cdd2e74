import { leaderboards } from '@app/domain';
import {
  type LeaderboardEntryView,
  type LeaderboardView,
  leaderboardEntryId,
  rankKey,
  rankingGroup,
} from '@app/projections';
import type { IndexQuery, ReadStore } from '@app/read-store';
import { Inject } from '@nestjs/common';
import {
  Command,
  CommandHandler,
  type ICommandHandler,
  type IQueryHandler,
  Query,
  QueryHandler,
} from '@nestjs/cqrs';
import type { CommandContext } from '../http/commandRequest';
import { Problem } from '../http/problem';
import { encodeCursor } from '../http/validation';
import { AggregateStore, type CommandResult } from '../infrastructure/aggregateStore';
import { READ_STORE } from '../infrastructure/tokens';
import type { EntriesResponse, LeaderboardResponse, PlayerRankResponse, RankedEntryDto } from './dto';

export class DefineLeaderboard extends Command<CommandResult> {
  constructor(
    readonly definition: leaderboards.LeaderboardDefinition,
    readonly context: CommandContext,
  ) {
    super();
  }
}

export class SubmitScore extends Command<CommandResult> {
  constructor(
    readonly submission: Omit<leaderboards.SubmitScore['data'], 'leaderboard' | 'submittedAt'>,
    readonly context: CommandContext,
  ) {
    super();
  }
}

@CommandHandler(DefineLeaderboard)
export class DefineLeaderboardHandler implements ICommandHandler<DefineLeaderboard> {
  constructor(private readonly streams: AggregateStore) {}

  execute({ definition, context }: DefineLeaderboard): Promise<CommandResult> {
    return this.streams.handle(
      leaderboards.leaderboardStreamId(definition.leaderboardId),
      leaderboards.leaderboardDecider,
      (state) => leaderboards.defineLeaderboard({ type: 'DefineLeaderboard', data: definition }, state),
      context,
    );
  }
}

@CommandHandler(SubmitScore)
export class SubmitScoreHandler implements ICommandHandler<SubmitScore> {
  constructor(private readonly streams: AggregateStore) {}

  async execute({ submission, context }: SubmitScore): Promise<CommandResult> {
    const { state: leaderboard } = await this.streams.load(
      leaderboards.leaderboardStreamId(submission.leaderboardId),
      leaderboards.leaderboardDecider,
    );
    return this.streams.handle(
      leaderboards.playerScoresStreamId(submission.leaderboardId, submission.playerId),
      leaderboards.playerScoresDecider,
      (state) =>
        leaderboards.submitScore(
          // The request's arrival time is also the event's occurredAt: one clock reading decides the period.
          { type: 'SubmitScore', data: { ...submission, leaderboard, submittedAt: context.receivedAt } },
          state,
        ),
      context,
    );
  }
}

export type EntryCursor = { s: number; u: number; a: string; p: string };

export class GetLeaderboard extends Query<LeaderboardResponse> {
  constructor(readonly leaderboardId: string) {
    super();
  }
}

export class GetEntries extends Query<EntriesResponse> {
  constructor(
    readonly leaderboardId: string,
    readonly period: string | undefined,
    readonly after: EntryCursor | undefined,
    readonly limit: number,
  ) {
    super();
  }
}

export class GetPlayerRank extends Query<PlayerRankResponse> {
  constructor(
    readonly leaderboardId: string,
    readonly playerId: string,
    readonly period: string | undefined,
    readonly around: number,
  ) {
    super();
  }
}

/** Loads a board and settles which period a query is about. */
abstract class BoardQueryHandler {
  constructor(@Inject(READ_STORE) protected readonly readStore: ReadStore) {}

  protected async board(
    leaderboardId: string,
    period?: string,
  ): Promise<{ board: LeaderboardView; period: string }> {
    const board = await this.readStore.find<LeaderboardView>('leaderboards', leaderboardId);
    if (!board)
      throw new Problem(404, 'unknown-leaderboard', 'unknown leaderboard', `no leaderboard ${leaderboardId}`);
    if (period !== undefined && !leaderboards.isPeriodOf(board.resetSchedule, period)) {
      throw Problem.invalid([
        { field: 'period', message: `is not a ${board.resetSchedule} period of this board` },
      ]);
    }
    return { board, period: period ?? leaderboards.periodOf(board.resetSchedule, new Date()) };
  }

  protected ranking(leaderboardId: string, period: string): IndexQuery {
    return { collection: 'leaderboardEntries', index: 'ranking', group: rankingGroup(leaderboardId, period) };
  }
}

const ranked = (entry: LeaderboardEntryView, rank: number): RankedEntryDto => ({
  rank,
  playerId: entry.playerId,
  score: entry.score,
  subscore: entry.subscore,
  achievedAt: entry.achievedAt,
  ...(entry.metadata ? { metadata: entry.metadata } : {}),
});

@QueryHandler(GetLeaderboard)
export class GetLeaderboardHandler extends BoardQueryHandler implements IQueryHandler<GetLeaderboard> {
  async execute({ leaderboardId }: GetLeaderboard): Promise<LeaderboardResponse> {
    const { board, period } = await this.board(leaderboardId);
    const { _id: _, ...definition } = board;
    return { ...definition, currentPeriod: period };
  }
}

@QueryHandler(GetEntries)
export class GetEntriesHandler extends BoardQueryHandler implements IQueryHandler<GetEntries> {
  async execute({ leaderboardId, period: requested, after, limit }: GetEntries): Promise<EntriesResponse> {
    const { board, period } = await this.board(leaderboardId, requested);
    const ranking = this.ranking(leaderboardId, period);
    const key = after && {
      ...rankKey(board.sortOrder, { score: after.s, subscore: after.u }),
      achievedAt: after.a,
      playerId: after.p,
    };
    const page = await this.readStore.page<LeaderboardEntryView>(ranking, key, limit + 1);
    const first = page.length > 0 ? ((await this.readStore.rankOf(ranking, page[0]._id)) ?? 0) : 0;
    const entries = page.slice(0, limit).map((entry, i) => ranked(entry, first + i + 1));
    const last = page.length > limit ? page[limit - 1] : undefined;
    return {
      leaderboardId,
      period,
      entries,
      nextCursor: last
        ? encodeCursor({ s: last.score, u: last.subscore, a: last.achievedAt, p: last.playerId })
        : null,
    };
  }
}

@QueryHandler(GetPlayerRank)
export class GetPlayerRankHandler extends BoardQueryHandler implements IQueryHandler<GetPlayerRank> {
  async execute({
    leaderboardId,
    playerId,
    period: requested,
    around,
  }: GetPlayerRank): Promise<PlayerRankResponse> {
    const { period } = await this.board(leaderboardId, requested);
    const ranking = this.ranking(leaderboardId, period);
    const id = leaderboardEntryId(leaderboardId, period, playerId);
    const [rank, entry] = await Promise.all([
      this.readStore.rankOf(ranking, id),
      this.readStore.find<LeaderboardEntryView>('leaderboardEntries', id),
    ]);
    if (rank === undefined || !entry) {
      throw new Problem(
        404,
        'not-ranked',
        'player not ranked',
        `${playerId} has no entry on ${leaderboardId} in ${period}`,
      );
    }
    const from = Math.max(0, rank - around);
    const window =
      around === 0
        ? []
        : await this.readStore.slice<LeaderboardEntryView>(ranking, from, rank - from + around + 1);
    const neighbors = window
      .map((neighbor, i) => ranked(neighbor, from + i + 1))
      .filter((neighbor) => neighbor.playerId !== playerId);
    return { leaderboardId, period, rank: rank + 1, entry: ranked(entry, rank + 1), neighbors };
  }
}
