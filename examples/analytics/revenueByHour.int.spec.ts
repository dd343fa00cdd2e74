import { randomUUID } from 'node:crypto';
import { TOPICS, toWatermarkMessage } from '@app/messaging';
import { Kafka, Partitioners, logLevel } from 'kafkajs';
import { KAFKA, describeWith, serverAddress } from '@test/support/servers';
import { type RevenueJob, startRevenueByHour } from './revenueByHour';
import { expectedReport, revenueScenario } from './testing/revenueScenario';

const PARTITIONS = 3;

const eventually = async (condition: () => boolean, what: string, timeoutMs = 30_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
};

// The broker is the one jest's global setup started (test/setup/globalSetup.js): without Java and Maven
// this suite prints SKIPPED and is skipped; with CI=true the run fails instead.
describeWith([KAFKA], 'revenue by hour example on a real Kafka broker', () => {
  let job: RevenueJob | undefined;
  afterAll(() => job?.stop());

  it('aggregates what the relay publishes: duplicates once, watermarks skipped', async () => {
    const brokers = [serverAddress(KAFKA) as string];
    const topic = `revenue-example-${randomUUID()}.${TOPICS.events}`;
    const kafka = new Kafka({ clientId: 'revenue-example-spec', brokers, logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }], waitForLeaders: true });
    await admin.disconnect();

    // 1. Publish as the relay does: envelopes keyed by stream id, then a watermark to every partition.
    const { messages, lastPosition } = revenueScenario();
    const watermarks = [...Array(PARTITIONS).keys()].map((partition) =>
      toWatermarkMessage(lastPosition, partition),
    );
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    await producer.send({ topic, messages });
    await producer.send({ topic, messages: watermarks });
    await producer.disconnect();

    // 2. Run the example job until it has received everything, then stop it.
    const running = await startRevenueByHour({ brokers, topic, logLevel: logLevel.NOTHING });
    job = running;
    const total = messages.length + watermarks.length;
    await eventually(() => running.received() >= total, `${total} messages (got ${running.received()})`);
    const report = await running.stop();
    job = undefined;

    expect(running.received()).toBe(total);
    expect(report).toEqual(expectedReport);
  }, 60_000);
});
