import { economy } from '@app/domain';
import type { RecordedEvent } from '@app/event-store';
import { HEADERS, contractTopics, toEventMessage, toWatermarkMessage, topicsFor } from '@app/messaging';
import { KafkaMessaging } from '@app/messaging/kafka';
import { readModelCollections, readModels, walletView } from '@app/projections';
import { MongoReadStore } from '@app/read-store/mongo';
import type { LoggerService } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Counter, Histogram, Registry } from 'prom-client';
import { readTopic, waitUntil } from '@test/support/kafka';
import { readModelDigest } from '@test/support/readModels';
import { KAFKA, MONGO, describeWith, serverAddress, testMongoOptions } from '@test/support/servers';
import { KafkaProjector } from './kafkaProjector';

const PARTITIONS = 4;
const quiet: LoggerService = { log: () => undefined, warn: () => undefined, error: console.error };

/** K grants to each of P players, decided by the domain and recorded as the event store would. */
const grants = (players: number, perPlayer: number): RecordedEvent[] => {
  const events: RecordedEvent[] = [];
  for (let round = 0; round < perPlayer; round++) {
    for (let p = 0; p < players; p++) {
      const playerId = `player-${p}`;
      const state: economy.PlayerEconomy = {
        balances: round ? { GOLD: round * 5 } : {},
        items: {},
        tournaments: {},
        rewards: {},
      };
      const [event] = economy.grantCurrency(
        { type: 'GrantCurrency', data: { playerId, currency: 'GOLD', amount: 5, reason: 'match won' } },
        state,
      );
      events.push({
        id: randomUUID(),
        type: event.type,
        streamId: economy.playerEconomyStreamId(playerId),
        revision: round,
        position: events.length + 1,
        occurredAt: new Date(Date.UTC(2026, 10, 21, 12, 0, events.length)).toISOString(),
        data: event.data,
        metadata: { schemaVersion: 1 },
      });
    }
  }
  return events;
};

