import { InvalidRequestError, NotFoundError, idCursor, rankCursor } from '@app/application';
import { leaderboards } from '@app/domain';
import {
  type LeaderboardEntryView,
  type LeaderboardView,
  boardRanking,
  leaderboardEntryId,
  leaderboardEntryView,
  leaderboardView,
  leaderboardsById,
  rankKey,
} from '@app/projections';
import type { ReadStore } from '@app/read-store';
import { Inject } from '@nestjs/common';
import { type IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { READ_STORE } from '../persistence/tokens';
import type {
  EntriesResponse,
  LeaderboardResponse,
  LeaderboardsPageResponse,
  PlayerRankResponse,
  RankedEntry,
} from './dto';

export class GetLeaderboard extends Query<LeaderboardResponse> {
  constructor(readonly leaderboardId: string) {
    super();
  }
}

export class ListLeaderboards extends Query<LeaderboardsPageResponse> {
  constructor(
    readonly cursor: string | undefined,
    readonly limit: number,
  ) {
    super();
  }
}

export class GetEntries extends Query<EntriesResponse> {
  constructor(
    readonly leaderboardId: string,
    readonly period: string | undefined,
    readonly cursor: string | undefined,
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
    const board = await this.readStore.find(leaderboardView.collection, leaderboardId);
    if (!board) throw new NotFoundError('unknown-leaderboard', `no leaderboard ${leaderboardId}`);
    if (period !== undefined && !leaderboards.isPeriodOf(board.resetSchedule, period)) {
      throw InvalidRequestError.of('period', `is not a ${board.resetSchedule} period of this board`);
    }
    return { board, period: period ?? leaderboards.periodOf(board.resetSchedule, new Date()) };
  }
}

const ranked = (entry: LeaderboardEntryView, rank: number): RankedEntry => ({
  rank,
  playerId: entry.playerId,
  score: entry.score,
  subscore: entry.subscore,
  achievedAt: entry.achievedAt,
  ...(entry.metadata ? { metadata: entry.metadata } : {}),
});

/** A board's definition as the api answers it, with the period running now. */
const definitionOf = ({ _id: _, ...definition }: LeaderboardView, period: string): LeaderboardResponse => ({
  ...definition,
  currentPeriod: period,
});

@QueryHandler(GetLeaderboard)
export class GetLeaderboardHandler extends BoardQueryHandler implements IQueryHandler<GetLeaderboard> {
  async execute({ leaderboardId }: GetLeaderboard): Promise<LeaderboardResponse> {
    const { board, period } = await this.board(leaderboardId);
    return definitionOf(board, period);
  }
}

@QueryHandler(ListLeaderboards)
export class ListLeaderboardsHandler implements IQueryHandler<ListLeaderboards> {
  constructor(@Inject(READ_STORE) private readonly readStore: ReadStore) {}

  async execute({ cursor, limit }: ListLeaderboards): Promise<LeaderboardsPageResponse> {
    const after = idCursor.decode(cursor);
    const page = await this.readStore.page(leaderboardsById, after && { leaderboardId: after.s }, limit + 1);
    const now = new Date();
    const boards = page
      .slice(0, limit)
      .map((board) => definitionOf(board, leaderboards.periodOf(board.resetSchedule, now)));
    return {
      leaderboards: boards,
      nextCursor:
        page.length > limit ? idCursor.encode({ s: boards[boards.length - 1].leaderboardId }) : null,
    };
  }
}

@QueryHandler(GetEntries)
export class GetEntriesHandler extends BoardQueryHandler implements IQueryHandler<GetEntries> {
  async execute({ leaderboardId, period: requested, cursor, limit }: GetEntries): Promise<EntriesResponse> {
    const after = rankCursor.decode(cursor);
    const { board, period } = await this.board(leaderboardId, requested);
    const ranking = boardRanking(leaderboardId, period);
    const key = after && {
      ...rankKey(board.sortOrder, { score: after.s, subscore: after.u }),
      achievedAt: after.a,
      playerId: after.p,
    };
    const page = await this.readStore.page(ranking, key, limit + 1);
    const first = page.length > 0 ? ((await this.readStore.rankOf(ranking, page[0]._id)) ?? 0) : 0;
    const entries = page.slice(0, limit).map((entry, i) => ranked(entry, first + i + 1));
    const last = page.length > limit ? page[limit - 1] : undefined;
    return {
      leaderboardId,
      period,
      entries,
      nextCursor: last
        ? rankCursor.encode({ s: last.score, u: last.subscore, a: last.achievedAt, p: last.playerId })
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
    const ranking = boardRanking(leaderboardId, period);
    const id = leaderboardEntryId(leaderboardId, period, playerId);
    const [rank, entry] = await Promise.all([
      this.readStore.rankOf(ranking, id),
      this.readStore.find(leaderboardEntryView.collection, id),
    ]);
    if (rank === undefined || !entry) {
      throw new NotFoundError('not-ranked', `${playerId} has no entry on ${leaderboardId} in ${period}`);
    }
    const from = Math.max(0, rank - around);
    const window = around === 0 ? [] : await this.readStore.slice(ranking, from, rank - from + around + 1);
    const neighbors = window
      .map((neighbor, i) => ranked(neighbor, from + i + 1))
      .filter((neighbor) => neighbor.playerId !== playerId);
    return { leaderboardId, period, rank: rank + 1, entry: ranked(entry, rank + 1), neighbors };
  }
}
