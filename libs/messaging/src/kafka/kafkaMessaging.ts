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
      // An idempotent producer retries until the broker is back; giving up would break its sequence.
      retry: { initialRetryTime: 100, maxRetryTime: 5000, retries: Number.MAX_SAFE_INTEGER },
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
  }: ConsumerOptions): Promise<Consumer> {
    const consumer = this.kafka.consumer({
      groupId,
      allowAutoTopicCreation: false,
      sessionTimeout: this.options.sessionTimeoutMs ?? 10_000,
      heartbeatInterval: 1000,
    });
    let assignment: Record<string, number[]> = {};
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      assignment = payload.memberAssignment;
    });
    await consumer.connect();
    this.open.add(consumer);
    await consumer.subscribe({ topics: [...topics], fromBeginning });
    await consumer.run({
      // kafkajs resolves a batch's last offset only when eachBatch returns, and commits resolved offsets
      // after every batch: offsets follow the handler's writes, and a commit that races a rebalance is
      // handled by the client (rejoin) rather than crashing the consumer.
      autoCommit: true,
      autoCommitThreshold: 1,
      partitionsConsumedConcurrently: concurrency,
      eachBatch: async ({ batch }) => {
        // Never return early on a stale or stopping batch: returning resolves and commits its offsets,
        // which would skip messages nobody applied. Applying them is harmless (idempotent handlers).
        if (batch.isEmpty()) return;
        const messages: ReceivedMessage[] = batch.messages.map((message) => ({
          topic: batch.topic,
          partition: batch.partition,
          offset: message.offset,
          key: message.key ? message.key.toString('utf8') : null,
          value: message.value,
          headers: decodeHeaders(message.headers),
        }));
        await handleBatch({ topic: batch.topic, partition: batch.partition, messages });
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
