import type { EventStore } from '@app/event-store';
import { readModels } from '@app/projections';
import type { ReadStore } from '@app/read-store';
import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { LogFollower } from './logFollower';
import { EVENT_STORE, READ_STORE } from './tokens';

/**
 * The embedded projector: applies the event store's global log to the read models with the same
 * `project` the Kafka projector uses. At start it replays the log into the (empty, in-memory) read store
 * and the API only starts listening once that rebuild has caught up.
 */
@Injectable()
export class ProjectionService extends LogFollower implements OnApplicationBootstrap {
  protected readonly logger = new Logger(ProjectionService.name);

  constructor(
    @Inject(EVENT_STORE) events: EventStore,
    @Inject(READ_STORE) private readonly readStore: ReadStore,
  ) {
    super(events);
  }

  async onApplicationBootstrap(): Promise<void> {
    const started = Date.now();
    // MongoDB keeps its read models across restarts: resume there. The memory store starts at 0.
    const from = await this.readStore.checkpoint();
    const head = await this.follow(this.readStore, readModels, from);
    this.logger.log(
      { from, position: head, ms: Date.now() - started },
      'read models caught up with the event log',
    );
  }
}
