import { APP_CONFIG, type AppConfig, healthIndicator, workerImports } from '@app/runtime';
import { Controller, type DynamicModule, Get, Module } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { makeCounterProvider, makeGaugeProvider } from '@willsoto/nestjs-prometheus';
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
        RelayService,
      ],
    };
  }
}
