import { SqliteEventStore } from '@app/event-store/sqlite';
import { boardRanking, readModelCollections, readModels, replay, eventTypesReadBy } from '@app/projections';
import { MemoryReadStore } from '@app/read-store/memory';
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateLog } from '../../../bench/support/logGenerator';
import { economyEvents, leaderboardEvents, scoreEvents, seededRandom } from '@test/support/randomEvents';
import { storedDocuments } from '@test/support/storedDocuments';
import { ProjectionService } from '../../../apps/api/src/persistence/projection.service';
import { ParallelReplay } from './parallelReplay';

/** What the replay said, by level. */
const listener = () => {
  const said: { level: 'log' | 'error'; fields: Record<string, unknown>; message: string }[] = [];
  return {
    said,
    logger: {
      log: (fields: Record<string, unknown>, message: string) => said.push({ level: 'log', fields, message }),
      error: (fields: Record<string, unknown>, message: string) =>
        said.push({ level: 'error', fields, message }),
    },
  };
};

/** The embedded projector on `log` (the SQLite file `file`), without snapshots, replaying on two threads. */
const projector = (log: SqliteEventStore, file: string) => {
  const store = new MemoryReadStore(readModelCollections);
  const { said, logger } = listener();
  const parallel = new ParallelReplay(file, store, readModels, 1, logger);
  return { service: new ProjectionService(log, store, null, parallel), store, said };
};

const CLOSED = { leaderboardId: 'daily', period: '2026-01-01' };

/**
 * A log with every event type a read model reads: the benchmark generator's grants, purchases and scores
 * over 40 players, then streams of every economy, board, score, catalog and period event.
 */
async function writeLog(file: string): Promise<void> {
  await generateLog({ file, events: 3000, players: 40 });
  const store = new SqliteEventStore(file, { synchronous: 'NORMAL' });
  const random = seededRandom(18);
  const append = (streamId: string, events: { type: string; data: unknown }[]) =>
    store.appendToStream(
      streamId,
      events.map(({ type, data }) => ({
        id: randomUUID(),
        type,
        data,
        metadata: { schemaVersion: 1 },
        occurredAt: new Date('2026-01-01T00:00:00.000Z'),
      })),
      'any',
    );
  try {
    // economyEvents and scoreEvents write for player p1; one stream each.
    await append('playerEconomy-p1', economyEvents(random, 400));
    await append('leaderboard-cup', leaderboardEvents(random, 200));
    await append('playerScores-daily-p1', scoreEvents(random, 200));
    const item = { sku: 'potion', name: 'Potion', prices: { GOLD: 5 }, stackable: true };
    await append('catalogItem-potion', [
      { type: 'CatalogItemDefined', data: item },
      { type: 'CatalogItemUpdated', data: { ...item, name: 'Big potion' } },
    ]);
    await append('currency-GEMS', [
      { type: 'CurrencyDefined', data: { code: 'GEMS', name: 'Gems' } },
      { type: 'CurrencyUpdated', data: { code: 'GEMS', name: 'Shiny gems' } },
    ]);
    const standings = { entries: 1, standingsHash: 'a'.repeat(64), top: [] };
    await append('leaderboardPeriod-daily-2026-01-01', [
      {
        type: 'LeaderboardPeriodScheduled',
        data: {
          ...CLOSED,
          startsAt: '2026-01-01T00:00:00.000Z',
          endsAt: '2026-01-02T00:00:00.000Z',
          after: 0,
        },
      },
      {
        type: 'LeaderboardPeriodClosed',
        data: { ...CLOSED, cut: 3000, closedAt: '2026-01-02T00:00:05.000Z', rewards: [], ...standings },
      },
      { type: 'PlayerExcludedFromPeriod', data: { ...CLOSED, playerId: 'p1', reason: 'cheating' } },
      {
        type: 'LeaderboardPeriodAdjudicated',
        data: { ...CLOSED, adjudication: 1, excluded: ['p1'], ...standings, entries: 0 },
      },
      { type: 'LeaderboardPeriodRewardsPaid', data: { ...CLOSED, adjudication: 1, players: 0 } },
    ]);
  } finally {
    await store.close();
  }
}

