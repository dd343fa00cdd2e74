import type { RecordedEvent } from '@app/event-store';
import { MemoryReadStore } from '@app/read-store/memory';
import {
  inventoryView,
  leaderboardEntryView,
  playerLedger,
  project,
  readModelCollections,
  readModels,
  walletView,
} from './index';
import { eventLog } from '@test/support/eventLog';

const recorded = eventLog();

const economyStream = 'playerEconomy-p1';
const history: RecordedEvent[] = [
  recorded(economyStream, 0, 'CurrencyGranted', {
    playerId: 'p1',
    currency: 'GOLD',
    amount: 100,
    reason: 'quest',
    balanceAfter: 100,
  }),
  recorded(economyStream, 1, 'ItemPurchased', {
    playerId: 'p1',
    sku: 'potion',
    quantity: 2,
    unitPrice: { currency: 'GOLD', amount: 10 },
    totalPrice: { currency: 'GOLD', amount: 20 },
    balanceAfter: 80,
    quantityAfter: 2,
  }),
  recorded(economyStream, 2, 'ItemConsumed', {
    playerId: 'p1',
    sku: 'potion',
    quantity: 2,
    quantityAfter: 0,
  }),
  recorded('leaderboardScores-arena.p1', 0, 'ScoreSubmitted', {
    leaderboardId: 'arena',
    playerId: 'p1',
    period: 'all',
    score: 10,
    subscore: 0,
    metadata: { map: 'dust' },
    submittedAt: '2026-11-21T10:00:00.000Z',
    sortOrder: 'desc',
    entry: { score: 10, subscore: 0, achievedAt: '2026-11-21T10:00:00.000Z' },
  }),
  recorded('leaderboardScores-arena.p1', 1, 'ScoreSubmitted', {
    leaderboardId: 'arena',
    playerId: 'p1',
    period: 'all',
    score: 5,
    subscore: 0,
    metadata: { map: 'nuke' },
    submittedAt: '2026-11-21T10:05:00.000Z',
    sortOrder: 'desc',
    entry: { score: 10, subscore: 0, achievedAt: '2026-11-21T10:00:00.000Z' },
  }),
];

const snapshot = async (store: MemoryReadStore) => ({
  wallet: await store.find(walletView.collection, 'p1'),
  inventory: await store.find(inventoryView.collection, 'p1'),
  ledger: await store.page(playerLedger('p1'), undefined, 100),
  entry: await store.find(leaderboardEntryView.collection, 'arena|all|p1'),
});

describe('projections', () => {
  it('build the wallet, inventory, ledger and leaderboard entry from the history', async () => {
    const store = new MemoryReadStore(readModelCollections);
    await project(store, readModels, history);
    const { wallet, inventory, ledger, entry } = await snapshot(store);
    expect(wallet).toEqual({ _id: 'p1', playerId: 'p1', balances: { GOLD: 80 }, revision: 2 });
    expect(inventory).toEqual({ _id: 'p1', playerId: 'p1', items: {}, revision: 2 });
    expect(ledger.map((line) => line.changes)).toEqual([
      [{ currency: 'GOLD', delta: 100, balanceAfter: 100 }],
      [
        { currency: 'GOLD', delta: -20, balanceAfter: 80 },
        { sku: 'potion', delta: 2, quantityAfter: 2 },
      ],
      [{ sku: 'potion', delta: -2, quantityAfter: 0 }],
    ]);
    // The worse second submission leaves the entry, and its metadata, as the first one made it.
    expect(entry).toMatchObject({ score: 10, metadata: { map: 'dust' }, revision: 1 });
    expect(await store.checkpoint()).toBe(history[history.length - 1].position);
  });

  it("write a consumption's reason into the ledger when it has one, and what was consumed otherwise", async () => {
    const store = new MemoryReadStore(readModelCollections);
    const corrected = recorded(economyStream, 3, 'ItemConsumed', {
      playerId: 'p1',
      sku: 'potion',
      quantity: 1,
      quantityAfter: 0,
      reason: 'granted twice by mistake',
    });
    await project(store, readModels, [...history.slice(0, 3), corrected]);
    const { ledger } = await snapshot(store);
    expect(ledger.map((line) => line.reason)).toEqual([
      'quest',
      'purchase of 2 potion',
      'consumption of 2 potion',
      'granted twice by mistake',
    ]);
  });

  it('are idempotent: applying the same events again changes nothing', async () => {
    const store = new MemoryReadStore(readModelCollections);
    await project(store, readModels, history);
    const once = await snapshot(store);
    await project(store, readModels, history);
    await project(store, readModels, [history[1], history[0]]);
    expect(await snapshot(store)).toEqual(once);
  });

  it('ignore an older event redelivered after a newer one (stale-write guard)', async () => {
    const store = new MemoryReadStore(readModelCollections);
    await project(store, readModels, history.slice(0, 2));
    await project(store, readModels, [history[0]]);
    expect((await store.find(walletView.collection, 'p1'))?.balances).toEqual({ GOLD: 80 });
  });
});
