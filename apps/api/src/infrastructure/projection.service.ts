import type { EventStore, Subscription } from '@app/event-store';
import { project, readModels, replay } from '@app/projections';
import type { ReadStore } from '@app/read-store';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { ReadModelProgress } from './readModelProgress';
import { EVENT_STORE, READ_STORE } from './tokens';

const RESUBSCRIBE_DELAY_MS = 1000;

/**
 * The embedded projector: tails the event store's global log and applies it to the read models with the
 * same `project` the Kafka projector uses. At start it replays the log into the (empty, in-memory) read
 * store with `replay` and the API only starts listening once that rebuild has caught up.
 */
@Injectable()
export class ProjectionService
  extends ReadModelProgress
  implements OnApplicationBootstrap, OnApplicationShutdown
{
  private readonly logger = new Logger(ProjectionService.name);
  private subscription?: Subscription;
  private stopping = false;

  constructor(
    @Inject(EVENT_STORE) private readonly events: EventStore,
    @Inject(READ_STORE) private readonly readStore: ReadStore,
  ) {
    super();
  }

  async onApplicationBootstrap(): Promise<void> {
    const started = Date.now();
    // 1. Catch up with the log as it is now, in large batches: the same replay a blue/green rebuild
    //    runs. MongoDB keeps its read models across restarts: resume there. The memory store starts at 0.
    const from = await this.readStore.checkpoint();
    const head = await replay(this.events, this.readStore, readModels, { after: from });
    this.advanceTo(head);
    // 2. Then follow it live from there.
    this.subscribe();
    this.logger.log(
      { from, position: head, ms: Date.now() - started },
      'read models caught up with the event log',
    );
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    await this.subscription?.close();
  }

  private subscribe(): void {
    this.subscription = this.events.subscribeToAll({
      after: this.position,
      onEvents: async (events) => {
        await project(this.readStore, readModels, events);
        this.advanceTo(events[events.length - 1].position);
      },
      onError: (error) => {
        if (this.stopping) return;
        // A failing batch is retried from the checkpoint; the read models never skip an event.
        this.logger.error({ err: error, position: this.position }, 'projection failed; resubscribing');
        setTimeout(() => this.stopping || this.subscribe(), RESUBSCRIBE_DELAY_MS).unref();
      },
    });
  }
}
