import type { ServerHandle } from './common';

/** Types of kafka.js for the TypeScript suites and benchmarks that start their own broker. */

/** `brokers` is `127.0.0.1:PORT`. */
export type KafkaServer = ServerHandle<{ brokers: string }>;

export const KAFKA_VERSION: string;
export function provisionKafka(): string;
export function startKafka(options?: { dataDir?: string; port?: number }): Promise<KafkaServer>;
