import type { RecordedEvent } from '@app/event-store';
import { MemoryReadStore } from '@app/read-store/memory';
import { boardRanking, project, readModelCollections, readModels } from './index';
import { eventLog } from '@test/support/eventLog';
import { storedDocuments } from '@test/support/storedDocuments';

// The documents each view writes, byte for byte (key order included): what the views produced before
// they were tuned for replay speed and memory, and what MongoDB stores.
const recorded = eventLog((revision) => `2026-11-21T10:0${revision}:00.000Z`);
const events: RecordedEvent[] = [
  recorded('playerEconomy-p1', 0, 'CurrencyGranted', {
    playerId: 'p1',
    currency: 'GOLD',
    amount: 100,
    reason: 'quest',
    balanceAfter: 100,
  }),
  recorded('playerEconomy-p1', 1, 'ItemPurchased', {
    playerId: 'p1',
    sku: 'potion',
    quantity: 2,
    unitPrice: { currency: 'GOLD', amount: 10 },
    totalPrice: { currency: 'GOLD', amount: 20 },
    balanceAfter: 80,
    quantityAfter: 2,
  }),
  recorded('playerEconomy-p1', 2, 'CurrencySpent', {
    playerId: 'p1',
    currency: 'GEMS',
    amount: 0,
    reason: 'fee',
    balanceAfter: 0,
  }),
  recorded('playerEconomy-p1', 3, 'ItemConsumed', {
    playerId: 'p1',
    sku: 'potion',
    quantity: 1,
    quantityAfter: 1,
  }),
  recorded('leaderboardScores-arena.p1', 0, 'ScoreSubmitted', {
    leaderboardId: 'arena',
    playerId: 'p1',
    period: 'all',
    score: 0,
    subscore: 3,
    metadata: { map: 'dust' },
    submittedAt: '2026-11-21T10:00:00.000Z',
    sortOrder: 'desc',
    entry: { score: 0, subscore: 3, achievedAt: '2026-11-21T10:00:00.000Z' },
  }),
  recorded('leaderboardScores-arena.p1', 1, 'ScoreSubmitted', {
    leaderboardId: 'arena',
    playerId: 'p1',
    period: 'all',
    score: -5,
    subscore: 0,
    submittedAt: '2026-11-21T10:05:00.000Z',
    sortOrder: 'desc',
    entry: { score: 0, subscore: 3, achievedAt: '2026-11-21T10:00:00.000Z' },
  }),
  recorded('leaderboardScores-speed.p2', 0, 'ScoreSubmitted', {
    leaderboardId: 'speed',
    playerId: 'p2',
    period: '2026-W47',
    score: 7,
    subscore: 0,
    submittedAt: '2026-11-21T10:00:00.000Z',
    sortOrder: 'asc',
    entry: { score: 7, subscore: 0, achievedAt: '2026-11-21T10:00:00.000Z' },
  }),
  recorded('leaderboardScores-speed.p2', 1, 'ScoreSubmitted', {
    leaderboardId: 'speed',
    playerId: 'p2',
    period: '2026-W47',
    score: 6,
    subscore: 1,
    metadata: { car: 'red' },
    submittedAt: '2026-11-21T10:01:00.000Z',
    sortOrder: 'asc',
    entry: { score: 6, subscore: 1, achievedAt: '2026-11-21T10:01:00.000Z' },
  }),
  recorded('leaderboardPeriod-speed.2026-W47', 0, 'LeaderboardPeriodScheduled', {
    leaderboardId: 'speed',
    period: '2026-W47',
    startsAt: '2026-11-16T00:00:00.000Z',
    endsAt: '2026-11-23T00:00:00.000Z',
    after: 0,
  }),
  recorded('leaderboardPeriod-speed.2026-W47', 1, 'LeaderboardPeriodClosed', {
    leaderboardId: 'speed',
    period: '2026-W47',
    cut: 7,
    closedAt: '2026-11-23T00:00:05.000Z',
    rewards: [],
    entries: 1,
    standingsHash: 'c0ffee',
    top: [{ rank: 1, playerId: 'p2', score: 6, subscore: 1, achievedAt: '2026-11-21T10:01:00.000Z' }],
  }),
];

