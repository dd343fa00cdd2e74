import { randomUUID } from 'node:crypto';
import { eventStoreContract } from '@test/support/eventStoreContract';
import {
  type Call,
  RecordingEsdbClient,
  type RecordingClientOptions,
} from '@test/support/recordingEsdbClient';
import { snapshotStoreContract } from '@test/support/snapshotStoreContract';
import { EventIdConflictError, type NewEvent, WrongExpectedRevisionError } from '../eventStore';
import { ReadTimeoutError, UnsupportedServerError } from './esdbClient';
import { EsdbEventStore, type EsdbEventStoreOptions } from './esdbEventStore';

// The contract against the recording fake: the adapter's logic against the client's semantics as the
// fake follows them. Not integration: only a server shows what the server does (esdbEventStore.int.spec).
let contractClient: RecordingEsdbClient;
eventStoreContract(
  'EventStoreDB adapter on the recording fake',
  async () => {
    contractClient = new RecordingEsdbClient();
    return new EsdbEventStore(contractClient.connection());
  },
  { eventsRead: () => contractClient.served() },
);
snapshotStoreContract(
  'EventStoreDB adapter on the recording fake',
  async () => new EsdbEventStore(new RecordingEsdbClient().connection()),
);

/**
 * The adapter's call patterns against a recording fake of @eventstore/db-client 6.2.1: what it reads, how
 * much, whether it closes every call. These prove the adapter's side only; what a server does is for the
 * contract suite against a server (esdbEventStore.int.spec.ts).
 */
