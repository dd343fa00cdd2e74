import type { EventStore } from '@app/event-store';
import { healthIndicator } from '@app/runtime';
import { Controller, Get, Inject } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { Type } from '@sinclair/typebox';
import { Route } from '../http/route';
import { ReadModelProgress } from '../persistence/readModelProgress';
import { EVENT_STORE } from '../persistence/tokens';

const Indicators = Type.Record(
  Type.String(),
  Type.Object({ status: Type.String() }, { additionalProperties: true }),
);

const HealthResponse = Type.Object(
  { status: Type.String(), info: Indicators, error: Indicators, details: Indicators },
  { additionalProperties: false },
);

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
  @HealthCheck()
  @Route({
    summary: 'Up when the event store answers; how far the read models trail the log',
    tag: 'system',
    response: HealthResponse,
    problems: { 503: ['service-unavailable'] },
  })
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