const expected = [
  '["wallets",{"_id":"p1","playerId":"p1","balances":{"GOLD":80,"GEMS":0},"revision":3}]',
  '["inventories",{"_id":"p1","playerId":"p1","items":{"potion":1},"revision":3}]',
  '["ledger",{"_id":"playerEconomy-p1#0","eventId":"playerEconomy-p1#0","playerId":"p1","revision":0,"position":1,"type":"CurrencyGranted","occurredAt":"2026-11-21T10:00:00.000Z","reason":"quest","changes":[{"currency":"GOLD","delta":100,"balanceAfter":100}]}]',
  '["ledger",{"_id":"playerEconomy-p1#1","eventId":"playerEconomy-p1#1","playerId":"p1","revision":1,"position":2,"type":"ItemPurchased","occurredAt":"2026-11-21T10:01:00.000Z","reason":"purchase of 2 potion","changes":[{"currency":"GOLD","delta":-20,"balanceAfter":80},{"sku":"potion","delta":2,"quantityAfter":2}]}]',
  '["ledger",{"_id":"playerEconomy-p1#2","eventId":"playerEconomy-p1#2","playerId":"p1","revision":2,"position":3,"type":"CurrencySpent","occurredAt":"2026-11-21T10:02:00.000Z","reason":"fee","changes":[{"currency":"GEMS","delta":0,"balanceAfter":0}]}]',
  '["ledger",{"_id":"playerEconomy-p1#3","eventId":"playerEconomy-p1#3","playerId":"p1","revision":3,"position":4,"type":"ItemConsumed","occurredAt":"2026-11-21T10:03:00.000Z","reason":"consumption of 1 potion","changes":[{"sku":"potion","delta":-1,"quantityAfter":1}]}]',
  '["leaderboardEntries",{"_id":"arena|all|p1","leaderboardId":"arena","period":"all","playerId":"p1","sortOrder":"desc","score":0,"subscore":3,"achievedAt":"2026-11-21T10:00:00.000Z","rankScore":0,"rankSubscore":-3,"metadata":{"map":"dust"},"revision":1}]',
  '["leaderboardEntries",{"_id":"speed|2026-W47|p2","leaderboardId":"speed","period":"2026-W47","playerId":"p2","sortOrder":"asc","score":6,"subscore":1,"achievedAt":"2026-11-21T10:01:00.000Z","rankScore":6,"rankSubscore":1,"metadata":{"car":"red"},"revision":1}]',
  '["leaderboardPeriods",{"_id":"speed|2026-W47","leaderboardId":"speed","period":"2026-W47","status":"closed","startsAt":"2026-11-16T00:00:00.000Z","endsAt":"2026-11-23T00:00:00.000Z","adjudications":[{"adjudication":0,"excluded":[],"entries":1,"standingsHash":"c0ffee","top":[{"rank":1,"playerId":"p2","score":6,"subscore":1,"achievedAt":"2026-11-21T10:01:00.000Z"}]}],"exclusions":[],"paidThrough":-1,"revision":1,"close":{"cut":7,"closedAt":"2026-11-23T00:00:05.000Z","rewards":[]}}]',
];

describe('view documents', () => {
  it('are the same, key order included, whether a batch holds every event or one', async () => {
    const together = new MemoryReadStore(readModelCollections);
    await project(together, readModels, events);
    expect(await storedDocuments(together)).toEqual(expected);

    const oneByOne = new MemoryReadStore(readModelCollections);
    for (const event of events) await project(oneByOne, readModels, [event]);
    expect(await storedDocuments(oneByOne)).toEqual(expected);

    // The closed period's entries are held frozen, and read back the same as the others.
    for (const store of [together, oneByOne]) {
      expect(store.isFrozen(boardRanking('speed', '2026-W47'))).toBe(true);
      expect(store.isFrozen(boardRanking('arena', 'all'))).toBe(false);
    }
  });
});