describe('the replay on two threads (ParallelReplay)', () => {
  let dir: string;
  let file: string;
  let events: SqliteEventStore;
  let head: number;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'parallel-replay-'));
    file = join(dir, 'events.db');
    await writeLog(file);
    events = new SqliteEventStore(file, { synchronous: 'NORMAL' });
    head = await events.headPosition();
  });
  afterAll(async () => {
    await events.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A copy of the log whose last event of `type` holds data that is not JSON. */
  const brokenCopy = (type: string): string => {
    const broken = join(dir, `broken-${type}-${randomUUID()}.db`);
    copyFileSync(file, broken);
    const db = new Database(broken);
    db.prepare(
      `UPDATE events SET data = '{' WHERE position = (SELECT MAX(position) FROM events WHERE type = ?)`,
    ).run(type);
    db.close();
    return broken;
  };

  it('reads a log holding every event type a read model reads', async () => {
    const types = new Set<string>();
    for (let after = 0; after < head;) {
      const batch = await events.readAllWithoutMetadata(after, 1000);
      for (const event of batch) types.add(event.type);
      after = batch[batch.length - 1].position;
    }
    expect([...eventTypesReadBy(readModels)].filter((type) => !types.has(type))).toEqual([]);
  });

  it('builds the same read models, byte for byte, as the replay on one thread, and names the groups to freeze', async () => {
    const oneThread = new MemoryReadStore(readModelCollections);
    await replay(events, oneThread, readModels, { batchSize: 100 });

    const twoThreads = new MemoryReadStore(readModelCollections);
    const { said, logger } = listener();
    const replayed = await new ParallelReplay(file, twoThreads, readModels, 1, logger).replay(0, head);

    const documents = await storedDocuments(twoThreads);
    expect(documents.length).toBeGreaterThan(3000 * 0.5);
    expect(documents).toEqual(await storedDocuments(oneThread));
    expect(await twoThreads.checkpoint()).toBe(head);
    expect(await oneThread.checkpoint()).toBe(head);
    // The close settled its group in the worker's store; the main thread's store freezes it.
    expect(replayed?.settled.map(({ collection, index, group }) => [collection.name, index, group])).toEqual([
      ['leaderboardEntries', boardRanking(CLOSED.leaderboardId, CLOSED.period).index, CLOSED],
    ]);
    expect(said).toEqual([
      expect.objectContaining({ level: 'log', message: 'read models replayed on two threads' }),
    ]);
  });

  it('applies nothing when the store does not start empty or fewer than minEvents events follow', async () => {
    const store = new MemoryReadStore(readModelCollections);
    const { said, logger } = listener();
    expect(await new ParallelReplay(file, store, readModels, 1, logger).replay(10, head)).toBeUndefined();
    expect(
      await new ParallelReplay(file, store, readModels, head + 1, logger).replay(0, head),
    ).toBeUndefined();
    expect(await storedDocuments(store)).toEqual([]);
    expect(await store.checkpoint()).toBe(0);
    expect(said).toEqual([]);
  });

  it('is what the embedded projector boots with: the same documents, and the settled group frozen', async () => {
    const oneThread = new MemoryReadStore(readModelCollections);
    await replay(events, oneThread, readModels);

    const { service, store, said } = projector(events, file);
    await service.onApplicationBootstrap();
    try {
      expect(said.map(({ message }) => message)).toEqual(['read models replayed on two threads']);
      expect(await storedDocuments(store)).toEqual(await storedDocuments(oneThread));
      expect(service.position).toBe(head);
      const closed = boardRanking(CLOSED.leaderboardId, CLOSED.period);
      expect(oneThread.isFrozen(closed)).toBe(true);
      // Frozen again in the background once the api serves, as the groups of a snapshot are.
      while (!store.isFrozen(closed)) await new Promise(setImmediate);
      expect(await storedDocuments(store)).toEqual(await storedDocuments(oneThread));
    } finally {
      await service.onApplicationShutdown();
    }
  });

  it('boots on one thread, with every document, when the replay on two threads fails', async () => {
    const oneThread = new MemoryReadStore(readModelCollections);
    await replay(events, oneThread, readModels);
    // Neither thread can open this file: the replay on two threads fails at once, the log itself is sound.
    const { service, store, said } = projector(events, join(dir, 'missing.db'));
    await service.onApplicationBootstrap();
    try {
      expect(said.map(({ level, message }) => [level, message])).toEqual([
        ['error', 'the parallel replay failed; replaying on the main thread'],
      ]);
      expect(await storedDocuments(store)).toEqual(await storedDocuments(oneThread));
      expect(await store.checkpoint()).toBe(head);
    } finally {
      await service.onApplicationShutdown();
    }
  });

  it('fails the boot when the log cannot be replayed, on two threads or then on one', async () => {
    const broken = brokenCopy('ScoreSubmitted');
    const log = new SqliteEventStore(broken, { synchronous: 'NORMAL' });
    const { service, said } = projector(log, broken);
    try {
      await expect(service.onApplicationBootstrap()).rejects.toThrow(SyntaxError);
      expect(said.map(({ level }) => level)).toEqual(['error']);
    } finally {
      await service.onApplicationShutdown();
      await log.close();
    }
  });

  it.each([
    ['the worker', 'ScoreSubmitted'],
    ['the main thread', 'CurrencyGranted'],
  ])('leaves the store empty and says why when %s fails (an event it reads is not JSON)', async (_, type) => {
    const broken = brokenCopy(type);

    const store = new MemoryReadStore(readModelCollections);
    const { said, logger } = listener();
    expect(await new ParallelReplay(broken, store, readModels, 1, logger).replay(0, head)).toBeUndefined();
    expect(await storedDocuments(store)).toEqual([]);
    expect(await store.checkpoint()).toBe(0);
    expect(said).toEqual([
      expect.objectContaining({
        level: 'error',
        message: 'the parallel replay failed; replaying on the main thread',
        fields: { err: expect.objectContaining({ name: 'SyntaxError' }) },
      }),
    ]);
  });
});
