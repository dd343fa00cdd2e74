import { randomUUID } from 'node:crypto';
import { waitUntil } from '@test/support/kafka';
import { KAFKA, describeWith, serverAddress } from '@test/support/servers';
import { KafkaMessaging } from './kafkaMessaging';

describeWith([KAFKA], 'KafkaMessaging consumer on a real broker', () => {
  let messaging: KafkaMessaging;
  afterEach(() => messaging.close());

  it('keeps its membership while one batch takes longer than the session timeout', async () => {
    // 6 s is the broker's smallest allowed session; the first batch takes 9 s, as a slow read store can.
    messaging = new KafkaMessaging({
      brokers: [serverAddress(KAFKA)!],
      clientId: 'slow-test',
      sessionTimeoutMs: 6000,
    });
    const topic = `slow-${randomUUID().slice(0, 8)}`;
    await messaging.ensureTopics([{ topic, partitions: 1 }]);
    const publisher = await messaging.publisher();
    await publisher.publish(
      topic,
      [1, 2, 3].map((n) => ({ key: 'k', value: String(n), headers: {} })),
    );
    await publisher.close();

    const deliveries: string[] = [];
    let slow = true;
    const consumer = await messaging.consume({
      groupId: `slow-${randomUUID()}`,
      topics: [topic],
      fromBeginning: true,
      handleBatch: async ({ messages }) => {
        if (slow) await new Promise((resolve) => setTimeout(resolve, 9000));
        slow = false;
        deliveries.push(...messages.map((message) => message.offset));
      },
    });
    await waitUntil(async () => deliveries.length >= 3, 30_000);
    // An evicted member's commit fails and its successor gets the same batch again: a repeat here.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    await consumer.close();
    expect(deliveries).toEqual(['0', '1', '2']);
  }, 60_000);
});
