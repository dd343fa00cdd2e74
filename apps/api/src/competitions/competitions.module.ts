import { PeriodTimers, StreamCommandHandler, TournamentSeats } from '@app/application';
import type { EventStore } from '@app/event-store';
import { Global, Module } from '@nestjs/common';
import { EVENT_STORE } from '../persistence/tokens';
import { ExcludePlayerHandler, JoinTournamentHandler } from './commands';
import { PeriodCloserService } from './periodCloser.service';
import { PeriodsController } from './periods.controller';
import { GetPeriodHandler } from './queries';
import { TournamentsController } from './tournaments.controller';

/**
 * Competitions on a clock: tournaments and their seats, periods' durable timers, their close and
 * payouts (the period closer), exclusions and adjudications. Scores reach boards through leaderboards.
 */
@Global()
@Module({
  controllers: [TournamentsController, PeriodsController],
  providers: [
    {
      provide: TournamentSeats,
      inject: [StreamCommandHandler],
      useFactory: (streams: StreamCommandHandler) => new TournamentSeats(streams),
    },
    {
      provide: PeriodTimers,
      inject: [StreamCommandHandler, EVENT_STORE],
      useFactory: (streams: StreamCommandHandler, events: EventStore) => new PeriodTimers(streams, events),
    },
    PeriodCloserService,
    JoinTournamentHandler,
    ExcludePlayerHandler,
    GetPeriodHandler,
  ],
  exports: [TournamentSeats, PeriodTimers],
})
export class CompetitionsModule {}
