import type { RecordedEvent } from '@app/event-store';
import { GENESIS_HASH, eventHash } from './canonicalForm';
import { exportEvents } from './eventExport';
import { playerHistory, playerStateAt } from './playerHistory';

const STREAM = 'playerEconomy-p1';

/** A hash-chained economy stream as the command side writes it: a grant, then purchases of one potion. */
const chainedStream = (length: number): RecordedEvent[] => {
  let previousHash = GENESIS_HASH;
  return Array.from({ length }, (_, revision) => {
    const data =
      revision === 0
        ? { playerId: 'p1', currency: 'GOLD', amount: 100, balanceAfter: 100, reason: 'login' }
        : {
            playerId: 'p1',
            sku: 'potion',
            quantity: 1,
            quantityAfter: revision,
            unitPrice: { currency: 'GOLD', amount: 10 },
            totalPrice: { currency: 'GOLD', amount: 10 },
            balanceAfter: 100 - 10 * revision,
          };
    const content = {
      type: revision === 0 ? 'CurrencyGranted' : 'ItemPurchased',
      data,
      streamId: STREAM,
      revision,
      occurredAt: new Date(Date.UTC(2026, 10, 21, 12, 0, revision)).toISOString(),
    };
    const hash = eventHash({ ...content, previousHash });
    const event = {
      ...content,
      id: `e${revision}`,
      position: 10 * (revision + 1),
      metadata: { schemaVersion: 1, previousHash, hash },
    };
    previousHash = hash;
    return event;
  });
};

/** An in-memory store that counts the events it hands out. */
const storeOf = (events: RecordedEvent[]) => {
  const store = {
    eventsRead: 0,
    readStream: async (streamId: string, from = 0, maxCount = Infinity) => {
      const read = events
        .filter((event) => event.streamId === streamId && event.revision >= from)
        .slice(0, maxCount);
      store.eventsRead += read.length;
      return read;
    },
  };
  return store;
};

const statuses = async (events: RecordedEvent[], afterRevision?: number) =>
  (await playerHistory(storeOf(events), 'p1', { afterRevision, limit: 50 })).events.map(
    ({ revision, verification }) =>
      verification.status === 'broken'
        ? [revision, verification.broken.kind]
        : [revision, verification.status],
  );

describe('playerHistory', () => {
  it('pages an intact stream, every event verified against the one before it', async () => {
    const events = chainedStream(5);
    const first = await playerHistory(storeOf(events), 'p1', { limit: 2 });
    expect(first.events.map((event) => event.revision)).toEqual([0, 1]);
    expect(first.nextAfterRevision).toBe(1);
    const last = await playerHistory(storeOf(events), 'p1', { afterRevision: 3, limit: 2 });
    expect(last.events.map((event) => [event.revision, event.verification])).toEqual([
      [4, { status: 'verified' }],
    ]);
    expect(last.nextAfterRevision).toBeNull();
  });

  it("reads the page's events, not the rest of the stream", async () => {
    const store = storeOf(chainedStream(100));
    const page = await playerHistory(store, 'p1', { afterRevision: 10, limit: 5 });
    expect(page.events.map((event) => event.revision)).toEqual([11, 12, 13, 14, 15]);
    expect(page.events.every((event) => event.verification.status === 'verified')).toBe(true);
    expect(page.nextAfterRevision).toBe(15);
    // The event before the page (to check the first link), the page, one more (is there a next page?).
    expect(store.eventsRead).toBe(7);
    const last = await playerHistory(store, 'p1', { afterRevision: 94, limit: 5 });
    expect([last.events.length, last.nextAfterRevision]).toEqual([5, null]);
  });

  it('marks the altered event broken and judges the next against it as stored', async () => {
    const events = chainedStream(5);
    (events[2].data as { balanceAfter: number }).balanceAfter = 999;
    expect(await statuses(events)).toEqual([
      [0, 'verified'],
      [1, 'verified'],
      [2, 'altered'],
      [3, 'verified'],
      [4, 'verified'],
    ]);
  });

  it('marks where a deleted event was, also when the page starts right after it', async () => {
    const events = chainedStream(5).filter((event) => event.revision !== 2);
    expect(await statuses(events)).toEqual([
      [0, 'verified'],
      [1, 'verified'],
      [3, 'missing'],
      [4, 'verified'],
    ]);
    expect(await statuses(events, 2)).toEqual([
      [3, 'missing'],
      [4, 'verified'],
    ]);
  });

  it('marks events written before hashing as legacy', async () => {
    const events = chainedStream(2).map(({ metadata: _hashed, ...event }) => ({
      ...event,
      metadata: { schemaVersion: 1 },
    }));
    expect(await statuses(events)).toEqual([
      [0, 'legacy'],
      [1, 'legacy'],
    ]);
  });
});

describe('playerStateAt', () => {
  it('folds the stream up to a position or a moment into the wallet and inventory', async () => {
    const events = chainedStream(4);
    const byPosition = await playerStateAt(storeOf(events), 'p1', { position: 25 });
    expect(byPosition).toMatchObject({
      revision: 1,
      position: 20,
      wallet: { playerId: 'p1', balances: { GOLD: 90 }, revision: 1 },
      inventory: { playerId: 'p1', items: [{ sku: 'potion', quantity: 1 }], revision: 1 },
      verification: { ok: true, events: 2 },
    });
    const byMoment = await playerStateAt(storeOf(events), 'p1', {
      timestamp: new Date(events[2].occurredAt),
    });
    expect(byMoment).toMatchObject({ revision: 2, wallet: { balances: { GOLD: 80 } } });
  });

  it('says so when the events it folded do not verify', async () => {
    const events = chainedStream(3);
    (events[1].data as { balanceAfter: number }).balanceAfter = 1_000_000;
    const state = await playerStateAt(storeOf(events), 'p1', { position: 1000 });
    expect(state.verification).toMatchObject({ ok: false, broken: { kind: 'altered', revision: 1 } });
  });
});

describe('exportEvents of a player', () => {
  it('yields the whole stream in pages of 1,000, never reading more than a page at a time', async () => {
    const events = chainedStream(2500);
    const store = { ...storeOf(events), readAll: async () => [] };
    const pages: RecordedEvent[][] = [];
    for await (const page of exportEvents(store, { playerId: 'p1' })) pages.push(page);
    expect(pages.map((page) => page.length)).toEqual([1000, 1000, 500]);
    expect(pages.flat()).toEqual(events);
  });
});
