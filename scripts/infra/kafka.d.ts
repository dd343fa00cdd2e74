/** Types of kafka.js for the TypeScript suites and benchmarks that start their own broker. */
export type KafkaServer = {
  /** `127.0.0.1:PORT` */
  brokers: string;
  pid: number;
  dataDir: string;
  describe(): { brokers: string; pid: number; dataDir: string; logFile: string };
  /** Stops the broker, keeping its data dir: start again with the same dataDir to resume it on the same ports. */
  stop(): Promise<void>;
  /** Stops the broker and removes its data dir. */
  destroy(): Promise<void>;
};

export const KAFKA_VERSION: string;
export function provisionKafka(): string;
export function startKafka(options?: { dataDir?: string; port?: number }): Promise<KafkaServer>;
