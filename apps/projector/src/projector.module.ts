import { APP_CONFIG, type AppConfig, healthIndicator, workerImports } from '@app/runtime';
import { Controller, type DynamicModule, Get, Module } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { makeCounterProvider, makeHistogramProvider } from '@willsoto/nestjs-prometheus';
import { PROJECTOR_METRICS, ProjectorService } from './projector.service';

@Controller('health')
class ProjectorHealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly projector: ProjectorService,
  ) {}

  /** Up when the read store answers; lists the partitions this instance owns and their checkpoints. */
  @Get()
  @HealthCheck()
  check() {
    return this.health.check([
      healthIndicator(this.indicators, 'readStore', async () => ({
        partitions: this.projector.assignment(),
        checkpoints: Object.fromEntries(await this.projector.readStore!.checkpoints()),
      })),
    ]);
  }
}

@Module({})
export class ProjectorModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: ProjectorModule,
      imports: workerImports(config),
      controllers: [ProjectorHealthController],
      providers: [
        { provide: APP_CONFIG, useValue: config },
        makeCounterProvider({ name: PROJECTOR_METRICS.applied, help: 'Events applied to the read models' }),
        makeCounterProvider({
          name: PROJECTOR_METRICS.deadLetters,
          help: 'Messages sent to the dead-letter topic, by reason',
          labelNames: ['reason'],
        }),
        makeHistogramProvider({
          name: PROJECTOR_METRICS.batchSeconds,
          help: 'Time a batch of one partition took to apply: read models and checkpoint written',
          buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
        }),
        makeCounterProvider({
          name: PROJECTOR_METRICS.failures,
          help: 'Batches that failed to apply and are delivered again',
        }),
        ProjectorService,
      ],
    };
  }
}