describeWith([KAFKA, MONGO], 'KafkaProjector on a real broker and FerretDB', () => {
  // Consumer-group joins and rebalances take seconds each, more on a busy machine.
  jest.setTimeout(90_000);
  let messaging: KafkaMessaging;
  const stores: MongoReadStore[] = [];
  const projectors: KafkaProjector[] = [];

  beforeEach(() => {
    messaging = new KafkaMessaging({ brokers: [serverAddress(KAFKA)!], clientId: 'projector-test' });
  });
  afterEach(async () => {
    await Promise.all(projectors.splice(0).map((projector) => projector.stop()));
    await Promise.all(stores.splice(0).map((store) => store.close()));
    await messaging.close();
  });

  const setUp = async () => {
    const topics = topicsFor(`projector-test-${randomUUID().slice(0, 8)}.`);
    await messaging.ensureTopics(contractTopics(topics, PARTITIONS));
    return topics;
  };
  const openStore = async () => {
    const store = await MongoReadStore.open({
      url: `${serverAddress(MONGO)}projector_${randomUUID().replace(/-/g, '').slice(0, 12)}`,
      collections: readModelCollections,
      ...testMongoOptions,
    });
    stores.push(store);
    return store;
  };
  const startProjector = async (
    topics: { events: string; deadLetters: string },
    store: MongoReadStore,
    groupId: string,
    metrics?: KafkaProjector['options']['metrics'],
  ) => {
    const projector = new KafkaProjector({
      messaging,
      readStore: store,
      projections: readModels,
      topic: topics.events,
      deadLetterTopic: topics.deadLetters,
      groupId,
      logger: quiet,
      metrics,
    });
    projectors.push(projector);
    await projector.start();
    return projector;
  };
  const walletsAt = async (store: MongoReadStore, players: number, revision: number) => {
    for (let p = 0; p < players; p++) {
      const wallet = await store.find(walletView.collection, `player-${p}`);
      if (wallet?.revision !== revision) return false;
    }
    return true;
  };

  it('dead-letters unparseable, unknown and too-new messages with the reason, counts them, and keeps going', async () => {
    const topics = await setUp();
    const store = await openStore();
    const registry = new Registry();
    const metrics = {
      applied: new Counter({ name: 'applied', help: 'applied', registers: [registry] }),
      deadLetters: new Counter({ name: 'dead', help: 'dead', labelNames: ['reason'], registers: [registry] }),
      batchSeconds: new Histogram({ name: 'batch', help: 'batch', registers: [registry] }),
      failures: new Counter({ name: 'failures', help: 'failures', registers: [registry] }),
    };
    const [first, second] = grants(1, 2);
    const tooNew = toEventMessage({ ...second, metadata: { schemaVersion: 99 } });
    const publisher = await messaging.publisher();
    await publisher.publish(topics.events, [
      toEventMessage(first),
      { key: first.streamId, value: '{not json', headers: {} },
      { key: first.streamId, value: JSON.stringify({ ...first, type: 'GoldMinted' }), headers: {} },
      tooNew,
      toEventMessage(second),
    ]);
    await startProjector(topics, store, `projector-${randomUUID()}`, metrics);

    await waitUntil(() => walletsAt(store, 1, 1));
    expect(await store.find(walletView.collection, 'player-0')).toMatchObject({ balances: { GOLD: 10 } });

    const dead = await readTopic(messaging, topics.deadLetters, (all) => all.length >= 3);
    expect(dead.map((m) => m.headers['dead-letter-reason'])).toEqual([
      'unparseable',
      'unknown-type',
      'schema-too-new',
    ]);
    expect(dead[0].value!.toString()).toBe('{not json');
    expect(dead[2].headers).toMatchObject({
      'original-topic': topics.events,
      [HEADERS.eventType]: 'CurrencyGranted',
    });
    const counted = (await metrics.deadLetters.get()).values.map((v) => [v.labels.reason, v.value]);
    expect(counted.sort()).toEqual([
      ['schema-too-new', 1],
      ['unknown-type', 1],
      ['unparseable', 1],
    ]);
    // Batches that applied are timed; none failed.
    expect(
      (await metrics.batchSeconds.get()).values.find((v) => v.metricName === 'batch_count')?.value,
    ).toBeGreaterThan(0);
    expect((await metrics.failures.get()).values[0].value).toBe(0);
  });

  it('two instances split the partitions and build exactly what one instance builds', async () => {
    const topics = await setUp();
    const events = grants(40, 10);
    const applied = async (store: MongoReadStore) => {
      const checkpoints = await store.checkpoints(topics.events);
      return checkpoints.size === PARTITIONS && [...checkpoints.values()].every((p) => p === events.length);
    };

    // Both members join before anything is published, so both do part of the work.
    const shared = await openStore();
    const group = `projector-${randomUUID()}`;
    const [a, b] = [await startProjector(topics, shared, group), await startProjector(topics, shared, group)];
    const split = () => [...a.assignment(), ...b.assignment()].sort().join();
    await waitUntil(
      async () => a.assignment().length > 0 && b.assignment().length > 0 && split() === '0,1,2,3',
    );

    // Redelivered duplicates included: the revision guard must make them change nothing. The relay's
    // closing watermarks tell when every partition is applied (documents are written before checkpoints).
    const publisher = await messaging.publisher();
    await publisher.publish(topics.events, [
      ...[...events, ...events.slice(0, 50)].map(toEventMessage),
      ...Array.from({ length: PARTITIONS }, (_, p) => toWatermarkMessage(events.length, p)),
    ]);
    await waitUntil(() => applied(shared));

    const solo = await openStore();
    await startProjector(topics, solo, `projector-${randomUUID()}`);
    await waitUntil(() => applied(solo));

    expect(await readModelDigest(shared)).toEqual(await readModelDigest(solo));
    expect((await readModelDigest(solo)).ledger.count).toBe(400);

    // Offsets lost (a new group): the worker reads the topic again but resumes from its checkpoints,
    // loading and writing no document.
    const loads = jest.spyOn(solo, 'findMany');
    const commits = jest.spyOn(solo, 'commit');
    await startProjector(topics, solo, `projector-${randomUUID()}`);
    await waitUntil(async () => new Set(commits.mock.calls.map(([, , name]) => name)).size === PARTITIONS);
    expect(loads).not.toHaveBeenCalled();
    expect(commits.mock.calls.every(([writes]) => writes.length === 0)).toBe(true);
  });
});
