import type { EventStore } from '@app/event-store';
import type { ReadStore } from '@app/read-store';
import {
  type DynamicModule,
  Global,
  Inject,
  Logger,
  Module,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { type AppConfig, openEventStore, openReadStore } from '@app/runtime';
import { AggregateStore } from './aggregateStore';
import { ProjectionService } from './projection.service';
import { ProjectorCheckpoints } from './projectorCheckpoints';
import { ReadModelProgress } from './readModelProgress';
import { EVENT_STORE, READ_STORE } from './tokens';

/**
 * Chooses the adapters: a component is real when its URL is configured, embedded otherwise. With Kafka,
 * projector processes feed the read models and the API only watches their checkpoints.
 */
@Global()
@Module({})
export class PersistenceModule implements OnApplicationShutdown {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: PersistenceModule,
      providers: [
        { provide: EVENT_STORE, useFactory: () => openEventStore(config, new Logger('EventStore')) },
        { provide: READ_STORE, useFactory: () => openReadStore(config, new Logger('ReadStore')) },
        AggregateStore,
        {
          provide: ReadModelProgress,
          useClass: config.KAFKA_BROKERS ? ProjectorCheckpoints : ProjectionService,
        },
      ],
      exports: [EVENT_STORE, READ_STORE, AggregateStore, ReadModelProgress],
    };
  }

  constructor(
    @Inject(EVENT_STORE) private readonly events: EventStore,
    @Inject(READ_STORE) private readonly readStore: ReadStore,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await this.events.close();
    await this.readStore.close();
  }
}
