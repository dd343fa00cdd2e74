/**
 * The real servers jest's global setup started (test/setup/globalSetup.js). A suite that needs one calls
 * `describeWith(...)`: without the server it prints why and skips; CI never gets here without them,
 * because global setup fails the run there instead.
 */
type Server = { env: 'KAFKA_TEST_BROKERS' | 'MONGO_TEST_URL' };

export const KAFKA: Server = { env: 'KAFKA_TEST_BROKERS' };
export const MONGO: Server = { env: 'MONGO_TEST_URL' };

export const serverAddress = (server: Server): string | undefined => process.env[server.env];

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
