import type { EventStore } from '@app/event-store';
import { CachedReadStore, EMBEDDED_CHECKPOINT, type ReadStore } from '@app/read-store';
import {
  type DynamicModule,
  Global,
  Inject,
  Logger,
  Module,
  type OnApplicationShutdown,
  type Provider,
} from '@nestjs/common';
import { type AppConfig, TAIL_POLL_MS, openEventStore, openReadStore } from '@app/runtime';
import { AggregateStore } from './aggregateStore';
import { ProjectionService } from './projection.service';
import { ProjectorCheckpoints, partitionCheckpoints, storedPosition } from './projectorCheckpoints';
import { RANK_CACHED_COLLECTIONS, RankCache } from './rankCache';
import { ReadModelProgress, SlowestReadModels } from './readModelProgress';
import { EVENT_STORE, READ_STORE } from './tokens';

/** The read models as stored (MongoDB or memory), before the rank cache takes over leaderboard reads. */
const STORED_READ_MODELS = Symbol('STORED_READ_MODELS');

/**
 * Chooses the adapters: a component is real when its URL is configured, embedded otherwise.
 * - Memory read models: the API applies the log itself and answers every query from memory.
 * - MongoDB read models: ranks come from the rank cache, the rest from MongoDB. With Kafka, projector
 *   processes feed MongoDB and the API watches their checkpoints; without, the API feeds it.
 */
@Global()
@Module({})
export class PersistenceModule implements OnApplicationShutdown {
  static forRoot(config: AppConfig): DynamicModule {
    const projector = config.KAFKA_BROKERS ? ProjectorCheckpoints : ProjectionService;
    const stored: Provider[] = [
      {
        provide: EVENT_STORE,
        // Beside other API instances the rank cache must see their appends soon, not after 250 ms.
        useFactory: () =>
          openEventStore(
            config,
            new Logger('EventStore'),
            config.KAFKA_BROKERS ? { pollIntervalMs: TAIL_POLL_MS } : {},
          ),
      },
      { provide: STORED_READ_MODELS, useFactory: () => openReadStore(config, new Logger('ReadStore')) },
      AggregateStore,
      projector,
    ];
    const readModels: Provider[] = config.MONGO_URL
      ? [
          {
            provide: RankCache,
            inject: [EVENT_STORE, STORED_READ_MODELS],
            useFactory: (events: EventStore, readStore: ReadStore) => {
              const names = config.KAFKA_BROKERS ? partitionCheckpoints(config) : [EMBEDDED_CHECKPOINT];
              return new RankCache(events, readStore, () => storedPosition(readStore, names));
            },
          },
          {
            provide: READ_STORE,
            inject: [STORED_READ_MODELS, RankCache],
            useFactory: (readStore: ReadStore, cache: RankCache) =>
              new CachedReadStore(readStore, cache.store, RANK_CACHED_COLLECTIONS),
          },
          {
            provide: ReadModelProgress,
            inject: [projector, RankCache],
            useFactory: (...parts: ReadModelProgress[]) => new SlowestReadModels(parts),
          },
        ]
      : [
          { provide: READ_STORE, useExisting: STORED_READ_MODELS },
          { provide: ReadModelProgress, useExisting: projector },
        ];
    return {
      module: PersistenceModule,
      providers: [...stored, ...readModels],
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
