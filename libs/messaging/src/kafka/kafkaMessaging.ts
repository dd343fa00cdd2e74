import { type Admin, Kafka, type LogEntry, Partitioners, type Producer, logLevel } from 'kafkajs';
import type {
  Consumer,
  ConsumerOptions,
  Messaging,
  MessagingLog,
  OutgoingMessage,
  Publisher,
  ReceivedMessage,
  TopicSpec,
} from '../messaging';

export type KafkaMessagingOptions = {
  brokers: readonly string[];
  clientId: string;
  log?: MessagingLog;
  /** Consumer session timeout: how long a dead member keeps its partitions. */
  sessionTimeoutMs?: number;
};

const LEVELS: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

const HEARTBEAT_MS = 1000;

/** The Kafka adapter of the messaging port (kafkajs). */
export class KafkaMessaging implements Messaging {
  private readonly kafka: Kafka;
  private admin?: Promise<Admin>;
  private readonly open = new Set<{ disconnect(): Promise<void> }>();

  constructor(private readonly options: KafkaMessagingOptions) {
    const log = options.log;
    this.kafka = new Kafka({
      clientId: options.clientId,
      brokers: [...options.brokers],
      logLevel: logLevel.WARN,
      // Broker restarts are routine: keep retrying with backoff for about half a minute before failing.
      retry: { initialRetryTime: 100, maxRetryTime: 5000, retries: 10 },
      logCreator: () => (entry: LogEntry) =>
        log?.(LEVELS[entry.level] ?? 'info', `kafka ${entry.namespace}: ${entry.log.message}`, entry.log),
    });
  }

  async ensureTopics(topics: readonly TopicSpec[]): Promise<void> {
    const admin = await this.connectedAdmin();
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter(({ topic }) => !existing.has(topic));
    if (missing.length === 0) return;
    await admin.createTopics({
      waitForLeaders: true,
      topics: missing.map(({ topic, partitions, config }) => ({
        topic,
        numPartitions: partitions,
        configEntries: Object.entries(config ?? {}).map(([name, value]) => ({ name, value })),
      })),
    });
  }

  async partitionCount(topic: string): Promise<number> {
    const admin = await this.connectedAdmin();
    const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
    return topics[0].partitions.length;
  }

  async publisher(): Promise<Publisher> {
    const producer = this.kafka.producer({
      // Idempotent: a retried send after a lost ack is written once, and order per partition holds.
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      // The Java client's murmur2 partitioner: other clients route the same key to the same partition.
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await producer.connect();
    this.open.add(producer);
    return new KafkaPublisher(producer, () => this.open.delete(producer));
  }

  async consume({
    groupId,
    topics,
    fromBeginning,
    handleBatch,
    concurrency = 1,
    maxBatchSize = 250,
  }: ConsumerOptions): Promise<Consumer> {
    const consumer = this.kafka.consumer({
      groupId,
      allowAutoTopicCreation: false,
      sessionTimeout: this.options.sessionTimeoutMs ?? 10_000,
      heartbeatInterval: HEARTBEAT_MS,
      // The broker answers a fetch as soon as data arrives; this only bounds an idle fetch, which a
      // disconnect waits out (5 s by default, per stopping worker).
      maxWaitTimeInMs: 1000,
    });
    let assignment: Record<string, number[]> = {};
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      assignment = payload.memberAssignment;
    });
    await consumer.connect();
    this.open.add(consumer);
    await consumer.subscribe({ topics: [...topics], fromBeginning });
    await consumer.run({
      // Offsets are resolved only after the handler's writes and committed by kafkajs, which also
      // handles a commit that races a rebalance (it rejoins) instead of crashing the consumer.
      autoCommit: true,
      autoCommitThreshold: 1,
      partitionsConsumedConcurrently: concurrency,
      eachBatch: async ({ batch, resolveOffset, heartbeat, commitOffsetsIfNecessary }) => {
        // A fetch can hold thousands of messages (after an outage). Handled in slices with a heartbeat
        // between them, no slice outlives the session timeout: otherwise the member is evicted, its
        // successor fetches the same batch and is evicted too, and the partition never moves.
        // Never skip a stale or stopping batch: committing what nobody applied would lose it; applying
        // it twice is harmless (idempotent handlers).
        for (let from = 0; from < batch.messages.length; from += maxBatchSize) {
          const slice = batch.messages.slice(from, from + maxBatchSize);
          const messages: ReceivedMessage[] = slice.map((message) => ({
            topic: batch.topic,
            partition: batch.partition,
            offset: message.offset,
            key: message.key ? message.key.toString('utf8') : null,
            value: message.value,
            headers: decodeHeaders(message.headers),
          }));
          // A slow read store can outlast the session even within one slice: keep the membership alive
          // while the handler writes. A failed beat (a rebalance) surfaces at the awaited one below.
          const beating = setInterval(() => heartbeat().catch(() => undefined), HEARTBEAT_MS);
          try {
            await handleBatch({ topic: batch.topic, partition: batch.partition, messages });
          } finally {
            clearInterval(beating);
          }
          resolveOffset(slice[slice.length - 1].offset);
          await commitOffsetsIfNecessary();
          await heartbeat();
        }
      },
    });
    return {
      assignment: () => assignment,
      close: async () => {
        this.open.delete(consumer);
        await consumer.disconnect();
      },
    };
  }

  async close(): Promise<void> {
    await Promise.all([...this.open].map((client) => client.disconnect().catch(() => undefined)));
    this.open.clear();
    if (this.admin) await (await this.admin).disconnect();
  }

  private connectedAdmin(): Promise<Admin> {
    this.admin ??= (async () => {
      const admin = this.kafka.admin();
      await admin.connect();
      return admin;
    })();
    return this.admin;
  }
}

class KafkaPublisher implements Publisher {
  constructor(
    private readonly producer: Producer,
    private readonly onClose: () => void,
  ) {}

  async publish(topic: string, messages: readonly OutgoingMessage[]): Promise<void> {
    if (messages.length === 0) return;
    await this.producer.send({
      topic,
      acks: -1,
      messages: messages.map(({ key, value, headers, partition }) => ({ key, value, headers, partition })),
    });
  }

  async close(): Promise<void> {
    this.onClose();
    await this.producer.disconnect();
  }
}

const decodeHeaders = (headers: Record<string, unknown> | undefined): Record<string, string | undefined> => {
  const decoded: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    const single = Array.isArray(value) ? value[value.length - 1] : value;
    decoded[name] = single === undefined || single === null ? undefined : String(single);
  }
  return decoded;
};
