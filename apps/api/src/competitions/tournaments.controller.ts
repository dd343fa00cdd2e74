import { type CommandContext } from '@app/application';
import { Body, Controller, Get, Param, Post, Put, Res, UseGuards } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import type { FastifyReply } from 'fastify';
import { IdempotentCommand } from '../http/commandContext';
import { respond } from '../http/commandResponse';
import { ReadAfterWriteGuard } from '../http/readAfterWrite.guard';
import { Route } from '../http/route';
import { DefineLeaderboard } from '../leaderboards/commands';
import { BoardQuery, JoinBody, LeaderboardResponse, TournamentBody } from '../leaderboards/dto';
import { GetLeaderboard } from '../leaderboards/queries';
import { JoinTournament } from './commands';
import { TournamentParams } from './dto';

/** Tournaments: boards with one window that players join, for a fee, before their scores count. */
@Controller('v1/tournaments/:leaderboardId')
export class TournamentsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Put()
  @Route({
    summary: 'Define a tournament: its board, window, join rules, entry fee and rewards',
    description:
      'The window must end after it starts, joining must close by its end, reward tiers may not overlap, ' +
      'and the fee and rewards name defined currencies and catalog items only (a 400 naming the field). ' +
      'Its rules are fixed once a player has joined; an existing leaderboard cannot become a tournament.',
    tag: 'tournaments',
    scope: 'admin',
    command: true,
    params: TournamentParams,
    body: TournamentBody,
    problems: { 409: ['leaderboard-definition-conflict'] },
  })
  define(
    @Param('leaderboardId') leaderboardId: string,
    @Body() body: TournamentBody,
    @IdempotentCommand() context: CommandContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return respond(reply, this.commands.execute(new DefineLeaderboard({ leaderboardId, ...body }, context)));
  }

  @Post('entries')
  @Route({
    summary: 'Join a tournament: pays the entry fee and records the entry on the player, or changes nothing',
    description:
      "The fee is paid and the entry recorded in one event on the player's economy stream; a seat is " +
      'held for it on the tournament. Refused when joining is not open, the tournament is full, the ' +
      'player has joined, or cannot pay the fee.',
    tag: 'tournaments',
    scope: 'economy',
    command: true,
    params: TournamentParams,
    body: JoinBody,
    problems: {
      404: ['unknown-leaderboard'],
      409: [
        'not-a-tournament',
        'tournament-join-closed',
        'tournament-full',
        'already-joined',
        'insufficient-funds',
        'insufficient-items',
        'tournament-entry-lapsed',
      ],
    },
  })
  join(
    @Param('leaderboardId') leaderboardId: string,
    @Body() body: JoinBody,
    @IdempotentCommand() context: CommandContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return respond(reply, this.commands.execute(new JoinTournament(leaderboardId, body.playerId, context)));
  }

  @Get()
  @UseGuards(ReadAfterWriteGuard)
  @Route({
    summary: 'A tournament: its definition, window, seats and current period',
    tag: 'tournaments',
    scope: 'read',
    params: TournamentParams,
    querystring: BoardQuery,
    response: LeaderboardResponse,
    problems: { 404: ['unknown-leaderboard'] },
  })
  get(@Param('leaderboardId') leaderboardId: string) {
    return this.queries.execute(new GetLeaderboard(leaderboardId));
  }
}
