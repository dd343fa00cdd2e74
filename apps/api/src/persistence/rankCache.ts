import type { EventStore } from '@app/event-store';
import {
  type AnyProjection,
  boardRanking,
  leaderboardEntryView,
  leaderboardPeriodView,
} from '@app/projections';
import type { ReadStore } from '@app/read-store';
import { openScratchReadStore } from '@app/runtime';
import { Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { LogFollower } from './logFollower';

/** The read models whose queries the cache answers: ranks, top N and around-me. */
const CACHED: readonly AnyProjection[] = [leaderboardEntryView as unknown as AnyProjection];
export const RANK_CACHED_COLLECTIONS = CACHED.map((projection) => projection.collection.name);

/** Documents per batch while loading the cache from the stored read models. */
const LOAD_BATCH = 2000;

/**
 * The rank cache (after Nakama's): leaderboard entries held in an in-memory order-statistic index, so a
 * rank, a top-N page or an around-me window costs O(log n) whatever the board's size, where MongoDB
 * counts O(rank) index keys and FerretDB reads the whole board.
 *
 * At start it loads the entries from the stored read models (MongoDB), then follows the event log from
 * the stored read models' position with the same leaderboard projection the projectors run. Documents
 * read while loading may be newer than that position; the revision guard skips what they already hold.
 */
export class RankCache extends LogFollower implements OnApplicationBootstrap {
  protected readonly logger = new Logger(RankCache.name);
  readonly store = openScratchReadStore(CACHED.map((projection) => projection.collection));

  constructor(
    events: EventStore,
    private readonly stored: ReadStore,
    /** Position up to which the stored read models hold every event (read before loading). */
    private readonly storedPosition: () => Promise<number>,
  ) {
    super(events);
  }

  async onApplicationBootstrap(): Promise<void> {
    const started = Date.now();
    const from = await this.storedPosition();
    let entries = 0;
    for (const { collection } of CACHED) {
      for await (const docs of this.stored.documents(collection, LOAD_BATCH)) {
        await this.store.commit(
          docs.map((doc) => ({ collection: collection.name, id: doc._id, doc })),
          from,
        );
        entries += docs.length;
      }
    }
    // Every period the stored read models know as closed, frozen as the projection freezes a period on
    // its close (leaderboardEntryView.settles): the cache follows the log from `from`, past those closes.
    let frozen = 0;
    for await (const periods of this.stored.documents(leaderboardPeriodView.collection, LOAD_BATCH)) {
      for (const { status, leaderboardId, period } of periods) {
        if (status !== 'closed') continue;
        await this.store.freeze(boardRanking(leaderboardId, period));
        frozen += 1;
      }
    }
    const head = await this.follow(this.store, CACHED, from);
    this.logger.log({ entries, frozen, from, head, ms: Date.now() - started }, 'rank cache loaded');
  }

  override async onApplicationShutdown(): Promise<void> {
    await super.onApplicationShutdown();
    await this.store.close();
  }
}
