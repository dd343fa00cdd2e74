import type { EventStore } from '@app/event-store';
import { readModels } from '@app/projections';
import type { AnyIndexQuery, ReadStore } from '@app/read-store';
import type { ParallelReplay } from '@app/runtime';
import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { LogFollower } from './logFollower';
import type { ReadModelSnapshotter } from './readModelSnapshotter';
import { EVENT_STORE, PARALLEL_REPLAY, READ_MODEL_SNAPSHOTS, READ_STORE } from './tokens';

/**
 * The embedded projector: applies the event store's global log to the read models with the same
 * `project` the Kafka projector uses. At start it replays the log into the (empty, in-memory) read store,
 * from the read model snapshot when there is a sound one (else on two threads, ParallelReplay, when the
 * log is long), and the API only starts listening once that rebuild has caught up.
 */
@Injectable()
export class ProjectionService extends LogFollower implements OnApplicationBootstrap {
  protected readonly logger = new Logger(ProjectionService.name);
  private stopped = false;

  constructor(
    @Inject(EVENT_STORE) events: EventStore,
    @Inject(READ_STORE) private readonly readStore: ReadStore,
    @Inject(READ_MODEL_SNAPSHOTS) private readonly snapshots: ReadModelSnapshotter | null,
    @Inject(PARALLEL_REPLAY) private readonly parallel: ParallelReplay | null,
  ) {
    super(events);
  }

  async onApplicationBootstrap(): Promise<void> {
    const started = Date.now();
    // MongoDB keeps its read models across restarts: resume there. The memory store starts at 0, or at
    // its snapshot's checkpoint.
    let from = await this.readStore.checkpoint();
    let frozen: AnyIndexQuery[] = [];
    if (this.snapshots && from === 0) ({ from, frozen } = await this.snapshots.restore());
    // Without a snapshot, a long log is replayed on two threads where it can be (ParallelReplay).
    const head = await this.follow(this.readStore, readModels, from, async (after, until) => {
      const replayed = await this.parallel?.replay(after, until);
      if (replayed) frozen = [...frozen, ...replayed.settled];
      return replayed !== undefined;
    });
    this.logger.log(
      { from, position: head, ms: Date.now() - started },
      'read models caught up with the event log',
    );
    void this.freezeAgain(frozen);
    const { snapshots } = this;
    if (!snapshots) return;
    this.onApplied((events) => snapshots.applied(events[events.length - 1].position));
    snapshots.applied(head);
  }

  override async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    await super.onApplicationShutdown();
    await this.snapshots?.close();
  }

  /**
   * The groups a snapshot held frozen (or a replay's worker settled), frozen again once the api serves:
   * their documents are loaded and answer the same meanwhile, only held less compactly.
   */
  private async freezeAgain(groups: readonly AnyIndexQuery[]): Promise<void> {
    for (const group of groups) {
      if (this.stopped) return;
      try {
        await this.readStore.freeze(group);
      } catch (error) {
        if (!this.stopped)
          this.logger.warn({ err: error, group }, 'freezing a group from the snapshot failed');
      }
    }
  }
}
