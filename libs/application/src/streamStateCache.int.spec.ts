import { chainLink } from '@app/audit';
import { economy } from '@app/domain';
import { type RecordedEvent } from '@app/event-store';
import { SqliteEventStore } from '@app/event-store/sqlite';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StreamStateCache } from './streamStateCache';

/** Loading state from a real SQLite store: a long stream is folded page by page, to its last event. */
describe('StreamStateCache.load (int)', () => {
  let dir: string;
  let store: SqliteEventStore;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'aggregates-'));
    store = new SqliteEventStore(join(dir, 'events.db'), { synchronous: 'NORMAL' });
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const grants = (from: number, count: number) =>
    Array.from({ length: count }, (_, i) => ({
      id: randomUUID(),
      type: 'CurrencyGranted',
      data: { playerId: 'p1', currency: 'GOLD', amount: 1, reason: 'test', balanceAfter: from + i + 1 },
      metadata: { schemaVersion: 1, hash: `h${from + i}` },
      occurredAt: new Date(),
    }));

  it('folds a stream of 2,500 events in pages of at most 1,000, then only its new tail', async () => {
    await store.appendToStream('playerEconomy-p1', grants(0, 2500), 'no_stream');
    const pages: number[] = [];
    const readStream = store.readStream.bind(store);
    store.readStream = async (...args) => {
      const page = await readStream(...args);
      pages.push(page.length);
      return page;
    };
    const states = new StreamStateCache(store);
    const last = async () => (await readStream('playerEconomy-p1')).at(-1) as RecordedEvent;

    const loaded = await states.load('playerEconomy-p1', economy.playerEconomyDecider);
    expect(pages).toEqual([1000, 1000, 500]);
    expect(loaded).toEqual({
      state: { balances: { GOLD: 2500 }, items: {}, tournaments: {}, rewards: {} },
      revision: 2499,
      position: (await last()).position,
      lastHash: 'h2499',
    });

    await store.appendToStream('playerEconomy-p1', grants(2500, 3), 2499);
    pages.length = 0;
    const again = await states.load('playerEconomy-p1', economy.playerEconomyDecider);
    expect(pages).toEqual([3]);
    expect([again.state.balances, again.revision, again.lastHash]).toEqual([
      { GOLD: 2503 },
      2502,
      chainLink(await last()),
    ]);
  });
});
