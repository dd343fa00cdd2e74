import { type CommandContext } from '@app/application';
import type { leaderboards } from '@app/domain';
import { Body, Controller, Get, Param, Post, Put, Query, Res, UseGuards } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import type { FastifyReply } from 'fastify';
import { IdempotentCommand } from '../http/commandContext';
import { respond } from '../http/commandResponse';
import { ReadAfterWriteGuard } from '../http/readAfterWrite.guard';
import { Route } from '../http/route';
import { DefineLeaderboard, SubmitScore } from './commands';
import {
  AroundQuery,
  BoardParams,
  BoardQuery,
  BoardsPageQuery,
  EntriesQuery,
  EntriesResponse,
  LeaderboardBody,
  LeaderboardResponse,
  LeaderboardsPageResponse,
  PlayerRankParams,
  PlayerRankResponse,
  ScoreBody,
} from './dto';
import { GetEntries, GetLeaderboard, GetPlayerRank, ListLeaderboards } from './queries';

@Controller('v1/leaderboards')
export class LeaderboardsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Put(':leaderboardId')
  @Route({
    summary: 'Define a leaderboard, or change its schedule, bounds and rewards',
    description:
      'minScore may not exceed maxScore (a 400 naming minScore). Reward tiers may not overlap and name only ' +
      'defined currencies and catalog items (a 400 naming the tier). A board whose period never ends pays ' +
      'no rewards. Tournaments (join rules, entry fee) are defined with PUT /v1/tournaments/{id}.',
    tag: 'leaderboards',
    scope: 'admin',
    command: true,
    params: BoardParams,
    body: LeaderboardBody,
    problems: { 409: ['leaderboard-definition-conflict'] },
  })
  define(
    @Param('leaderboardId') leaderboardId: string,
    @Body() body: LeaderboardBody,
    @IdempotentCommand() context: CommandContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const { tournament: _tournament, entryFee: _entryFee, ...definition } = body;
    return respond(
      reply,
      this.commands.execute(
        new DefineLeaderboard(
          {
            leaderboardId,
            ...definition,
            resetSchedule: definition.resetSchedule as leaderboards.ResetSchedule,
          },
          context,
        ),
      ),
    );
  }

  @Post(':leaderboardId/scores')
  @Route({
    summary: "Submit a player's score; the board's operator decides the entry",
    tag: 'leaderboards',
    scope: 'scores',
    command: true,
    params: BoardParams,
    body: ScoreBody,
    problems: { 404: ['unknown-leaderboard'], 409: ['score-out-of-range', 'period-closed', 'not-joined'] },
  })
  submit(
    @Param('leaderboardId') leaderboardId: string,
    @Body() body: ScoreBody,
    @IdempotentCommand() context: CommandContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return respond(reply, this.commands.execute(new SubmitScore({ leaderboardId, ...body }, context)));
  }

  @Get()
  @UseGuards(ReadAfterWriteGuard)
  @Route({
    summary: 'Every board: its definition and current period, by id, keyset-paginated',
    tag: 'leaderboards',
    scope: 'read',
    querystring: BoardsPageQuery,
    response: LeaderboardsPageResponse,
  })
  list(@Query() query: BoardsPageQuery) {
    return this.queries.execute(new ListLeaderboards(query.cursor, query.limit ?? 50));
  }

  @Get(':leaderboardId')
  @UseGuards(ReadAfterWriteGuard)
  @Route({
    summary: 'A board: its definition and current period',
    tag: 'leaderboards',
    scope: 'read',
    params: BoardParams,
    querystring: BoardQuery,
    response: LeaderboardResponse,
    problems: { 404: ['unknown-leaderboard'] },
  })
  get(@Param('leaderboardId') leaderboardId: string) {
    return this.queries.execute(new GetLeaderboard(leaderboardId));
  }

  @Get(':leaderboardId/entries')
  @UseGuards(ReadAfterWriteGuard)
  @Route({
    summary: 'Top entries in rank order, keyset-paginated',
    tag: 'leaderboards',
    scope: 'read',
    params: BoardParams,
    querystring: EntriesQuery,
    response: EntriesResponse,
    problems: { 404: ['unknown-leaderboard'] },
  })
  entries(@Param('leaderboardId') leaderboardId: string, @Query() query: EntriesQuery) {
    return this.queries.execute(new GetEntries(leaderboardId, query.period, query.cursor, query.limit ?? 50));
  }

  @Get(':leaderboardId/players/:playerId')
  @UseGuards(ReadAfterWriteGuard)
  @Route({
    summary: "A player's rank, entry and the players around them",
    tag: 'leaderboards',
    scope: 'read',
    params: PlayerRankParams,
    querystring: AroundQuery,
    response: PlayerRankResponse,
    problems: { 404: ['unknown-leaderboard', 'not-ranked'] },
  })
  player(
    @Param('leaderboardId') leaderboardId: string,
    @Param('playerId') playerId: string,
    @Query() query: AroundQuery,
  ) {
    return this.queries.execute(new GetPlayerRank(leaderboardId, playerId, query.period, query.around ?? 0));
  }
}
