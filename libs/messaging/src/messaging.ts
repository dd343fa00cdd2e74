/**
 * The messaging port: what the relay and the projector need from a log-structured broker. Only
 * kafka/kafkaMessaging.ts knows the client library, so swapping it stays one file.
 */
export type OutgoingMessage = {
  /** Messages with the same key land in the same partition, in order. Null spreads them. */
  key: string | null;
  value: string | Buffer;
  headers: Record<string, string>;
  /** Explicit partition (control messages addressed to every partition). */
  partition?: number;
};

export type ReceivedMessage = {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: Buffer | null;
  headers: Record<string, string | undefined>;
};

export type PartitionBatch = { topic: string; partition: number; messages: ReceivedMessage[] };

export type TopicSpec = { topic: string; partitions: number; config?: Record<string, string> };

export interface Publisher {
  /** Resolves once every message is acknowledged by all in-sync replicas; order kept per partition. */
  publish(topic: string, messages: readonly OutgoingMessage[]): Promise<void>;
  close(): Promise<void>;
}

export type ConsumerOptions = {
  groupId: string;
  topics: readonly string[];
  /** Where a group without committed offsets starts. */
  fromBeginning: boolean;
  /**
   * Called with consecutive messages of one partition. The batch's offsets are committed only after the
   * returned promise resolves; when it rejects, the batch is delivered again.
   */
  handleBatch: (batch: PartitionBatch) => Promise<void>;
  /** Partitions of one member processed in parallel. */
  concurrency?: number;
  /** Most messages handed to `handleBatch` at once (default 250). */
  maxBatchSize?: number;
};

export interface Consumer {
  /** The partitions this member owns right now, per topic. */
  assignment(): Record<string, number[]>;
  close(): Promise<void>;
}

export interface Messaging {
  /** Creates the missing topics; existing ones are left as they are. */
  ensureTopics(topics: readonly TopicSpec[]): Promise<void>;
  partitionCount(topic: string): Promise<number>;
  publisher(): Promise<Publisher>;
  consume(options: ConsumerOptions): Promise<Consumer>;
  close(): Promise<void>;
}

export type MessagingLog = (
  level: 'error' | 'warn' | 'info' | 'debug',
  message: string,
  extra?: object,
) => void;
