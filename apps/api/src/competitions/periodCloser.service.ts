import { PeriodCloser, StreamCommandHandler, TournamentSeats } from '@app/application';
import type { EventStore } from '@app/event-store';
import { APP_CONFIG, type AppConfig, instanceId } from '@app/runtime';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { EVENT_STORE } from '../persistence/tokens';

/**
 * Runs the period closer in the api. It needs what the api has (the event store, the command pipeline
 * and its stream cache), and a lease in the event store keeps one instance active across a deployment,
 * so no other process has to be deployed and kept alive for competitions to end and pay.
 */
@Injectable()
export class PeriodCloserService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly closer?: PeriodCloser;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(EVENT_STORE) events: EventStore,
    streams: StreamCommandHandler,
    seats: TournamentSeats,
  ) {
    if (!config.PERIOD_CLOSER) return;
    this.closer = new PeriodCloser({
      events,
      streams,
      seats,
      instanceId: instanceId('period-closer'),
      logger: new Logger(PeriodCloser.name),
      leaseTtlMs: config.PERIOD_CLOSER_LEASE_TTL_MS,
    });
  }

  onApplicationBootstrap(): void {
    this.closer?.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.closer?.stop();
  }
}
