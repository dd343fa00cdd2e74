import { EsdbEventStore, type EventStore, SqliteEventStore } from '@app/event-store';
import { readModelCollections } from '@app/projections';
import { MemoryReadStore, type ReadStore } from '@app/read-store';
import { Global, Inject, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import { join } from 'node:path';
import type { AppConfig } from '@app/runtime';
import { AggregateStore } from './aggregateStore';
import { ProjectionService } from './projection.service';
import { APP_CONFIG, EVENT_STORE, READ_STORE } from './tokens';

/** Chooses the adapters: a component is real when its URL is configured, embedded otherwise. */
@Global()
@Module({
  providers: [
    {
      provide: EVENT_STORE,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig): EventStore => {
        const logger = new Logger('EventStore');
        if (config.EVENTSTORE_URL) {
          logger.log('using EventStoreDB');
          return new EsdbEventStore(config.EVENTSTORE_URL);
        }
        const file = join(config.DATA_DIR, 'events.db');
        logger.log({ file, synchronous: config.SQLITE_SYNCHRONOUS }, 'using the embedded SQLite event store');
        return new SqliteEventStore(file, { synchronous: config.SQLITE_SYNCHRONOUS });
      },
    },
    { provide: READ_STORE, useFactory: (): ReadStore => new MemoryReadStore(readModelCollections) },
    AggregateStore,
    ProjectionService,
  ],
  exports: [EVENT_STORE, READ_STORE, AggregateStore, ProjectionService],
})
export class PersistenceModule implements OnApplicationShutdown {
  constructor(
    @Inject(EVENT_STORE) private readonly events: EventStore,
    @Inject(READ_STORE) private readonly readStore: ReadStore,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await this.events.close();
    await this.readStore.close();
  }
}
