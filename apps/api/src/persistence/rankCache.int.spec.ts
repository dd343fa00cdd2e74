import { type EventStore } from '@app/event-store';
import { SqliteEventStore } from '@app/event-store/sqlite';
import {
  type LeaderboardEntryView,
  boardRanking,
  project,
  readModelCollections,
  readModels,
  walletView,
} from '@app/projections';
import { EMBEDDED_CHECKPOINT, type ReadStore } from '@app/read-store';
import { MemoryReadStore } from '@app/read-store/memory';
import { MongoReadStore } from '@app/read-store/mongo';
import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MONGO, describeWith, serverAddress, testMongoOptions } from '@test/support/servers';
import { RankCache } from './rankCache';

const board = 'season-1';
const ranking = boardRanking(board, 'all');

/** A player's scores stream: each submission's entry is the better of it and the previous best. */
async function submitScores(events: EventStore, submissions: number, players: number, seed: number) {
  let random = seed;
  const next = () => (random = (random * 48271) % 2147483647);
  for (let i = 0; i < submissions; i += 1) {
    const playerId = `p${next() % players}`;
    const streamId = `leaderboardScores-${board}.${playerId}`;
    const previous = (await events.readStream(streamId)).at(-1);
    const best = previous?.data as
      { entry: { score: number; subscore: number; achievedAt: string } } | undefined;
    const score = next() % 1000;
    const submittedAt = new Date(Date.UTC(2026, 10, 21, 10, 0, 0, seed * 100_000 + i)).toISOString();
    const entry =
      best && best.entry.score >= score ? best.entry : { score, subscore: 0, achievedAt: submittedAt };
    await events.appendToStream(
      streamId,
      [
        {
          id: randomUUID(),
          type: 'ScoreSubmitted',
          data: {
            leaderboardId: board,
            playerId,
            period: 'all',
            score,
            subscore: 0,
            submittedAt,
            sortOrder: 'desc',
            entry,
          },
          metadata: { schemaVersion: 1 },
          occurredAt: new Date(submittedAt),
        },
      ],
      previous ? previous.revision : 'no_stream',
    );
  }
}

async function projectLog(
  store: ReadStore,
  events: EventStore,
  after: number,
  until: number,
  checkpoint?: string,
) {
  const batch = (await events.readAll(after, 100_000)).filter((event) => event.position <= until);
  await project(store, readModels, batch, { checkpoint });
}

/** The whole board as ranked by a store: [rank, id, score] for every entry. */
async function standings(store: ReadStore): Promise<[number | undefined, string, number][]> {
  const entries = await store.slice<LeaderboardEntryView>(ranking, 0, 100_000);
  return Promise.all(
    entries.map(
      async (entry) =>
        [await store.rankOf(ranking, entry._id), entry._id, entry.score] as [
          number | undefined,
          string,
          number,
        ],
    ),
  );
}

/** Whether the cache holds the board's period frozen (the cache is a memory store). */
const frozen = (store: ReadStore): boolean => {
  expect(store).toBeInstanceOf(MemoryReadStore);
  return (store as MemoryReadStore).isFrozen(ranking);
};

describeWith([MONGO], 'rank cache (FerretDB + SQLite event store)', () => {
  let dataDir: string;
  let events: SqliteEventStore;
  let mongo: MongoReadStore;
  let cache: RankCache;

  beforeAll(async () => {
    Logger.overrideLogger(false); // the cache logs its load through Nest's logger
    dataDir = mkdtempSync(join(tmpdir(), 'rank-cache-'));
    events = new SqliteEventStore(join(dataDir, 'events.db'));
    mongo = await MongoReadStore.open({
      url: serverAddress(MONGO)!,
      dbName: `rank_cache_${randomUUID().slice(0, 8)}`,
      collections: readModelCollections,
      ...testMongoOptions,
    });
  });

  afterAll(async () => {
    await cache?.onApplicationShutdown();
    await mongo.connection.dropDatabase();
    await mongo.close();
    await events.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('loads the stored entries, replays the log past their checkpoint, then follows new events', async () => {
    await submitScores(events, 300, 60, 1);
    const checkpoint = Math.floor((await events.headPosition()) / 2);
    // MongoDB holds every event up to the checkpoint, and - as a projector mid-commit leaves it - some
    // documents newer than the checkpoint says.
    await projectLog(mongo, events, 0, checkpoint);
    await projectLog(mongo, events, checkpoint, checkpoint + 40, 'elsewhere');
    expect(await mongo.checkpoint(EMBEDDED_CHECKPOINT)).toBe(checkpoint);

    cache = new RankCache(events, mongo, () => mongo.checkpoint(EMBEDDED_CHECKPOINT));
    await cache.onApplicationBootstrap();
    const rebuilt = new MemoryReadStore(readModelCollections);
    await projectLog(rebuilt, events, 0, Number.MAX_SAFE_INTEGER);
    expect(cache.position).toBe(await events.headPosition());
    const expected = await standings(rebuilt);
    expect(expected.length).toBeGreaterThan(40);
    expect(await standings(cache.store)).toEqual(expected);

    // Then it follows appends, as another API instance or this one makes them.
    await submitScores(events, 100, 80, 2);
    const head = await events.headPosition();
    expect(await cache.waitFor(head, 10_000)).toBe(true);
    await projectLog(rebuilt, events, 0, Number.MAX_SAFE_INTEGER);
    expect(await standings(cache.store)).toEqual(await standings(rebuilt));
    // The cache holds leaderboard entries only.
    await expect(cache.store.find(walletView.collection, 'p1')).rejects.toThrow(/unknown read model/);
  });

  it('freezes a period when it follows its close, and at load the periods already closed', async () => {
    const expected = await standings(cache.store);
    const period = `leaderboardPeriod-${board}.all`;
    const event = (type: string, data: object) => ({
      id: randomUUID(),
      type,
      data: { leaderboardId: board, period: 'all', ...data },
      metadata: { schemaVersion: 1 },
      occurredAt: new Date(),
    });
    await events.appendToStream(
      period,
      [
        event('LeaderboardPeriodScheduled', {
          startsAt: '2026-11-21T00:00:00.000Z',
          endsAt: '2026-11-22T00:00:00.000Z',
          after: 0,
        }),
      ],
      'no_stream',
    );
    expect(frozen(cache.store)).toBe(false);
    const close = event('LeaderboardPeriodClosed', {
      cut: await events.headPosition(),
      closedAt: '2026-11-22T00:00:05.000Z',
      rewards: [],
      entries: expected.length,
      standingsHash: 'not checked here',
      top: [],
    });
    await events.appendToStream(period, [close], 0);
    expect(await cache.waitFor(await events.headPosition(), 10_000)).toBe(true);
    expect(frozen(cache.store)).toBe(true);
    expect(await standings(cache.store)).toEqual(expected);

    // A cache loaded after the close (MongoDB holds it) does not see it in the log it follows.
    await projectLog(mongo, events, 0, Number.MAX_SAFE_INTEGER);
    const loaded = new RankCache(events, mongo, () => mongo.checkpoint(EMBEDDED_CHECKPOINT));
    try {
      await loaded.onApplicationBootstrap();
      expect(frozen(loaded.store)).toBe(true);
      expect(await standings(loaded.store)).toEqual(expected);
    } finally {
      await loaded.onApplicationShutdown();
    }
  });
});
