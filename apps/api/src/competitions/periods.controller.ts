import { type CommandContext } from '@app/application';
import { Body, Controller, Get, Param, Post, Res, UseGuards } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import type { FastifyReply } from 'fastify';
import { IdempotentCommand } from '../http/commandContext';
import { respond } from '../http/commandResponse';
import { ReadAfterWriteGuard } from '../http/readAfterWrite.guard';
import { Route } from '../http/route';
import { ExcludePlayer } from './commands';
import { ExclusionBody, PeriodParams, PeriodQuery, PeriodResponse } from './dto';
import { GetPeriod } from './queries';

/** A board's periods once they have a score: their close, payouts and adjudications. */
@Controller('v1/leaderboards/:leaderboardId/periods/:period')
export class PeriodsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Get()
  @UseGuards(ReadAfterWriteGuard)
  @Route({
    summary: "A period's close: its cut, standings hash, best entries, adjudications and payouts",
    tag: 'leaderboards',
    scope: 'read',
    params: PeriodParams,
    querystring: PeriodQuery,
    response: PeriodResponse,
    problems: { 404: ['unknown-period'] },
  })
  get(@Param('leaderboardId') leaderboardId: string, @Param('period') period: string) {
    return this.queries.execute(new GetPeriod(leaderboardId, period));
  }

  @Post('exclusions')
  @Route({
    summary: 'Exclude a player from a closed period: it is adjudicated again and rewards settled',
    description:
      'Those who move up receive the difference between their new and old rewards, once; the excluded ' +
      "player's rewards are taken back without any balance going below zero (what was already spent is " +
      'recorded as a shortfall). Both standings stay queryable.',
    tag: 'leaderboards',
    scope: 'admin',
    command: true,
    params: PeriodParams,
    body: ExclusionBody,
    problems: { 404: ['unknown-period', 'not-ranked'], 409: ['period-not-closed'] },
  })
  exclude(
    @Param('leaderboardId') leaderboardId: string,
    @Param('period') period: string,
    @Body() body: ExclusionBody,
    @IdempotentCommand() context: CommandContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return respond(reply, this.commands.execute(new ExcludePlayer(leaderboardId, period, body, context)));
  }
}
