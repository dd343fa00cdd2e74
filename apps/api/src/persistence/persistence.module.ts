import { StreamCommandHandler } from '@app/application';
import type { EventStore, SnapshotStore } from '@app/event-store';
import { readModels as projections } from '@app/projections';
import { CachedReadStore, type ReadStore } from '@app/read-store';
import {
  type AppConfig,
  TAIL_POLL_MS,
  deploymentMode,
  openEventStore,
  openParallelReplay,
  openReadModelSnapshots,
  openReadStore,
  readModelCheckpoints,
  storedPosition,
} from '@app/runtime';
import {
  type DynamicModule,
  Global,
  Inject,
  Logger,
  Module,
  type OnApplicationShutdown,
  type Provider,
} from '@nestjs/common';
import { ApiMetrics } from '../system/apiMetrics';
import { LogFollower } from './logFollower';
import { ProjectionService } from './projection.service';
import { ProjectorCheckpoints } from './projectorCheckpoints';
import { RANK_CACHED_COLLECTIONS, RankCache } from './rankCache';
import { ReadModelProgress, SlowestReadModels } from './readModelProgress';
import { ReadModelStatus } from './readModelStatus';
import { ReadModelSnapshotter } from './readModelSnapshotter';
import { EVENT_STORE, PARALLEL_REPLAY, READ_MODEL_SNAPSHOTS, READ_STORE } from './tokens';

/** The read models as stored (MongoDB or memory), before the rank cache takes over leaderboard reads. */
const STORED_READ_MODELS = Symbol('STORED_READ_MODELS');

/**
 * The api's ports, with the adapters the deployment mode selects (@app/runtime):
 * - embedded: the api applies the log itself and answers every query from memory.
 * - MongoDB read models: ranks come from the rank cache, the rest from MongoDB. In cluster mode the
 *   projectors feed MongoDB and the api watches their checkpoints; otherwise the api feeds it.
 */
@Global()
@Module({})
export class PersistenceModule implements OnApplicationShutdown {
  static forRoot(config: AppConfig): DynamicModule {
    const mode = deploymentMode(config);
    const projector = mode === 'cluster' ? ProjectorCheckpoints : ProjectionService;
    const stored: Provider[] = [
      {
        provide: EVENT_STORE,
        inject: [ApiMetrics],
        useFactory: (metrics: ApiMetrics) =>
          metrics.timedAppends(
            openEventStore(config, new Logger('EventStore'), {
              onGroupCommit: (appends) => metrics.groupCommitSize.observe(appends),
              // Beside other api instances the rank cache must see their appends soon, not after 250 ms.
              ...(mode === 'cluster' ? { pollIntervalMs: TAIL_POLL_MS } : {}),
            }),
          ),
      },
      { provide: STORED_READ_MODELS, useFactory: () => openReadStore(config, new Logger('ReadStore')) },
      {
        provide: StreamCommandHandler,
        inject: [EVENT_STORE],
        useFactory: (events: EventStore & SnapshotStore) =>
          new StreamCommandHandler(
            events,
            config.STREAM_SNAPSHOT_EVERY_EVENTS > 0
              ? {
                  store: events,
                  everyEvents: config.STREAM_SNAPSHOT_EVERY_EVENTS,
                  logger: new Logger('StreamSnapshots'),
                }
              : undefined,
          ),
      },
      {
        provide: READ_MODEL_SNAPSHOTS,
        inject: [EVENT_STORE, STORED_READ_MODELS],
        useFactory: (events: EventStore, readStore: ReadStore) => {
          const snapshots = openReadModelSnapshots(config, readStore, projections);
          return (
            snapshots &&
            new ReadModelSnapshotter(
              snapshots,
              events,
              config.READ_MODEL_SNAPSHOT_EVERY_EVENTS,
              new Logger('ReadModelSnapshots'),
            )
          );
        },
      },
      {
        provide: PARALLEL_REPLAY,
        inject: [STORED_READ_MODELS],
        useFactory: (readStore: ReadStore) =>
          openParallelReplay(config, readStore, projections, new Logger('ParallelReplay')),
      },
      projector,
    ];
    const readModels: Provider[] =
      mode === 'embedded'
        ? [
            { provide: READ_STORE, useExisting: STORED_READ_MODELS },
            { provide: ReadModelProgress, useExisting: projector },
            { provide: LogFollower, useExisting: projector },
            {
              provide: ReadModelStatus,
              inject: [projector],
              useFactory: (progress: ReadModelProgress) => new ReadModelStatus(progress, undefined),
            },
          ]
        : [
            {
              provide: RankCache,
              inject: [EVENT_STORE, STORED_READ_MODELS],
              useFactory: (events: EventStore, readStore: ReadStore) => {
                const names = readModelCheckpoints(config);
                return new RankCache(events, readStore, () => storedPosition(readStore, names));
              },
            },
            // The rank cache follows every event of the log, in every mode that has it.
            { provide: LogFollower, useExisting: RankCache },
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
            {
              provide: ReadModelStatus,
              inject: [projector, RankCache, STORED_READ_MODELS],
              useFactory: (progress: ReadModelProgress, cache: RankCache, readStore: ReadStore) =>
                new ReadModelStatus(
                  progress,
                  mode === 'cluster' ? { store: readStore, names: readModelCheckpoints(config) } : undefined,
                  { progress: cache, collections: RANK_CACHED_COLLECTIONS },
                ),
            },
          ];
    return {
      module: PersistenceModule,
      providers: [...stored, ...readModels],
      exports: [
        EVENT_STORE,
        READ_STORE,
        StreamCommandHandler,
        ReadModelProgress,
        ReadModelStatus,
        LogFollower,
      ],
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
