import type { EventStore } from '@app/event-store';
import { Inject, Module, type OnModuleInit } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { ReadModelProgress } from '../persistence/readModelProgress';
import { EVENT_STORE } from '../persistence/tokens';
import { ApiMetrics } from './apiMetrics';
import { HealthController } from './health.controller';
import { MetricsController } from './metrics.controller';
import { GetSystemStatusHandler } from './queries';
import { SystemController } from './system.controller';

/**
 * The api's own state: health for orchestrators, Prometheus metrics for dashboards, the status the
 * console's system page shows, and the key a client signs in with.
 */
@Module({
  imports: [TerminusModule.forRoot({ logger: false })],
  controllers: [HealthController, MetricsController, SystemController],
  providers: [GetSystemStatusHandler],
})
export class SystemModule implements OnModuleInit {
  constructor(
    private readonly metrics: ApiMetrics,
    @Inject(EVENT_STORE) private readonly events: EventStore,
    private readonly progress: ReadModelProgress,
  ) {}

  onModuleInit(): void {
    this.metrics.watchLog(
      () => this.events.headPosition(),
      () => this.progress.position,
    );
  }
}
