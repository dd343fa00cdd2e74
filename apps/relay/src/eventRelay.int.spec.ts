import { type NewEvent } from '@app/event-store';
import { SqliteEventStore } from '@app/event-store/sqlite';
import { HEADERS, type ReceivedMessage, WATERMARK_TYPE } from '@app/messaging';
import { KafkaMessaging } from '@app/messaging/kafka';
import type { LoggerService } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readTopic, waitUntil } from '@test/support/kafka';
import { KAFKA, describeWith, serverAddress } from '@test/support/servers';
import { EventRelay } from './eventRelay';

const PARTITIONS = 3;

describeWith([KAFKA], 'EventRelay on a real Kafka broker', () => {
  let dir: string;
  let events: SqliteEventStore;
  let messaging: KafkaMessaging;
  let topic: string;
  const relays: EventRelay[] = [];
  const logger: LoggerService = { log: () => undefined, warn: () => undefined, error: console.error };

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'relay-'));
    events = new SqliteEventStore(join(dir, 'events.db'), { synchronous: 'NORMAL', pollIntervalMs: 5 });
    messaging = new KafkaMessaging({ brokers: [serverAddress(KAFKA)!], clientId: 'relay-test' });
    topic = `relay-test-${randomUUID()}`;
    await messaging.ensureTopics([{ topic, partitions: PARTITIONS }]);
  });

  afterEach(async () => {
    await Promise.all(relays.splice(0).map((relay) => relay.stop()));
    await messaging.close();
    await events.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const startRelay = async (instanceId: string) => {
    const relay = new EventRelay({
      events,
      connect: () => messaging.publisher(),
      topic,
      partitions: PARTITIONS,
      instanceId,
      logger,
      leaseTtlMs: 1000,
      batchSize: 50,
    });
    relays.push(relay);
    relay.start();
    return relay;
  };

  const appendTo = async (streamId: string, count: number) => {
    const stored = await events.readStream(streamId);
    const batch: NewEvent[] = Array.from({ length: count }, (_, i) => ({
      id: randomUUID(),
      type: 'Counted',
      data: { n: stored.length + i },
      metadata: { schemaVersion: 1, correlationId: `corr-${streamId}`, causationId: `cause-${i}` },
      occurredAt: new Date(),
    }));
    await events.appendToStream(streamId, batch, stored.length === 0 ? 'no_stream' : stored.length - 1);
  };

  const eventsIn = (messages: ReceivedMessage[]) =>
    messages.filter((m) => m.headers[HEADERS.eventType] !== WATERMARK_TYPE);

  it('publishes every event keyed by stream, with headers, in stream order, then saves the checkpoint', async () => {
    const streams = ['wallet-a', 'wallet-b', 'wallet-c', 'wallet-d', 'wallet-e'];
    for (let round = 0; round < 4; round++) {
      for (const stream of streams) await appendTo(stream, 10);
    }
    const head = await events.headPosition();
    const lastWatermark = (all: ReceivedMessage[], partition: number) =>
      all.filter((m) => m.partition === partition && m.headers[HEADERS.eventType] === WATERMARK_TYPE).at(-1);
    await startRelay('relay-1');
    // Partitions are read independently: wait for the closing watermark of every one, not only the events.
    const messages = await readTopic(
      messaging,
      topic,
      (all) =>
        eventsIn(all).length >= 200 &&
        Array.from({ length: PARTITIONS }, (_, p) => lastWatermark(all, p)).every(
          (watermark) => watermark && JSON.parse(watermark.value!.toString()).position === head,
        ),
    );
    const published = eventsIn(messages);
    expect(published).toHaveLength(200);

    for (const stream of streams) {
      const own = published.filter((m) => m.key === stream);
      expect(new Set(own.map((m) => m.partition)).size).toBe(1);
      const envelopes = own.map((m) => JSON.parse(m.value!.toString()));
      expect(envelopes.map((e) => e.revision)).toEqual(Array.from({ length: 40 }, (_, i) => i));
      expect(own[0].headers).toMatchObject({
        [HEADERS.eventType]: 'Counted',
        [HEADERS.schemaVersion]: '1',
        [HEADERS.correlationId]: `corr-${stream}`,
        [HEADERS.causationId]: 'cause-0',
      });
      expect(envelopes[0]).toMatchObject({ streamId: stream, type: 'Counted', data: { n: 0 } });
    }
    // Every partition learns how far the log is published, including any that got no event.
    for (let partition = 0; partition < PARTITIONS; partition++) {
      expect(JSON.parse(lastWatermark(messages, partition)!.value!.toString())).toEqual({ position: head });
    }
    await waitUntil(async () => (await events.loadCheckpoint('relay')) === head, 20_000);
  });

  it('lets one relay publish at a time; a standby resumes from the checkpoint without repeating', async () => {
    const first = await startRelay('relay-a');
    await startRelay('relay-b');
    for (let i = 0; i < 10; i++) await appendTo(`stream-${i % 3}`, 10);
    await waitUntil(
      async () => (await events.loadCheckpoint('relay')) === (await events.headPosition()),
      20_000,
    );

    await first.stop(); // releases the lease: the standby takes over without waiting for it to expire
    for (let i = 0; i < 10; i++) await appendTo(`stream-${i % 3}`, 10);

    const messages = await readTopic(messaging, topic, (all) => eventsIn(all).length >= 200);
    const ids = eventsIn(messages).map((m) => JSON.parse(m.value!.toString()).id);
    expect(ids).toHaveLength(200);
    expect(new Set(ids).size).toBe(200);
  });
});
