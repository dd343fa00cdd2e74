/**
 * The test tiers, one jest project each; the level is in each file's name (`*.unit|int|e2e.spec.ts`):
 * - `unit`: pure code and in-process adapters. No Java, Go, network or servers: the global setup that
 *   starts Kafka and FerretDB belongs to the other tiers only, and runs once for whichever of them run.
 * - `int`: adapters and apps against real servers (SQLite files, Kafka, FerretDB).
 * - `e2e`: the api over real HTTP, processes, audit, rebuild.
 * - `cluster`: the core end-to-end specs again, unchanged, with startApp in cluster mode (SQLite event
 *   store + relay + Kafka + projector + FerretDB, see test/setup/clusterMode.ts), and the specs about
 *   cluster mode alone (`*.cluster.spec.ts`: tracing across the processes).
 * - `bench`: a tiny run of every benchmark.
 * `npm test` runs them all; `npm run test:<tier>` one (`jest --selectProjects <tier>`). A spec path goes
 * before that flag: `npx jest test/economy.e2e.spec.ts --selectProjects cluster`.
 */
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
    },
    module: { type: 'commonjs' },
  },
];

/** What every project needs to load the code; projects do not inherit the top level's options. */
const shared = {
  testEnvironment: 'node',
  transform: { '^.+\\.(ts|js)$': swc },
  // content-disposition (pulled in by @fastify/static for the OpenAPI UI) and jose ship ES modules only.
  transformIgnorePatterns: ['/node_modules/(?!(content-disposition|jose)/)'],
  moduleFileExtensions: ['ts', 'js', 'json'],
  moduleNameMapper: {
    '^@app/(event-store|read-store|messaging|runtime)/(.*)$': '<rootDir>/libs/$1/src/$2',
    '^@app/projections$': '<rootDir>/projections',
    '^@app/([a-z-]+)$': '<rootDir>/libs/$1/src',
    '^@test/support/(.*)$': '<rootDir>/test/support/$1',
  },
};

/** One Kafka broker and one FerretDB for the whole run, started for the tiers that use them. */
const withServers = {
  globalSetup: '<rootDir>/test/setup/globalSetup.js',
  globalTeardown: '<rootDir>/test/setup/globalTeardown.js',
};

const code = ['libs', 'apps', 'projections', 'test', 'examples'].map((root) => `<rootDir>/${root}`);

/** The end-to-end specs of the core, which start the api through startApp (test/support/testApp.ts). */
const coreEndToEnd = ['api', 'economy', 'leaderboards', 'restart', 'competitions'].map(
  (name) => `<rootDir>/test/${name}.e2e.spec.ts`,
);

module.exports = {
  projects: [
    { ...shared, displayName: 'unit', roots: code, testRegex: '\\.unit\\.spec\\.ts$' },
    { ...shared, ...withServers, displayName: 'int', roots: code, testRegex: '\\.int\\.spec\\.ts$' },
    { ...shared, ...withServers, displayName: 'e2e', roots: code, testRegex: '\\.e2e\\.spec\\.ts$' },
    {
      ...shared,
      ...withServers,
      displayName: 'cluster',
      roots: ['<rootDir>/test'],
      // ... and the specs that exist for cluster mode only (`*.cluster.spec.ts`).
      testMatch: [...coreEndToEnd, '<rootDir>/test/**/*.cluster.spec.ts'],
      setupFilesAfterEnv: ['<rootDir>/test/setup/clusterMode.ts'],
    },
    {
      ...shared,
      ...withServers,
      displayName: 'bench',
      roots: ['<rootDir>/bench'],
      testRegex: '\\.int\\.spec\\.ts$',
    },
  ],
  testTimeout: 30000,
};
