import { InvalidRequestError, NotFoundError, idCursor, rankCursor } from '@app/application';
import { leaderboards } from '@app/domain';
import {
  type LeaderboardEntryView,
  type LeaderboardView,
  boardRanking,
  leaderboardEntryId,
  leaderboardEntryView,
  leaderboardPeriodId,
  leaderboardPeriodView,
  leaderboardView,
  leaderboardsById,
  rankKey,
} from '@app/projections';
import type { IndexQuery, ReadStore } from '@app/read-store';
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

/** A board's period as a query sees it: which one, and the players an adjudication took out of it. */
type PeriodInView = { board: LeaderboardView; period: string; excluded: string[] };

/** Loads a board and settles which period a query is about. */
abstract class BoardQueryHandler {
  constructor(@Inject(READ_STORE) protected readonly readStore: ReadStore) {}

  protected async board(leaderboardId: string, period?: string): Promise<PeriodInView> {
    const board = await this.readStore.find(leaderboardView.collection, leaderboardId);
    if (!board) throw new NotFoundError('unknown-leaderboard', `no leaderboard ${leaderboardId}`);
    const schedule = board.resetSchedule;
    if (period !== undefined && !leaderboards.isPeriodOf(schedule, period)) {
      throw InvalidRequestError.of(
        'period',
        `is not a period of this board (${leaderboards.describeSchedule(schedule)})`,
      );
    }
    // Outside a window, its one period is still the one asked about.
    const chosen =
      period ??
      leaderboards.periodOf(schedule, new Date()) ??
      (typeof schedule === 'object' && schedule.type === 'window' ? schedule.start : 'all');
    const closed = leaderboards.periodsEnd(schedule)
      ? await this.readStore.find(
          leaderboardPeriodView.collection,
          leaderboardPeriodId(leaderboardId, chosen),
        )
      : undefined;
    const latest = closed?.adjudications[closed.adjudications.length - 1];
    return { board, period: chosen, excluded: latest?.excluded ?? [] };
  }

  /** The 0-based ranks of the excluded players in the period's order, ascending. */
  protected async excludedRanks(ranking: IndexQuery<LeaderboardEntryView>, excluded: readonly string[]) {
    const { leaderboardId, period } = ranking.group as { leaderboardId: string; period: string };
    const ranks = await Promise.all(
      excluded.map((playerId) =>
        this.readStore.rankOf(ranking, leaderboardEntryId(leaderboardId, period, playerId)),
      ),
    );
    return ranks.filter((rank): rank is number => rank !== undefined).sort((a, b) => a - b);
  }
}

/** A rank once the excluded players ranked above it are taken out. */
const adjusted = (rank: number, excludedRanks: readonly number[]) =>
  rank - excludedRanks.filter((excluded) => excluded < rank).length;

const ranked = (entry: LeaderboardEntryView, rank: number): RankedEntry => ({
  rank,
  playerId: entry.playerId,
  score: entry.score,
  subscore: entry.subscore,
  achievedAt: entry.achievedAt,
  ...(entry.metadata ? { metadata: entry.metadata } : {}),
});

/** A board's definition as the api answers it, with its period running at `now` and the next one's start. */
const definitionOf = ({ _id: _, ...definition }: LeaderboardView, now: Date): LeaderboardResponse => {
  const bounds = leaderboards.boundsAt(definition.resetSchedule, now);
  const next = leaderboards.nextPeriodStart(definition.resetSchedule, now);
  return {
    ...definition,
    currentPeriod: leaderboards.periodOf(definition.resetSchedule, now) ?? null,
    currentPeriodStartsAt: bounds?.start.toISOString() ?? null,
    currentPeriodEndsAt: bounds?.end.toISOString() ?? null,
    nextPeriodStartsAt: next?.toISOString() ?? null,
  } as LeaderboardResponse;
};

@QueryHandler(GetLeaderboard)
export class GetLeaderboardHandler extends BoardQueryHandler implements IQueryHandler<GetLeaderboard> {
  async execute({ leaderboardId }: GetLeaderboard): Promise<LeaderboardResponse> {
    const { board } = await this.board(leaderboardId);
    return definitionOf(board, new Date());
  }
}

@QueryHandler(ListLeaderboards)
export class ListLeaderboardsHandler implements IQueryHandler<ListLeaderboards> {
  constructor(@Inject(READ_STORE) private readonly readStore: ReadStore) {}

  async execute({ cursor, limit }: ListLeaderboards): Promise<LeaderboardsPageResponse> {
    const after = idCursor.decode(cursor);
    const page = await this.readStore.page(leaderboardsById, after && { leaderboardId: after.s }, limit + 1);
    const now = new Date();
    const boards = page.slice(0, limit).map((board) => definitionOf(board, now));
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
    const { board, period, excluded } = await this.board(leaderboardId, requested);
    const ranking = boardRanking(leaderboardId, period);
    const key = after && {
      ...rankKey(board.sortOrder, { score: after.s, subscore: after.u }),
      achievedAt: after.a,
      playerId: after.p,
    };
    const out = new Set(excluded);
    const fetched = await this.readStore.page(ranking, key, limit + 1 + out.size);
    const page = fetched.filter((entry) => !out.has(entry.playerId)).slice(0, limit + 1);
    const excludedRanks = out.size > 0 ? await this.excludedRanks(ranking, excluded) : [];
    const first = page.length > 0 ? ((await this.readStore.rankOf(ranking, page[0]._id)) ?? 0) : 0;
    const firstRank = adjusted(first, excludedRanks);
    const entries = page.slice(0, limit).map((entry, i) => ranked(entry, firstRank + i + 1));
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
    const { period, excluded } = await this.board(leaderboardId, requested);
    const ranking = boardRanking(leaderboardId, period);
    const id = leaderboardEntryId(leaderboardId, period, playerId);
    const out = new Set(excluded);
    const [stored, entry] = await Promise.all([
      this.readStore.rankOf(ranking, id),
      this.readStore.find(leaderboardEntryView.collection, id),
    ]);
    if (stored === undefined || !entry || out.has(playerId)) {
      throw new NotFoundError('not-ranked', `${playerId} has no entry on ${leaderboardId} in ${period}`);
    }
    const excludedRanks = out.size > 0 ? await this.excludedRanks(ranking, excluded) : [];
    const rank = adjusted(stored, excludedRanks);
    // Neighbours in the stored order, widened by the excluded players it may hold, then taken out.
    const from = Math.max(0, stored - around - out.size);
    const window =
      around === 0 ? [] : await this.readStore.slice(ranking, from, stored - from + around + out.size + 1);
    const kept = window.filter((neighbor) => !out.has(neighbor.playerId));
    const at = kept.findIndex((neighbor) => neighbor.playerId === playerId);
    const neighbors = kept
      .map((neighbor, i) => ranked(neighbor, rank + 1 + (i - at)))
      .filter((neighbor, i) => i !== at && Math.abs(i - at) <= around);
    return { leaderboardId, period, rank: rank + 1, entry: ranked(entry, rank + 1), neighbors };
  }
}
