import { randomUUID } from 'node:crypto';
import {
  EventIdConflictError,
  type EventStore,
  type NewEvent,
  type RecordedEvent,
  type RecordedEventWithoutMetadata,
  type Subscription,
  WrongExpectedRevisionError,
} from '@app/event-store';

export type ContractProbes = {
  /**
   * Events the store has read from its server so far, for a store that reads over the network: bounds
   * what an append costs. A store without one (SQLite reads an index) skips those assertions.
   */
  eventsRead?: () => number;
};

/**
 * The behaviour every event store adapter must have. Stream names are unique per test so the suite
 * can run against a shared server that already holds data, but no other writer runs meanwhile.
 */
export const eventStoreContract = (
  name: string,
  open: () => Promise<EventStore>,
  probes: ContractProbes = {},
) => {
  describe(`event store contract: ${name}`, () => {
    let store: EventStore;
    beforeAll(async () => {
      store = await open();
    });
    afterAll(async () => {
      await store?.close();
    });

    const stream = () => `contract-${randomUUID()}`;
    const event = (n: number): NewEvent => ({
      id: randomUUID(),
      type: 'Counted',
      data: { n },
      metadata: { schemaVersion: 1, correlationId: 'c-1', causationId: 'k-1', actor: 'test' },
      occurredAt: new Date('2026-01-02T03:04:05.678Z'),
    });

    it('appends to a new stream and reads it back in revision order', async () => {
      const id = stream();
      const result = await store.appendToStream(id, [event(1), event(2)], 'no_stream');
      expect(result.nextRevision).toBe(1);
      const events = await store.readStream(id);
      expect(events.map((e) => [e.revision, (e.data as { n: number }).n])).toEqual([
        [0, 1],
        [1, 2],
      ]);
      expect(events[1].position).toBe(result.position);
      expect(events[0].position).toBeLessThan(events[1].position);
      expect(events[0]).toMatchObject({
        streamId: id,
        type: 'Counted',
        occurredAt: '2026-01-02T03:04:05.678Z',
        metadata: { schemaVersion: 1, correlationId: 'c-1', causationId: 'k-1', actor: 'test' },
      });
    });

    it('reads a stream from a revision, and an unknown stream as empty', async () => {
      const id = stream();
      await store.appendToStream(id, [event(1), event(2), event(3)], 'no_stream');
      expect((await store.readStream(id, 2)).map((e) => e.revision)).toEqual([2]);
      expect(await store.readStream(stream())).toEqual([]);
    });

    it('rejects no_stream on an existing stream', async () => {
      const id = stream();
      await store.appendToStream(id, [event(1)], 'no_stream');
      await expect(store.appendToStream(id, [event(2)], 'no_stream')).rejects.toBeInstanceOf(
        WrongExpectedRevisionError,
      );
    });

    it('appends at the exact expected revision and rejects a stale one', async () => {
      const id = stream();
      await store.appendToStream(id, [event(1)], 'no_stream');
      await expect(store.appendToStream(id, [event(2)], 0)).resolves.toMatchObject({ nextRevision: 1 });
      await expect(store.appendToStream(id, [event(3)], 0)).rejects.toMatchObject({
        name: 'WrongExpectedRevisionError',
        actual: 1,
      });
      await expect(store.appendToStream(stream(), [event(3)], 4)).rejects.toBeInstanceOf(
        WrongExpectedRevisionError,
      );
    });

    it('appends with any whatever the revision', async () => {
      const id = stream();
      await store.appendToStream(id, [event(1)], 'any');
      await expect(store.appendToStream(id, [event(2)], 'any')).resolves.toMatchObject({ nextRevision: 1 });
    });

    it('lets exactly one of many concurrent appends at the same revision win', async () => {
      const id = stream();
      await store.appendToStream(id, [event(0)], 'no_stream');
      const outcomes = await Promise.allSettled(
        Array.from({ length: 20 }, (_, i) => store.appendToStream(id, [event(i + 1)], 0)),
      );
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      const failures = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
      expect(failures).toHaveLength(19);
      for (const failure of failures) expect(failure.reason).toBeInstanceOf(WrongExpectedRevisionError);
      expect(await store.readStream(id)).toHaveLength(2);
    });

    it('treats a repeated append of the same event ids as a no-op returning the first result', async () => {
      const id = stream();
      const events = [event(1), event(2)];
      const first = await store.appendToStream(id, events, 'no_stream');
      expect(first.written).toBe(true);
      const retried = { ...first, written: false };
      await expect(store.appendToStream(id, events, 'no_stream')).resolves.toEqual(retried);
      await expect(store.appendToStream(id, events, 'any')).resolves.toEqual(retried);
      expect(await store.readStream(id)).toHaveLength(2);
    });

    it('recognises a retried append decided after the stream moved on', async () => {
      const id = stream();
      const events = [event(1), event(2)];
      const first = await store.appendToStream(id, events, 'no_stream');
      await store.appendToStream(id, [event(3)], 1);
      await expect(store.appendToStream(id, events, 2)).resolves.toEqual({ ...first, written: false });
      await expect(store.appendToStream(id, [events[0], event(4)], 2)).rejects.toBeInstanceOf(
        EventIdConflictError,
      );
      expect(await store.readStream(id)).toHaveLength(3);
    });

    it('reads a stream from a revision, at most maxCount events', async () => {
      const id = stream();
      await store.appendToStream(id, [event(1), event(2), event(3), event(4)], 'no_stream');
      const numbers = (events: RecordedEvent[]) => events.map((e) => (e.data as { n: number }).n);
      expect(numbers(await store.readStream(id, 1, 2))).toEqual([2, 3]);
      expect(numbers(await store.readStream(id, 2))).toEqual([3, 4]);
      expect(numbers(await store.readStream(id, 3, 10))).toEqual([4]);
      expect(await store.readStream(id, 4, 1)).toEqual([]);
    });

    it('finds an event by id within its stream', async () => {
      const id = stream();
      const events = [event(1), event(2)];
      await store.appendToStream(id, events, 'no_stream');
      await expect(store.findEvent(id, events[1].id)).resolves.toMatchObject({
        id: events[1].id,
        revision: 1,
      });
      await expect(store.findEvent(id, randomUUID())).resolves.toBeUndefined();
    });

    it('orders the global log across streams and reads it strictly after a position', async () => {
      const start = await store.headPosition();
      const [a, b] = [stream(), stream()];
      await store.appendToStream(a, [event(1)], 'no_stream');
      await store.appendToStream(b, [event(2)], 'no_stream');
      await store.appendToStream(a, [event(3)], 0);
      const log = (await store.readAll(start, 1000)).filter((e) => e.streamId === a || e.streamId === b);
      expect(log.map((e) => (e.data as { n: number }).n)).toEqual([1, 2, 3]);
      expect(log.every((e, i) => i === 0 || e.position > log[i - 1].position)).toBe(true);
      const afterFirst = await store.readAll(log[0].position, 1000);
      expect(afterFirst[0].position).toBeGreaterThan(log[0].position);
      expect(await store.readAll(start, 2)).toHaveLength(2);
      expect(await store.headPosition()).toBeGreaterThanOrEqual(log[2].position);
    });

    it('reads the global log without metadata: the events of readAll, without the key', async () => {
      const start = await store.headPosition();
      const [a, b] = [stream(), stream()];
      await store.appendToStream(a, [event(1), event(2)], 'no_stream');
      await store.appendToStream(b, [event(3)], 'no_stream');
      const ours = (e: { streamId: string }) => e.streamId === a || e.streamId === b;
      const full = (await store.readAll(start, 1000)).filter(ours);
      const bare = (await store.readAllWithoutMetadata(start, 1000)).filter(ours);
      expect(full).toHaveLength(3);
      expect(bare).toEqual(full.map(({ metadata: _metadata, ...rest }) => rest));
      expect(bare.filter((e) => 'metadata' in e)).toEqual([]);
      const afterFirst = await store.readAllWithoutMetadata(full[0].position, 1);
      expect(afterFirst).toHaveLength(1);
      expect(afterFirst[0].position).toBeGreaterThan(full[0].position);
    });

    it("reads each event's link (position, stream, revision, stored hash) as readAll has it", async () => {
      const start = await store.headPosition();
      const [a, b] = [stream(), stream()];
      const hashed = (n: number, hash: string): NewEvent => {
        const plain = event(n);
        return { ...plain, metadata: { ...plain.metadata, previousHash: '0'.repeat(64), hash } };
      };
      await store.appendToStream(a, [hashed(1, 'a'.repeat(64)), hashed(2, 'b'.repeat(64))], 'no_stream');
      await store.appendToStream(b, [event(3)], 'no_stream');
      const ours = (e: { streamId: string }) => e.streamId === a || e.streamId === b;
      const full = (await store.readAll(start, 1000)).filter(ours);
      const links = (await store.readLinks(start, 1000)).filter(ours);
      expect(links).toEqual(
        full.map(({ position, streamId, revision, metadata }) => ({
          position,
          streamId,
          revision,
          ...(metadata.hash ? { hash: metadata.hash } : {}),
        })),
      );
      expect(links.map((link) => link.hash)).toEqual(['a'.repeat(64), 'b'.repeat(64), undefined]);
      expect('hash' in links[2]).toBe(false);
      const afterFirst = await store.readLinks(full[0].position, 1);
      expect(afterFirst).toEqual([links[1]]);
    });

    it('subscribes without metadata: the events of readAll, without the key', async () => {
      const start = await store.headPosition();
      const id = stream();
      await store.appendToStream(id, [event(1), event(2)], 'no_stream');
      const received: RecordedEventWithoutMetadata[] = [];
      let resolveAll: () => void;
      const allReceived = new Promise<void>((resolve) => (resolveAll = resolve));
      const subscription = store.subscribeToAllWithoutMetadata({
        after: start,
        batchSize: 1,
        onEvents: async (events) => {
          received.push(...events.filter((e) => e.streamId === id));
          if (received.length >= 3) resolveAll();
        },
      });
      await store.appendToStream(id, [event(3)], 1);
      await allReceived;
      await subscription.close();
      const full = (await store.readAll(start, 1000)).filter((e) => e.streamId === id);
      expect(received).toEqual(full.map(({ metadata: _metadata, ...rest }) => rest));
      expect(received.filter((e) => 'metadata' in e)).toEqual([]);
    });

    it('subscribes from a position: catch-up, then live, with no gap and no duplicate', async () => {
      const start = await store.headPosition();
      const id = stream();
      const received: RecordedEvent[] = [];
      await store.appendToStream(
        id,
        Array.from({ length: 30 }, (_, i) => event(i)),
        'no_stream',
      );

      let resolveAll: () => void;
      const allReceived = new Promise<void>((resolve) => (resolveAll = resolve));
      const subscription = store.subscribeToAll({
        after: start,
        batchSize: 7,
        onEvents: async (events) => {
          received.push(...events.filter((e) => e.streamId === id));
          if (received.length >= 100) resolveAll();
        },
      });
      // Live appends race the catch-up on purpose.
      for (let i = 30; i < 100; i += 10) {
        await store.appendToStream(
          id,
          Array.from({ length: 10 }, (_, k) => event(i + k)),
          i - 1,
        );
      }
      await allReceived;
      await subscription.close();

      expect(received.map((e) => e.revision)).toEqual(Array.from({ length: 100 }, (_, i) => i));
      expect(new Set(received.map((e) => e.position)).size).toBe(100);
    });

    it('refuses an event id already used in another stream, writing nothing', async () => {
      const [a, b] = [stream(), stream()];
      const reused = event(1);
      await store.appendToStream(a, [reused], 'no_stream');
      await expect(store.appendToStream(b, [reused], 'no_stream')).rejects.toBeInstanceOf(
        EventIdConflictError,
      );
      await expect(store.appendToStream(b, [reused, event(2)], 'any')).rejects.toBeInstanceOf(
        EventIdConflictError,
      );
      expect(await store.readStream(b)).toEqual([]);
      expect(await store.findEvent(b, reused.id)).toBeUndefined();
    });

    it('leaves the ids of a refused append free for any stream', async () => {
      const [a, b] = [stream(), stream()];
      await store.appendToStream(a, [event(0)], 'no_stream');
      const refused = [event(1)];
      await expect(store.appendToStream(a, refused, 'no_stream')).rejects.toBeInstanceOf(
        WrongExpectedRevisionError,
      );
      await expect(store.appendToStream(b, refused, 'no_stream')).resolves.toMatchObject({ written: true });
    });

    it('answers concurrent identical appends with one write: the others are retries or conflicts', async () => {
      const id = stream();
      const events = [event(1), event(2)];
      const outcomes = await Promise.allSettled(
        Array.from({ length: 6 }, () => store.appendToStream(id, events, 'no_stream')),
      );
      const results = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
      const written = results.filter((result) => result.written);
      expect(written).toHaveLength(1);
      for (const result of results.filter((r) => !r.written)) {
        expect(result).toEqual({ ...written[0], written: false });
      }
      for (const o of outcomes) {
        if (o.status === 'rejected') expect(o.reason).toBeInstanceOf(WrongExpectedRevisionError);
      }
      expect((await store.readStream(id)).map((e) => e.id)).toEqual(events.map((e) => e.id));
    });

    it('reads a bounded number of events per append on a long stream, and still knows its first append', async () => {
      const id = stream();
      const first = Array.from({ length: 3 }, (_, i) => event(i));
      const firstResult = await store.appendToStream(id, first, 'no_stream');
      let revision = 2;
      for (let batch = 0; batch < 10; batch++) {
        const events = Array.from({ length: 500 }, (_, i) => event(3 + batch * 500 + i));
        revision = (await store.appendToStream(id, events, revision)).nextRevision;
      }
      const before = probes.eventsRead?.();
      await store.appendToStream(id, [event(-1)], revision);
      await expect(store.appendToStream(id, first, revision + 1)).resolves.toEqual({
        ...firstResult,
        written: false,
      });
      // A replay asks for a command's events in order, its first first.
      await expect(store.findEvent(id, first[0].id)).resolves.toMatchObject({ revision: 0 });
      await expect(store.findEvent(id, first[1].id)).resolves.toMatchObject({ revision: 1 });
      await expect(store.findEvent(id, first[2].id)).resolves.toMatchObject({ revision: 2 });
      if (before !== undefined) {
        // Claims or index lookups and the events asked for: not the stream.
        expect(probes.eventsRead!() - before).toBeLessThanOrEqual(16);
      }
      expect(await store.readStream(id, revision + 1)).toHaveLength(1);
    }, 60_000);

    it('keeps the head and full pages of the log past 60, then 1,001 lease renewals', async () => {
      const lease = `relay-${randomUUID()}`;
      const id = stream();
      const start = await store.headPosition();
      let last = await store.appendToStream(id, [event(0)], 'no_stream');
      for (const renewals of [60, 1001]) {
        const previous = last;
        let held = 0;
        for (let i = 0; i < renewals; i++) if (await store.acquireLease(lease, 'a', 60_000)) held++;
        expect(held).toBe(renewals);
        // The head is the last event appended, whatever the store wrote for the lease since.
        expect(await store.headPosition()).toBe(previous.position);
        last = await store.appendToStream(id, [event(renewals)], previous.nextRevision);
        // A page after the previous event is not eaten by the renewals: it holds the next one.
        expect((await store.readAll(previous.position, 1)).map((e) => e.position)).toEqual([last.position]);
      }
      const page = await store.readAll(start, 3);
      expect(page.map((e) => (e.data as { n: number }).n)).toEqual([0, 60, 1001]);
      expect(await store.readAll(last.position, 10)).toEqual([]);
      await store.releaseLease(lease, 'a');
    }, 120_000);

    it('lets one owner renew and checkpoint the same lease concurrently without losing it', async () => {
      const name = `relay-${randomUUID()}`;
      expect(await store.acquireLease(name, 'a', 60_000)).toBe(true);
      for (let round = 1; round <= 20; round++) {
        const outcomes = await Promise.all([
          store.acquireLease(name, 'a', 60_000),
          store.saveCheckpoint(name, 'a', round),
          store.acquireLease(name, 'a', 60_000),
        ]);
        expect(outcomes).toEqual([true, true, true]);
      }
      expect(await store.loadCheckpoint(name)).toBe(20);
      expect((await store.leaseHolder(name))?.owner).toBe('a');
      expect(await store.acquireLease(name, 'b', 60_000)).toBe(false);
    });

    it('delivers what is available in batches of up to batchSize', async () => {
      const start = await store.headPosition();
      const id = stream();
      await store.appendToStream(
        id,
        Array.from({ length: 30 }, (_, i) => event(i)),
        'no_stream',
      );
      const sizes: number[] = [];
      const total = () => sizes.reduce((sum, size) => sum + size, 0);
      let subscription!: Subscription;
      await new Promise<void>((resolve) => {
        subscription = store.subscribeToAll({
          after: start,
          batchSize: 7,
          onEvents: async ({ length }) => {
            sizes.push(length);
            if (total() >= 30) resolve();
          },
        });
      });
      await subscription.close();
      expect(total()).toBe(30);
      expect(Math.max(...sizes)).toBe(7);
    });

    it('stops a subscription whose handler fails, and reports the failure to onError', async () => {
      const start = await store.headPosition();
      const id = stream();
      await store.appendToStream(id, [event(1)], 'no_stream');
      const failure = new Error('the handler failed');
      let calls = 0;
      let reported!: (error: unknown) => void;
      const onError = new Promise<unknown>((resolve) => (reported = resolve));
      const subscription = store.subscribeToAll({
        after: start,
        onEvents: async () => {
          calls++;
          throw failure;
        },
        onError: reported,
      });
      expect(await onError).toBe(failure);
      await store.appendToStream(id, [event(2)], 0);
      await subscription.close();
      expect(calls).toBe(1);
    });

    it('closes a subscription, live or not yet started, and delivers nothing after', async () => {
      const id = stream();
      const start = await store.headPosition();
      const received: RecordedEvent[] = [];
      const onEvents = async (events: RecordedEvent[]) => {
        received.push(...events.filter((e) => e.streamId === id));
      };
      const unstarted = store.subscribeToAll({ after: start, onEvents });
      await unstarted.close();
      await store.appendToStream(id, [event(1)], 'no_stream');
      let resolveLive: () => void;
      const live = new Promise<void>((resolve) => (resolveLive = resolve));
      const subscription = store.subscribeToAll({
        after: start,
        onEvents: async (events) => {
          await onEvents(events);
          if (received.length > 0) resolveLive();
        },
      });
      await live;
      await subscription.close();
      await store.appendToStream(id, [event(2)], 0);
      await store.headPosition();
      expect(received.map((e) => e.revision)).toEqual([0]);
    });

    describe('reading the streams of a prefix', () => {
      const readPrefix = async (
        prefix: string,
        options: Parameters<EventStore['readStreamsByPrefix']>[1] = {},
      ): Promise<RecordedEvent[][]> => {
        const batches: RecordedEvent[][] = [];
        for await (const batch of store.readStreamsByPrefix(prefix, options)) batches.push(batch);
        return batches;
      };
      const ids = (batches: RecordedEvent[][]) => batches.flat().map((e) => e.streamId);
      // Names unique to the test, so a shared server's other streams never match.
      const namespace = () => `contract-${randomUUID()}-`;

      it('matches the prefix literally: `_` and `%` are characters, not wildcards', async () => {
        const ns = namespace();
        const names = [
          'abc.',
          'abc.x',
          'abc.x_1',
          'abc.%',
          'abc',
          'abd',
          'abd.x',
          'abcd',
          'abc_',
          'ab%',
          'a_c.x',
        ];
        for (const name of names) await store.appendToStream(ns + name, [event(1)], 'no_stream');
        const sorted = async (prefix: string) => ids(await readPrefix(ns + prefix)).sort();
        expect(await sorted('abc.')).toEqual(['abc.', 'abc.%', 'abc.x', 'abc.x_1'].map((n) => ns + n).sort());
        expect(await sorted('abc.x')).toEqual([ns + 'abc.x', ns + 'abc.x_1']);
        expect(await sorted('abd')).toEqual([ns + 'abd', ns + 'abd.x']);
        expect(await sorted('ab_')).toEqual([]);
        expect(await sorted('ab%')).toEqual([ns + 'ab%']);
        expect(await sorted('a_c.')).toEqual([ns + 'a_c.x']);
        expect(await sorted('abc.x_')).toEqual([ns + 'abc.x_1']);
      });

      it('yields the events of every stream in global order, as readAll has them', async () => {
        const start = await store.headPosition();
        const ns = namespace();
        const [a, b, c] = ['board.a', 'board.b', 'board.c'].map((name) => ns + name);
        await store.appendToStream(b, [event(1)], 'no_stream');
        await store.appendToStream(ns + 'other', [event(2)], 'no_stream');
        await store.appendToStream(a, [event(3), event(4)], 'no_stream');
        await store.appendToStream(c, [event(5)], 'no_stream');
        await store.appendToStream(b, [event(6)], 0);
        const events = (await readPrefix(ns + 'board.')).flat();
        expect(events.map((e) => (e.data as { n: number }).n)).toEqual([1, 3, 4, 5, 6]);
        const log = (await store.readAll(start, 1000)).filter((e) => e.streamId.startsWith(ns + 'board.'));
        expect(events).toEqual(log);
      });

      it('reads positions in (after, until], until at most the head', async () => {
        const ns = namespace();
        const id = ns + 'p.1';
        await store.appendToStream(id, [event(1)], 'no_stream');
        await store.appendToStream(ns + 'p.2', [event(2), event(3)], 'no_stream');
        await store.appendToStream(id, [event(4)], 0);
        const all = (await readPrefix(ns + 'p.')).flat();
        const [p1, p2, p3, p4] = all.map((e) => e.position);
        const numbers = async (options: { after?: number; until?: number }) =>
          (await readPrefix(ns + 'p.', options)).flat().map((e) => (e.data as { n: number }).n);
        expect(all).toHaveLength(4);
        expect(await numbers({ after: p1 })).toEqual([2, 3, 4]);
        expect(await numbers({ until: p3 })).toEqual([1, 2, 3]);
        expect(await numbers({ after: p1, until: p3 })).toEqual([2, 3]);
        expect(await numbers({ after: p2, until: p2 })).toEqual([]);
        expect(await numbers({ after: p3, until: p2 })).toEqual([]);
        expect(await numbers({ after: p4 })).toEqual([]);
        expect(await numbers({ after: 0, until: p1 })).toEqual([1]);
        expect(await numbers({ until: Number.MAX_SAFE_INTEGER })).toEqual([1, 2, 3, 4]);
      });

      it('yields batches of at most batchSize, in order, none empty', async () => {
        const ns = namespace();
        for (let i = 0; i < 5; i++) await store.appendToStream(`${ns}s.${i}`, [event(i)], 'no_stream');
        const batches = await readPrefix(ns + 's.', { batchSize: 2 });
        expect(batches.map((batch) => batch.length)).toEqual([2, 2, 1]);
        expect(batches.flat().map((e) => (e.data as { n: number }).n)).toEqual([0, 1, 2, 3, 4]);
        expect((await readPrefix(ns + 's.', { batchSize: 5 })).map((batch) => batch.length)).toEqual([5]);
        expect((await readPrefix(ns + 's.', { batchSize: 1000 })).map((batch) => batch.length)).toEqual([5]);
        await expect(readPrefix(ns + 's.', { batchSize: 0 })).rejects.toBeInstanceOf(RangeError);
      });

      it('yields no batch when no stream has the prefix', async () => {
        expect(await readPrefix(namespace())).toEqual([]);
      });

      it('reads the log as it was when the iteration started', async () => {
        const ns = namespace();
        await store.appendToStream(ns + 'live.a', [event(1), event(2)], 'no_stream');
        const seen: number[] = [];
        for await (const batch of store.readStreamsByPrefix(ns + 'live.', { batchSize: 1 })) {
          seen.push(...batch.map((e) => (e.data as { n: number }).n));
          if (seen.length === 1) await store.appendToStream(ns + 'live.b', [event(3)], 'no_stream');
        }
        expect(seen).toEqual([1, 2]);
        expect(ids(await readPrefix(ns + 'live.'))).toEqual([ns + 'live.a', ns + 'live.a', ns + 'live.b']);
      });

      it('stops reading when the consumer stops early', async () => {
        const ns = namespace();
        await store.appendToStream(ns + 'early.a', [event(1), event(2), event(3)], 'no_stream');
        for await (const batch of store.readStreamsByPrefix(ns + 'early.', { batchSize: 1 })) {
          expect(batch).toHaveLength(1);
          break;
        }
        expect((await readPrefix(ns + 'early.')).flat()).toHaveLength(3);
      });
    });

    it('tells who holds a lease until when, and nobody once it is released', async () => {
      const lease = `relay-${randomUUID()}`;
      expect(await store.leaseHolder(lease)).toBeUndefined();
      const before = Date.now();
      expect(await store.acquireLease(lease, 'a', 60_000)).toBe(true);
      const holder = await store.leaseHolder(lease);
      expect(holder?.owner).toBe('a');
      expect(holder!.expiresAt).toBeGreaterThanOrEqual(before + 60_000);
      await store.releaseLease(lease, 'a');
      expect(await store.leaseHolder(lease)).toBeUndefined();
    });

    it('grants a lease to one owner at a time and lets it lapse or be released', async () => {
      const lease = `relay-${randomUUID()}`;
      expect(await store.acquireLease(lease, 'a', 60_000)).toBe(true);
      expect(await store.acquireLease(lease, 'b', 60_000)).toBe(false);
      expect(await store.acquireLease(lease, 'a', 60_000)).toBe(true);
      await store.releaseLease(lease, 'b');
      expect(await store.acquireLease(lease, 'b', 60_000)).toBe(false);
      await store.releaseLease(lease, 'a');
      expect(await store.acquireLease(lease, 'b', 1)).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(await store.acquireLease(lease, 'a', 60_000)).toBe(true);
    });

    it('moves a checkpoint only for the holder of its lease', async () => {
      const name = `relay-${randomUUID()}`;
      expect(await store.loadCheckpoint(name)).toBe(0);
      expect(await store.saveCheckpoint(name, 'a', 5)).toBe(false);
      expect(await store.acquireLease(name, 'a', 60_000)).toBe(true);
      expect(await store.saveCheckpoint(name, 'a', 5)).toBe(true);
      expect(await store.saveCheckpoint(name, 'b', 9)).toBe(false);
      expect(await store.loadCheckpoint(name)).toBe(5);
      await store.releaseLease(name, 'a');
      expect(await store.acquireLease(name, 'b', 60_000)).toBe(true);
      expect(await store.saveCheckpoint(name, 'b', 9)).toBe(true);
      expect(await store.saveCheckpoint(name, 'a', 12)).toBe(false);
      expect(await store.loadCheckpoint(name)).toBe(9);
    });
  });
};
