import { FERRETDB_WRITES_PER_CALL, startFerretDb } from '../../scripts/infra/ferretdb';
import { startKafka } from '../../scripts/infra/kafka';

/**
 * What a benchmark started and must undo: run once, last added first, on success, failure, SIGINT or
 * SIGTERM. A step that fails is reported and the others still run.
 */
export class Cleanup {
  private readonly steps: { name: string; run: () => Promise<unknown> }[] = [];

  add(name: string, run: () => Promise<unknown>): void {
    this.steps.push({ name, run });
  }

  async runAll(): Promise<void> {
    for (let step = this.steps.pop(); step; step = this.steps.pop()) {
      try {
        await step.run();
      } catch (error) {
        console.error(`cleanup of ${step.name} failed:`, error);
      }
    }
  }
}

export type BenchServers = {
  brokers: string;
  /** `mongodb://host:port/`; the bench picks its own database. Absent when not asked for. */
  mongoUrl?: string;
  /** The read store's maxWritesPerCall: FerretDB's when the bench started it, else MONGO_MAX_WRITES_PER_CALL. */
  mongoWritesPerCall?: number;
  /** Which servers this run started itself (and stops again). */
  started: ('kafka' | 'ferretdb')[];
};

/**
 * Kafka, and MongoDB when `mongo` is asked for, for a benchmark: `KAFKA_BROKERS` / `MONGO_URL` when
 * given, otherwise a Kafka broker and a FerretDB of its own on loopback (scripts/infra), registered
 * with `cleanup` as soon as they run.
 */
export async function benchServers(
  cleanup: Cleanup,
  log: (line: string) => void,
  { mongo: withMongo }: { mongo: boolean },
): Promise<BenchServers> {
  const started: BenchServers['started'] = [];
  const kafka = process.env.KAFKA_BROKERS
    ? Promise.resolve(process.env.KAFKA_BROKERS)
    : startKafka().then((server) => {
        cleanup.add('Kafka', () => server.destroy());
        started.push('kafka');
        log(`started Kafka on ${server.brokers}`);
        return server.brokers;
      });
  const mongo = !withMongo
    ? Promise.resolve(undefined)
    : process.env.MONGO_URL
      ? Promise.resolve(process.env.MONGO_URL)
      : startFerretDb().then((server) => {
          cleanup.add('FerretDB', () => server.destroy());
          started.push('ferretdb');
          log(`started FerretDB on ${server.url}`);
          return server.url;
        });
  // Both settle before a failure is thrown, so the one that did start is already in `cleanup`.
  const [brokers, mongoUrl] = await Promise.allSettled([kafka, mongo]);
  if (brokers.status === 'rejected') throw brokers.reason;
  if (mongoUrl.status === 'rejected') throw mongoUrl.reason;
  const givenLimit = process.env.MONGO_MAX_WRITES_PER_CALL;
  const mongoWritesPerCall = started.includes('ferretdb')
    ? FERRETDB_WRITES_PER_CALL
    : givenLimit
      ? Number(givenLimit)
      : undefined;
  return { brokers: brokers.value, mongoUrl: mongoUrl.value, mongoWritesPerCall, started };
}
