import type { EventStore } from '@app/event-store';
import { readModelCollections } from '@app/projections';
import { MemoryReadStore, type ReadStore } from '@app/read-store';
import { Global, Inject, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, type AppConfig, openEventStore } from '@app/runtime';
import { AggregateStore } from './aggregateStore';
import { ProjectionService } from './projection.service';
import { EVENT_STORE, READ_STORE } from './tokens';

/** Chooses the adapters: a component is real when its URL is configured, embedded otherwise. */
@Global()
@Module({
  providers: [
    {
      provide: EVENT_STORE,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig): EventStore => openEventStore(config, new Logger('EventStore')),
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
