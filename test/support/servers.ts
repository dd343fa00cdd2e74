import { FERRETDB_WRITES_PER_CALL } from '../../scripts/infra/ferretdb';

export { freePort, waitFor } from '../../scripts/infra/common';

/** Servers a suite starts for itself (a broker it may stop, a FerretDB it may kill). */
export {
  FERRETDB_CLIENT_ENV,
  type FerretDbServer,
  ferretDbUnavailable,
  startFerretDb,
} from '../../scripts/infra/ferretdb';
export { type KafkaServer, startKafka } from '../../scripts/infra/kafka';

/**
 * The real servers jest's global setup started (test/setup/globalSetup.js). A suite that needs one calls
 * `describeWith(...)`: without the server it prints why and skips; CI never gets here without them,
 * because global setup fails the run there instead.
 */
type Server = { env: 'KAFKA_TEST_BROKERS' | 'MONGO_TEST_URL' | 'REDIS_TEST_URL' };

export const KAFKA: Server = { env: 'KAFKA_TEST_BROKERS' };
export const MONGO: Server = { env: 'MONGO_TEST_URL' };
export const REDIS: Server = { env: 'REDIS_TEST_URL' };

export const serverAddress = (server: Server): string | undefined => process.env[server.env];

/** The test MongoDB is FerretDB v1: a read store on it splits its bulk writes. */
export const testMongoOptions = { maxWritesPerCall: FERRETDB_WRITES_PER_CALL };

/** `describe` when every server is up, otherwise `describe.skip` after printing the reason. */
export const describeWith = (servers: Server[], name: string, body: () => void): void => {
  const missing = servers.filter((server) => !serverAddress(server));
  if (missing.length === 0) {
    describe(name, body);
    return;
  }
  const reasons = missing.map((server) => process.env[`${server.env}_SKIP`] ?? `${server.env} is not set`);
  // stderr, not console: jest drops a file's console output when every test in it is skipped.
  process.stderr.write(`SKIPPED ${name}: ${reasons.join('; ')}\n`);
  describe.skip(name, body);
};
