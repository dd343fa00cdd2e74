import { APP_CONFIG, type AppConfig, healthIndicator, workerImports } from '@app/runtime';
import { Controller, type DynamicModule, Get, Module } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { makeCounterProvider, makeGaugeProvider, makeHistogramProvider } from '@willsoto/nestjs-prometheus';
import { RELAY_METRICS, RelayService } from './relay.service';

@Controller('health')
class RelayHealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly relay: RelayService,
  ) {}

  /** Up when the event store answers: a standby relay is healthy too. */
  @Get()
  @HealthCheck()
  check() {
    return this.health.check([
      healthIndicator(this.indicators, 'eventStore', async () => ({
        head: await this.relay.events.headPosition(),
      })),
    ]);
  }
}

@Module({})
export class RelayModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: RelayModule,
      imports: workerImports(config),
      controllers: [RelayHealthController],
      providers: [
        { provide: APP_CONFIG, useValue: config },
        makeCounterProvider({ name: RELAY_METRICS.published, help: 'Events published to Kafka' }),
        makeGaugeProvider({
          name: RELAY_METRICS.checkpoint,
          help: 'Global position of the last published event',
        }),
        makeGaugeProvider({
          name: RELAY_METRICS.active,
          help: '1 while this instance holds the relay lease',
        }),
        makeHistogramProvider({
          name: RELAY_METRICS.publishSeconds,
          help: 'Time a batch of events took to be acknowledged by the broker',
          buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
        }),
        makeCounterProvider({
          name: RELAY_METRICS.errors,
          help: 'Times the relay was interrupted (publish failed, lease lost, store unreachable) and resumed',
        }),
        RelayService,
      ],
    };
  }
}
