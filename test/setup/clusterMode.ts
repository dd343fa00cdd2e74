/**
 * Setup of the `cluster` jest project: the core end-to-end specs run a second time, unchanged, with
 * startApp in cluster mode (SQLite event store -> relay -> Kafka -> projector -> FerretDB). Without the
 * servers (no toolchain, or TEST_INFRA=off) every spec of the project is skipped with the reason printed:
 * it never fails for that, and never quietly runs embedded instead.
 */
import { relative } from 'node:path';
import { sharedServers } from '../support/clusterWorkers';

process.env.E2E_MODE = 'cluster';
// Each spec file starts workers from source (cold: seconds), and FerretDB writes slowly.
jest.setTimeout(90_000);

const shared = sharedServers();
if ('missing' in shared) {
  const spec = relative(process.cwd(), expect.getState().testPath ?? '');
  // Straight to stderr: jest drops the console output of a suite whose tests are all skipped.
  process.stderr.write(`SKIPPED ${spec} in cluster mode: ${shared.missing}\n`);
  // Every test of the file is declared through these globals: declared as skipped, none runs.
  Object.assign(globalThis, { describe: describe.skip, it: it.skip, test: test.skip });
}
