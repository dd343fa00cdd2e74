import { type CommandContext, InvalidRequestError } from '@app/application';
import { Body, Controller, Get, Param, Post, Put, Query, Res, UseGuards } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { RequiresScope } from '../http/auth/scopes';
import { IdempotentCommand } from '../http/commandContext';
import { CommandResponse, respond } from '../http/commandResponse';
import { ReadAfterWriteGuard } from '../http/readAfterWrite.guard';
import { IdPipe, ReadQuery, pageLimit } from '../http/validation';
import {
  AroundQuery,
  EntriesQuery,
  EntriesResponse,
  LeaderboardBody,
  LeaderboardResponse,
  PlayerRankResponse,
  ScoreBody,
} from './dto';
import { DefineLeaderboard, SubmitScore } from './commands';
import { GetEntries, GetLeaderboard, GetPlayerRank } from './queries';

@ApiTags('leaderboards')
@ApiBearerAuth()
@Controller('v1/leaderboards/:leaderboardId')
export class LeaderboardsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Put()
  @RequiresScope('admin')
  @ApiHeader({ name: 'Idempotency-Key', required: true })
  @ApiOperation({ summary: 'Define a leaderboard, or change its reset schedule and bounds' })
  @ApiResponse({ status: 201, type: CommandResponse })
  define(
    @Param('leaderboardId', IdPipe) leaderboardId: string,
    @Body() body: LeaderboardBody,
    @IdempotentCommand() context: CommandContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return respond(reply, this.commands.execute(new DefineLeaderboard({ leaderboardId, ...body }, context)));
  }

  @Post('scores')
  @RequiresScope('scores')
  @ApiHeader({ name: 'Idempotency-Key', required: true })
  @ApiOperation({ summary: "Submit a player's score; the board's operator decides the entry" })
  @ApiResponse({ status: 201, type: CommandResponse })
  submit(
    @Param('leaderboardId', IdPipe) leaderboardId: string,
    @Body() body: ScoreBody,
    @IdempotentCommand() context: CommandContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return respond(reply, this.commands.execute(new SubmitScore({ leaderboardId, ...body }, context)));
  }

  @Get()
  @RequiresScope('read')
  @UseGuards(ReadAfterWriteGuard)
  @ApiResponse({ status: 200, type: LeaderboardResponse })
  get(@Param('leaderboardId', IdPipe) leaderboardId: string, @Query() _query: ReadQuery) {
    return this.queries.execute(new GetLeaderboard(leaderboardId));
  }

  @Get('entries')
  @RequiresScope('read')
  @UseGuards(ReadAfterWriteGuard)
  @ApiOperation({ summary: 'Top entries in rank order, keyset-paginated' })
  @ApiResponse({ status: 200, type: EntriesResponse })
  entries(@Param('leaderboardId', IdPipe) leaderboardId: string, @Query() query: EntriesQuery) {
    return this.queries.execute(new GetEntries(leaderboardId, query.period, query.cursor, pageLimit(query)));
  }

  @Get('players/:playerId')
  @RequiresScope('read')
  @UseGuards(ReadAfterWriteGuard)
  @ApiOperation({ summary: "A player's rank, entry and the players around them" })
  @ApiResponse({ status: 200, type: PlayerRankResponse })
  player(
    @Param('leaderboardId', IdPipe) leaderboardId: string,
    @Param('playerId', IdPipe) playerId: string,
    @Query() query: AroundQuery,
  ) {
    const around = query.around === undefined ? 0 : Number(query.around);
    if (around > 50) throw InvalidRequestError.of('around', 'around must be an integer from 0 to 50');
    return this.queries.execute(new GetPlayerRank(leaderboardId, playerId, query.period, around));
  }
}
