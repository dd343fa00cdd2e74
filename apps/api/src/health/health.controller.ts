import type { EventStore } from '@app/event-store';
import { Controller, Get, Inject } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { healthIndicator } from '@app/runtime';
import { Public } from '../http/auth/scopes';
import { ReadModelProgress } from '../persistence/readModelProgress';
import { EVENT_STORE } from '../persistence/tokens';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly projections: ReadModelProgress,
    @Inject(EVENT_STORE) private readonly events: EventStore,
  ) {}

  /** Up when the event store answers; reports how far the read models trail the log. */
  @Get()
  @Public()
  @HealthCheck()
  check() {
    return this.health.check([
      healthIndicator(this.indicators, 'eventStore', async () => {
        const head = await this.events.headPosition();
        const readModelPosition = this.projections.position;
        return { head, readModelPosition, lag: head - readModelPosition };
      }),
    ]);
  }
}