describe('EventStoreDB adapter call patterns (recording fake, not a server)', () => {
  const open = (options: RecordingClientOptions = {}, storeOptions: EsdbEventStoreOptions = {}) => {
    const client = new RecordingEsdbClient(options);
    return { client, store: new EsdbEventStore(client.connection(), storeOptions) };
  };
  const event = (n: number): NewEvent => ({
    id: randomUUID(),
    type: 'Counted',
    data: { n },
    metadata: { schemaVersion: 1 },
    occurredAt: new Date(),
  });
  const since = (client: RecordingEsdbClient, from: number, method: Call['method']) =>
    client.calls.slice(from).filter((call) => call.method === method);
  const maxCountOf = (call: Call) => Number((call.options as { maxCount: number | bigint }).maxCount);
  const renew = async (store: EsdbEventStore, times: number) => {
    for (let i = 0; i < times; i++) expect(await store.acquireLease('relay', 'a', 60_000)).toBe(true);
  };

  /** Rounds of a renewal and a checkpoint of owner a at once, each expected to succeed. */
  const renewWhileCheckpointing = async (renewer: EsdbEventStore, saver: EsdbEventStore, rounds: number) => {
    for (let round = 1; round <= rounds; round++) {
      const outcomes = await Promise.all([
        renewer.acquireLease('relay', 'a', 60_000),
        saver.saveCheckpoint('relay', 'a', round),
      ]);
      expect(outcomes).toEqual([true, true]);
    }
  };

  it('H1: fills a page past 1,001 lease renewals, each request bounded, every call closed', async () => {
    const { client, store } = open();
    const first = await store.appendToStream('s', [event(1)], 'no_stream');
    await renew(store, 1001);
    const second = await store.appendToStream('s', [event(2)], 0);
    const from = client.calls.length;
    expect((await store.readAll(first.position, 1)).map((e) => e.position)).toEqual([second.position]);
    expect((await store.readAll(0, 10)).map((e) => e.position)).toEqual([first.position, second.position]);
    const reads = since(client, from, 'readAll');
    expect(reads.length).toBeGreaterThan(2);
    for (const read of reads) expect(maxCountOf(read)).toBeLessThanOrEqual(256);
    expect(client.open()).toEqual([]);
  });

  it('H2: answers the last user event as the head past 1,001 renewals, then reads back only what is new', async () => {
    const { client, store } = open();
    expect(await store.headPosition()).toBe(0);
    const appended = await store.appendToStream('s', [event(1)], 'no_stream');
    await renew(store, 1001);
    let from = client.calls.length;
    expect(await store.headPosition()).toBe(appended.position);
    const walked = since(client, from, 'readAll').filter((read) => maxCountOf(read) > 1);
    expect(walked.map(maxCountOf)).toEqual([16, 32, 64, 128, 256, 256, 256]);
    for (const read of walked) expect(read.options).toMatchObject({ direction: 'backwards' });
    await renew(store, 10);
    from = client.calls.length;
    expect(await store.headPosition()).toBe(appended.position);
    // The last record, then one request of 16 covering the ten renewals since the previous answer.
    expect(client.servedSince(from)).toBe(1 + 16);
    from = client.calls.length;
    expect(await store.headPosition()).toBe(appended.position);
    expect(client.servedSince(from)).toBe(1);
    const next = await store.appendToStream('s', [event(2)], 0);
    await renew(store, 3);
    expect(await store.headPosition()).toBe(next.position);
    expect(client.open()).toEqual([]);
  });

  it('H3: queues one lease’s renewals and checkpoints in a process: no write conflicts with itself', async () => {
    const { client, store } = open();
    await renew(store, 1);
    await renewWhileCheckpointing(store, store, 20);
    expect(client.conflicts).toBe(0);
    expect(await store.loadCheckpoint('relay')).toBe(20);
    expect(client.streamMetadata('$lease-relay')).toEqual({ maxCount: 10 });
  });

  it('H3: retries a lease write lost to the same owner, and still refuses another owner', async () => {
    const client = new RecordingEsdbClient();
    const [one, two] = [new EsdbEventStore(client.connection()), new EsdbEventStore(client.connection())];
    await renew(one, 1);
    await renewWhileCheckpointing(one, two, 10);
    expect(client.conflicts).toBeGreaterThan(0);
    expect(await two.acquireLease('relay', 'b', 60_000)).toBe(false);
  });

  it('H4: an append reads its claim, not its stream, however long the stream', async () => {
    const { client, store } = open();
    const first = [event(0), event(1)];
    let revision = (await store.appendToStream('long', first, 'no_stream')).nextRevision;
    for (let batch = 0; batch < 10; batch++) {
      const events = Array.from({ length: 500 }, (_, i) => event(i));
      revision = (await store.appendToStream('long', events, revision)).nextRevision;
    }
    let from = client.calls.length;
    await store.appendToStream('long', [event(-1)], revision);
    expect(client.servedSince(from)).toBe(0);
    expect(since(client, from, 'readStream').map(maxCountOf)).toEqual([1]);
    from = client.calls.length;
    await expect(store.appendToStream('long', first, revision + 1)).resolves.toMatchObject({
      nextRevision: 1,
      written: false,
    });
    // The claim (one event), then the claimed events (two).
    expect(client.servedSince(from)).toBe(3);
    expect(since(client, from, 'readStream').map(maxCountOf)).toEqual([1, 2]);
  });

  it('H4: finds a replayed command’s events by their claim and then in order, not by reading the stream', async () => {
    const { client, store } = open();
    const command = [event(0), event(1), event(2)];
    await store.appendToStream('long', command, 'no_stream');
    await store.appendToStream(
      'long',
      Array.from({ length: 500 }, (_, i) => event(i)),
      2,
    );
    const from = client.calls.length;
    for (const [revision, { id }] of command.entries()) {
      await expect(store.findEvent('long', id)).resolves.toMatchObject({ id, revision });
    }
    // The claim and the event it names, then each next event.
    expect(client.servedSince(from)).toBe(2 + 1 + 1);
  });

  it('H5: delivers catch-up and live events in batches of up to batchSize', async () => {
    const { store } = open();
    await store.appendToStream(
      's',
      Array.from({ length: 30 }, (_, i) => event(i)),
      'no_stream',
    );
    const sizes: number[] = [];
    let total = 0;
    let reached: () => void = () => undefined;
    const subscription = store.subscribeToAll({
      after: 0,
      batchSize: 7,
      onEvents: async (events) => {
        sizes.push(events.length);
        total += events.length;
        if (total === 30 || total === 40) reached();
      },
    });
    await new Promise<void>((resolve) => (reached = resolve));
    await store.appendToStream(
      's',
      Array.from({ length: 10 }, (_, i) => event(i)),
      29,
    );
    await new Promise<void>((resolve) => (reached = resolve));
    await subscription.close();
    expect(sizes).toEqual([7, 7, 7, 7, 2, 7, 3]);
  });

  it('M1: closes every call it opens, on every path, and cancels a read past its deadline', async () => {
    const { client, store } = open();
    const events = Array.from({ length: 5 }, (_, i) => event(i));
    await store.appendToStream('s', events, 'no_stream');
    await store.readAll(0, 2);
    await store.findEvent('s', events[3].id);
    await store.findEvent('s', randomUUID());
    await store.findEvent('missing', randomUUID());
    await store.headPosition();
    await store.readStream('s', 1, 2);
    for await (const batch of store.readStreamsByPrefix('s', { batchSize: 1 })) {
      expect(batch).toHaveLength(1);
      break;
    }
    await store.leaseHolder('relay');
    expect(
      client.calls.filter((call) => call.method === 'readStream' || call.method === 'readAll').length,
    ).toBeGreaterThan(8);
    expect(client.open()).toEqual([]);

    const stalled = open({ stall: (call) => call.stream === 'slow' }, { readDeadlineMs: 20 });
    await stalled.store.appendToStream('slow', [event(1)], 'no_stream');
    await expect(stalled.store.readStream('slow')).rejects.toBeInstanceOf(ReadTimeoutError);
    expect(stalled.client.open()).toEqual([]);
  });

  it('M2: refuses an id another stream claimed, and writes nothing', async () => {
    const { client, store } = open();
    const reused = event(1);
    await store.appendToStream('a', [reused], 'no_stream');
    const appends = since(client, 0, 'appendToStream').length;
    await expect(store.appendToStream('b', [reused], 'no_stream')).rejects.toBeInstanceOf(
      EventIdConflictError,
    );
    expect(since(client, 0, 'appendToStream')).toHaveLength(appends);
  });

  it('M2: frees the id of a refused append for any stream', async () => {
    const { store } = open();
    await store.appendToStream('a', [event(0)], 'no_stream');
    const refused = [event(1)];
    await expect(store.appendToStream('a', refused, 'no_stream')).rejects.toBeInstanceOf(
      WrongExpectedRevisionError,
    );
    await expect(store.appendToStream('b', refused, 'no_stream')).resolves.toMatchObject({ written: true });
    await expect(store.appendToStream('a', refused, 0)).rejects.toBeInstanceOf(EventIdConflictError);
  });

  it('M3: one of concurrent identical appends writes; a missing position is read from the stream', async () => {
    const { store } = open();
    const events = [event(1)];
    const outcomes = await Promise.allSettled(
      [1, 2, 3].map(() => store.appendToStream('s', events, 'no_stream')),
    );
    expect(outcomes.filter((o) => o.status === 'fulfilled' && o.value.written)).toHaveLength(1);

    const positionless = open({ omitPosition: true });
    await positionless.store.appendToStream('t', [event(1)], 'no_stream');
    const result = await positionless.store.appendToStream('t', [event(2)], 0);
    expect(result.position).toBe(Number(positionless.client.log.at(-1)!.position));
  });

  it('M4: refuses a server older than 22.10, or one that does not tell its version', async () => {
    for (const serverVersion of ['22.6.0.0', '21.10.9', 'unknown']) {
      const { client, store } = open({ serverVersion });
      await expect(store.appendToStream('s', [event(1)], 'no_stream')).rejects.toBeInstanceOf(
        UnsupportedServerError,
      );
      await expect(store.headPosition()).rejects.toBeInstanceOf(UnsupportedServerError);
      expect(client.calls).toEqual([]);
    }
    for (const serverVersion of ['22.10.0.0', '23.10.1', '24.10.0.1371']) {
      await expect(open({ serverVersion }).store.headPosition()).resolves.toBe(0);
    }
  });

  it('asks the version again after a server that did not answer', async () => {
    const client = new RecordingEsdbClient();
    let answers = 0;
    const store = new EsdbEventStore({
      client: client.connection().client,
      serverVersion: async () => {
        if (answers++ === 0) throw new Error('unavailable');
        return '24.10.0.0';
      },
    });
    await expect(store.headPosition()).rejects.toThrow('unavailable');
    await expect(store.headPosition()).resolves.toBe(0);
  });

  it('maps an unsuccessful append (throwOnAppendFailure=false) to a conflict at the real revision', async () => {
    const { store } = open({ throwOnAppendFailure: false });
    await store.appendToStream('s', [event(1), event(2), event(3)], 'no_stream');
    const late = [event(4)];
    await expect(store.appendToStream('s', late, 0)).rejects.toMatchObject({
      name: 'WrongExpectedRevisionError',
      actual: 2,
    });
    // The claim was released: the same events, decided again, append at once.
    await expect(store.appendToStream('s', late, 2)).resolves.toMatchObject({
      nextRevision: 3,
      written: true,
    });
  });

  it('maps the server’s append size limit to AppendTooLargeError, and releases the claim', async () => {
    const { store } = open({ maxAppendSize: 200 });
    const large = { ...event(1), data: { text: 'x'.repeat(500) } };
    await expect(store.appendToStream('s', [large], 'no_stream')).rejects.toMatchObject({
      name: 'AppendTooLargeError',
      maxBytes: 200,
    });
    await expect(
      store.appendToStream('s', [{ ...large, data: { n: 1 } }], 'no_stream'),
    ).resolves.toMatchObject({
      written: true,
    });
  });

  describe('a subscription that fails or ends', () => {
    const subscribe = (store: EsdbEventStore, onError?: (error: unknown) => void) =>
      store.subscribeToAll({ after: 0, onEvents: async () => undefined, ...(onError ? { onError } : {}) });
    const caughtUp = () => new Promise((resolve) => setImmediate(() => setImmediate(resolve)));

    it('reports a failure to onError, and closes', async () => {
      const { client, store } = open();
      const reported: unknown[] = [];
      const subscription = subscribe(store, (error) => reported.push(error));
      await caughtUp();
      const failure = new Error('connection dropped');
      client.failSubscriptions(failure);
      await caughtUp();
      expect(reported).toEqual([failure]);
      await subscription.close();
    });

    it('reports the server ending it as a failure', async () => {
      const { client, store } = open();
      const reported: unknown[] = [];
      const subscription = subscribe(store, (error) => reported.push(error));
      await caughtUp();
      client.endSubscriptions();
      await caughtUp();
      expect(reported).toHaveLength(1);
      expect(String(reported[0])).toMatch(/ended/);
      await subscription.close();
    });

    it('without onError, rejects close() with the failure instead of an unhandled rejection', async () => {
      const { client, store } = open();
      const unhandled: unknown[] = [];
      const onUnhandled = (reason: unknown) => unhandled.push(reason);
      process.on('unhandledRejection', onUnhandled);
      try {
        const subscription = subscribe(store);
        await caughtUp();
        const failure = new Error('connection dropped');
        client.failSubscriptions(failure);
        await caughtUp();
        await expect(subscription.close()).rejects.toBe(failure);
        expect(unhandled).toEqual([]);
        expect(client.open()).toEqual([]);
      } finally {
        process.off('unhandledRejection', onUnhandled);
      }
    });
  });
});
