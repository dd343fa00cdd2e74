import { GENESIS_HASH, chainEvents, chainLink, verifyEventLog } from '@app/audit';
import { type DomainEvent, economy } from '@app/domain';
import type { EventStore, RecordedEvent, SnapshotStore } from '@app/event-store';
import { SqliteEventStore } from '@app/event-store/sqlite';
import { economyEvents, seededRandom } from '@test/support/randomEvents';
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { CommandContext } from './commandContext';
import { StreamCommandHandler } from './streamCommandHandler';
import { type SnapshotPolicy, encodeSnapshot } from './streamSnapshots';
import { type Fold, StreamStateCache } from './streamStateCache';

const STREAM = 'playerEconomy-p1';
const decider = economy.playerEconomyDecider;

/** Loading state from a real SQLite store: page by page, from the start or from a snapshot. */
describe('StreamStateCache.load (int)', () => {
  let dir: string;
  let file: string;
  let store: SqliteEventStore;
  /** Every readStream as [fromRevision, events read]. */
  let reads: [number, number][];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'aggregates-'));
    file = join(dir, 'events.db');
    store = new SqliteEventStore(file, { synchronous: 'NORMAL' });
    reads = [];
    const readStream = store.readStream.bind(store);
    store.readStream = async (streamId, fromRevision, maxCount) => {
      const page = await readStream(streamId, fromRevision, maxCount);
      if (streamId === STREAM) reads.push([fromRevision ?? 0, page.length]);
      return page;
    };
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Appends events hash-chained as the api writes them, after `count` random ones when given a number. */
  let lastHash = GENESIS_HASH;
  let revision = -1;
  beforeEach(() => {
    [lastHash, revision] = [GENESIS_HASH, -1];
  });
  const append = async (events: readonly DomainEvent[], via: EventStore = store) => {
    const occurredAt = new Date();
    const links = chainEvents(STREAM, revision + 1, occurredAt.toISOString(), lastHash, events);
    await via.appendToStream(
      STREAM,
      events.map(({ type, data }, i) => ({
        id: randomUUID(),
        type,
        data,
        metadata: { schemaVersion: 1, ...links[i] },
        occurredAt,
      })),
      revision === -1 ? 'no_stream' : revision,
    );
    [lastHash, revision] = [links[links.length - 1].hash, revision + events.length];
  };
  const grants = (from: number, count: number) =>
    Array.from({ length: count }, (_, i) => ({
      type: 'CurrencyGranted',
      data: { playerId: 'p1', currency: 'GOLD', amount: 1, reason: 'test', balanceAfter: from + i + 1 },
    }));
  const last = async () => (await store.readStream(STREAM, revision, 1))[0] as RecordedEvent;

  /** The snapshot policy over the store, with every save it was asked for, and the warnings it gave. */
  const snapshotting = (everyEvents: number) => {
    const saves: Promise<void>[] = [];
    const warnings: { message: string }[] = [];
    // This test's store: a snapshot a cache takes on a later turn must not land in the next test's.
    const testStore = store;
    const snapshotStore: SnapshotStore = {
      loadSnapshot: (streamId, version) => testStore.loadSnapshot(streamId, version),
      saveSnapshot: (snapshot) => {
        const saved = testStore.saveSnapshot(snapshot);
        saves.push(saved);
        return saved;
      },
    };
    const policy: SnapshotPolicy = {
      store: snapshotStore,
      everyEvents,
      logger: { warn: (message) => warnings.push(message as { message: string }) },
    };
    // Snapshots are taken on a later turn, then written with the next group commit.
    const written = async () => {
      await nextTurn();
      await Promise.all(saves);
      return saves.length;
    };
    return { policy, warnings, written };
  };
  const context = (key: string): CommandContext => ({
    actor: 'game-server',
    idempotencyKey: key,
    requestHash: `hash-of-${key}`,
    correlationId: key,
    receivedAt: new Date(),
  });
  const fullFold = <State, Event extends DomainEvent>(fold: Fold<State, Event>) =>
    new StreamStateCache(store).load(STREAM, fold);

  it('folds a stream of 2,500 events in pages of at most 1,000, then only its new tail', async () => {
    await append(grants(0, 2500));
    const states = new StreamStateCache(store);

    const loaded = await states.load(STREAM, decider);
    expect(reads).toEqual([
      [0, 1000],
      [1000, 1000],
      [2000, 500],
    ]);
    expect(loaded).toEqual({
      state: { balances: { GOLD: 2500 }, items: {}, tournaments: {}, rewards: {} },
      revision: 2499,
      position: (await last()).position,
      lastHash,
    });

    await append(grants(2500, 3));
    reads.length = 0;
    const again = await states.load(STREAM, decider);
    expect(reads).toEqual([[2500, 3]]);
    expect([again.state.balances, again.revision, again.lastHash]).toEqual([
      { GOLD: 2503 },
      2502,
      chainLink(await last()),
    ]);
  });

  it('starts a stream new to the process from its snapshot, then folds only what followed: the full fold', async () => {
    await append(economyEvents(seededRandom(11), 2500));
    const { policy, written, warnings } = snapshotting(1000);
    await new StreamStateCache(store, { snapshots: policy }).load(STREAM, decider);
    expect(await written()).toBe(1);
    expect(await store.loadSnapshot(STREAM, decider.snapshots!.version)).toMatchObject({ revision: 2499 });

    await append(economyEvents(seededRandom(12), 3));
    reads.length = 0;
    const cold = await new StreamStateCache(store, { snapshots: policy }).load(STREAM, decider);
    // The snapshot's last event is read to check it against the log, then the tail after it.
    expect(reads).toEqual([
      [2499, 1],
      [2500, 3],
    ]);
    expect(cold).toEqual(await fullFold(decider));
    expect(cold).toMatchObject({ revision: 2502, lastHash });
    expect(warnings).toEqual([]);
  });

  it('snapshots a stream once `everyEvents` followed its last snapshot, and not before', async () => {
    const { policy, written } = snapshotting(10);
    const states = new StreamStateCache(store, { snapshots: policy });
    const snapshotRevision = async () =>
      (await store.loadSnapshot(STREAM, decider.snapshots!.version))?.revision;
    await append(grants(0, 9));
    await states.load(STREAM, decider);
    expect([await written(), await snapshotRevision()]).toEqual([0, undefined]);
    await append(grants(9, 1));
    await states.load(STREAM, decider);
    expect([await written(), await snapshotRevision()]).toEqual([1, 9]);
    await append(grants(10, 9));
    await states.load(STREAM, decider);
    expect([await written(), await snapshotRevision()]).toEqual([1, 9]);
    await append(grants(19, 1));
    await states.load(STREAM, decider);
    expect([await written(), await snapshotRevision()]).toEqual([2, 19]);
  });

  it('ignores the snapshots of another version of the decider: a changed evolve folds from the start', async () => {
    await append(grants(0, 1500));
    // The evolve of an earlier release, with a bug: one more than each grant's balance.
    const earlier: Fold<economy.PlayerEconomy, economy.PlayerEconomyEvent> = {
      ...decider,
      evolve: (state, event) =>
        event.type === 'CurrencyGranted'
          ? decider.evolve(state, {
              ...event,
              data: { ...event.data, balanceAfter: event.data.balanceAfter + 1 },
            })
          : decider.evolve(state, event),
    };
    const { policy, written } = snapshotting(1000);
    const snapshotted = await new StreamStateCache(store, { snapshots: policy }).load(STREAM, earlier);
    expect(await written()).toBe(1);
    expect(snapshotted.state.balances).toEqual({ GOLD: 1501 });
    // A tail that leaves balances as they are.
    await append(
      Array.from({ length: 5 }, (_, i) => ({
        type: 'ItemConsumed',
        data: { playerId: 'p1', sku: 'elixir', quantity: 1, quantityAfter: 10 - i },
      })),
    );
    const expected = await fullFold(decider);

    // Released with its version bumped, the new evolve does not see them.
    const current = { ...decider, snapshots: { version: decider.snapshots!.version + 1 } };
    reads.length = 0;
    const loaded = await new StreamStateCache(store, { snapshots: policy }).load(STREAM, current);
    expect(reads[0]).toEqual([0, 1000]);
    expect(loaded).toEqual(expected);
    // Had the version stayed, the earlier fold's state would have been taken for the new one's.
    const unbumped = await new StreamStateCache(store, { snapshots: policy }).load(STREAM, decider);
    expect(unbumped.revision).toBe(expected.revision);
    expect(unbumped.state).not.toEqual(expected.state);
  });

  describe('a snapshot that cannot be trusted is not used: the stream is folded from its start', () => {
    const version = decider.snapshots!.version;
    const withSnapshot = async () => {
      await append(economyEvents(seededRandom(31), 1200));
      const { policy, written, warnings } = snapshotting(1000);
      await new StreamStateCache(store, { snapshots: policy }).load(STREAM, decider);
      expect(await written()).toBe(1);
      await append(economyEvents(seededRandom(32), 4));
      return { policy, warnings };
    };
    const loadCold = async (policy: SnapshotPolicy) => {
      reads.length = 0;
      const loaded = await new StreamStateCache(store, { snapshots: policy }).load(STREAM, decider);
      expect(reads).toContainEqual([0, Math.min(1000, revision + 1)]);
      expect(loaded).toEqual(await fullFold(decider));
    };
    /** Changes the stored row behind the store's back, as a disk or an operator might. */
    const damage = (sql: string) => {
      const db = new Database(file);
      expect(db.prepare(sql).run(STREAM, version).changes).toBe(1);
      db.close();
    };

    it('its row cut short', async () => {
      const { policy, warnings } = await withSnapshot();
      damage(
        'UPDATE snapshots SET payload = substr(payload, 1, length(payload) - 20) WHERE stream_id = ? AND version = ?',
      );
      await loadCold(policy);
      expect(warnings).toMatchObject([{ message: expect.stringContaining('damaged') }]);
    });

    it('a value in its row changed, the JSON still well-formed', async () => {
      const { policy, warnings } = await withSnapshot();
      damage(
        `UPDATE snapshots SET payload = replace(payload, '"position":', '"position":1') WHERE stream_id = ? AND version = ?`,
      );
      await loadCold(policy);
      expect(warnings).toMatchObject([{ message: expect.stringContaining('damaged') }]);
    });

    it('its revision changed', async () => {
      const { policy, warnings } = await withSnapshot();
      damage('UPDATE snapshots SET revision = revision - 1 WHERE stream_id = ? AND version = ?');
      await loadCold(policy);
      expect(warnings).toMatchObject([{ message: expect.stringContaining('damaged') }]);
    });

    it('intact, but of another log: at a revision whose event differs, or beyond the stream', async () => {
      await append(economyEvents(seededRandom(41), 20));
      const { policy, warnings } = snapshotting(1000);
      const { state } = await fullFold(decider);
      const [tenth] = await store.readStream(STREAM, 10, 1);
      const snapshot = (revision: number, position: number, hash: string) =>
        encodeSnapshot(STREAM, decider.snapshots!, { state, revision, position, lastHash: hash });
      await store.saveSnapshot(snapshot(10, tenth.position, 'f'.repeat(64)));
      await loadCold(policy);
      await store.saveSnapshot(snapshot(40, tenth.position + 30, lastHash));
      await loadCold(policy);
      expect(warnings).toMatchObject([
        { message: expect.stringContaining('does not match the log') },
        { message: expect.stringContaining('does not match the log') },
      ]);
    });
  });

  describe('with the store tracking appends: no tail read while nobody else appended', () => {
    const grant = (amount: number) => (state: economy.PlayerEconomy) =>
      decider.decide(
        { type: 'GrantCurrency', data: { playerId: 'p1', currency: 'GOLD', amount, reason: 'test' } },
        state,
      );
    const stored = async () => {
      const { state, revision, position, lastHash } = await fullFold(decider);
      return { state, revision, position, lastHash };
    };

    it("folds the handler's own appends as stored: later commands read nothing, the state is the full fold", async () => {
      const handler = new StreamCommandHandler(store);
      await handler.handle(STREAM, decider, grant(1), context('k0'));
      reads.length = 0;
      await Promise.all(
        [1, 2, 3].map((i) => handler.handle(STREAM, decider, grant(i + 1), context(`k${i}`))),
      );
      const loaded = await handler.load(STREAM, decider);
      expect(reads).toEqual([]);
      expect(loaded).toEqual(await stored());
      expect(loaded.state.balances).toEqual({ GOLD: 10 });
      await expect(verifyEventLog(store, { stream: STREAM })).resolves.toMatchObject({
        ok: true,
        chained: 4,
      });
    });

    it('reads the tail after an append it did not make: unclaimed through the same store, or another connection', async () => {
      const handler = new StreamCommandHandler(store);
      const command = async (key: string) => {
        reads.length = 0;
        await handler.handle(STREAM, decider, grant(1), context(key));
        [lastHash, revision] = [(await handler.load(STREAM, decider)).lastHash, revision + 1];
        return reads.slice();
      };
      await command('k0');
      await append(grants(1, 1)); // through the same store, not claimed by the handler
      expect(await command('k1')).toEqual([[1, 1]]);
      const other = new SqliteEventStore(file, { synchronous: 'NORMAL' });
      try {
        await append(grants(3, 1), other);
      } finally {
        await other.close();
      }
      expect(await command('k2')).toEqual([[3, 1]]);
      expect(await handler.load(STREAM, decider)).toEqual(await stored());
      expect((await stored()).state.balances).toEqual({ GOLD: 5 });
      await expect(verifyEventLog(store, { stream: STREAM })).resolves.toMatchObject({
        ok: true,
        chained: 5,
      });
    });
  });

  it('runs commands on a stream loaded from its snapshot: the chain continues and a retry is recognised', async () => {
    const { policy, written } = snapshotting(5);
    const grant = (state: economy.PlayerEconomy) =>
      decider.decide(
        { type: 'GrantCurrency', data: { playerId: 'p1', currency: 'GOLD', amount: 2, reason: 'test' } },
        state,
      );
    const first = new StreamCommandHandler(store, policy);
    const results = [];
    for (let i = 0; i < 12; i++) results.push(await first.handle(STREAM, decider, grant, context(`k${i}`)));
    // Each command's load sees the revision before it: snapshots at revisions 4 and 9.
    expect(await written()).toBe(2);
    expect(await store.loadSnapshot(STREAM, decider.snapshots!.version)).toMatchObject({ revision: 9 });

    reads.length = 0;
    const second = new StreamCommandHandler(store, policy);
    const retried = await second.handle(STREAM, decider, grant, context('k3'));
    expect(reads).toEqual([
      [9, 1],
      [10, 2],
    ]);
    expect(retried).toEqual({ ...results[3], replayed: true });
    const next = await second.handle(STREAM, decider, grant, context('k12'));
    expect(next).toMatchObject({ revision: 12, replayed: false });
    expect((await second.load(STREAM, decider)).state.balances).toEqual({ GOLD: 26 });
    await expect(verifyEventLog(store, { stream: STREAM })).resolves.toMatchObject({ ok: true, chained: 13 });
  });
});
