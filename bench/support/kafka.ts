import { type Admin, Kafka, type PartitionMetadata, Partitioners, type Producer, logLevel } from 'kafkajs';

/** A kafkajs client as KafkaMessaging (libs/messaging/src/kafka/kafkaMessaging.ts) builds it. */
export const rawKafka = (brokers: string, clientId: string): Kafka =>
  new Kafka({
    clientId,
    brokers: [brokers],
    // kafkajs logs retried errors (a coordinator still loading) as errors; failures surface as rejections.
    logLevel: logLevel.NOTHING,
    retry: { initialRetryTime: 100, maxRetryTime: 5000, retries: 10 },
  });

/** The producer of KafkaMessaging.publisher(): idempotent, one request in flight, murmur2 partitioner. */
export const idempotentProducer = (kafka: Kafka): Producer =>
  kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
  });

export const createTopic = async (admin: Admin, topic: string, partitions: number): Promise<void> => {
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: partitions }] });
};

/** Messages a topic holds: the sum of its partitions' end offsets. */
export const messageCount = async (admin: Admin, topic: string): Promise<number> =>
  (await admin.fetchTopicOffsets(topic)).reduce((sum, { high }) => sum + Number(high), 0);

/** Best effort: a shared broker should not keep a benchmark's topics. */
export const deleteTopics = async (admin: Admin, topics: string[]): Promise<void> => {
  await admin.deleteTopics({ topics, timeout: 10_000 }).catch(() => undefined);
};

/** The partition a stream's events land in: the Java client's murmur2, as KafkaMessaging's producer routes them. */
export const partitionOf = (partitions: number): ((streamId: string) => number) => {
  const partitioner = Partitioners.DefaultPartitioner();
  const partitionMetadata = Array.from({ length: partitions }, (_, partitionId): PartitionMetadata => ({
    partitionErrorCode: 0,
    partitionId,
    leader: 1,
    replicas: [1],
    isr: [1],
  }));
  const cache = new Map<string, number>();
  return (streamId) => {
    let partition = cache.get(streamId);
    if (partition === undefined) {
      partition = partitioner({ topic: '', partitionMetadata, message: { key: streamId, value: null } });
      cache.set(streamId, partition);
    }
    return partition;
  };
};
