'use strict';
/**
 * Starts the real servers the integration suites need - one Kafka broker, one FerretDB and one Redis for
 * the whole run - and hands their addresses to the test workers through the environment. A missing
 * toolchain (Java + Maven, Go, redis-server) makes those suites skip with a message; in CI (CI=true) it
 * fails the run instead.
 */
const { ToolchainMissingError } = require('../../scripts/infra/common');
const { startKafka } = require('../../scripts/infra/kafka');
const { startFerretDb } = require('../../scripts/infra/ferretdb');
const { startRedis } = require('../../scripts/infra/redis');

const servers = [
  { name: 'Kafka', env: 'KAFKA_TEST_BROKERS', start: () => startKafka(), address: (s) => s.brokers },
  { name: 'FerretDB', env: 'MONGO_TEST_URL', start: () => startFerretDb(), address: (s) => s.url },
  { name: 'Redis', env: 'REDIS_TEST_URL', start: () => startRedis(), address: (s) => s.url },
];

module.exports = async () => {
  if (process.env.TEST_INFRA === 'off') {
    for (const { name, env } of servers) {
      process.env[`${env}_SKIP`] = `${name} not started: TEST_INFRA=off`;
    }
    return;
  }
  const started = await Promise.allSettled(servers.map((server) => server.start()));
  globalThis.__testServers = [];
  const failures = [];
  started.forEach((result, i) => {
    const { name, env, address } = servers[i];
    if (result.status === 'fulfilled') {
      globalThis.__testServers.push(result.value);
      process.env[env] = address(result.value);
    } else if (result.reason instanceof ToolchainMissingError && process.env.CI !== 'true') {
      process.env[`${env}_SKIP`] = `${name} not started: ${result.reason.message}`;
    } else {
      failures.push(`${name}: ${result.reason?.stack ?? result.reason}`);
    }
  });
  if (failures.length > 0) {
    await Promise.all(globalThis.__testServers.map((server) => server.destroy?.() ?? server.stop()));
    throw new Error(`could not start the test servers:\n${failures.join('\n')}`);
  }
};
