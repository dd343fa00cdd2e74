/**
 * Two projects in one run, sharing one global setup (one Kafka and one FerretDB):
 * - `main`: every unit, integration and end-to-end spec; the level is in each file's name.
 * - `cluster`: the core end-to-end specs again, unchanged, with startApp in cluster mode (SQLite event
 *   store + relay + Kafka + projector + FerretDB, see test/setup/clusterMode.ts), proving both modes behave
 *   the same.
 * Run one project with `--selectProjects main|cluster`; a spec path goes before that flag, which takes a
 * list (`npx jest test/economy.e2e.spec.ts --selectProjects cluster`).
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
  // content-disposition (pulled in by @fastify/static for the OpenAPI UI) ships ES modules only.
  transformIgnorePatterns: ['/node_modules/(?!content-disposition/)'],
  moduleFileExtensions: ['ts', 'js', 'json'],
  moduleNameMapper: {
    '^@app/audit$': '<rootDir>/libs/audit/src',
    '^@app/domain$': '<rootDir>/libs/domain/src',
    '^@app/event-store$': '<rootDir>/libs/event-store/src',
    '^@app/read-store$': '<rootDir>/libs/read-store/src',
    '^@app/messaging$': '<rootDir>/libs/messaging/src',
    '^@app/runtime$': '<rootDir>/libs/runtime/src',
    '^@app/projections$': '<rootDir>/projections',
  },
};

/** The end-to-end specs of the core, which start the API through startApp (test/support/testApp.ts). */
const coreEndToEnd = ['api', 'economy', 'leaderboards', 'restart'].map(
  (name) => `<rootDir>/test/${name}.e2e.spec.ts`,
);

module.exports = {
  projects: [
    {
      ...shared,
      displayName: 'main',
      roots: [
        '<rootDir>/libs',
        '<rootDir>/apps',
        '<rootDir>/projections',
        '<rootDir>/test',
        '<rootDir>/examples',
        '<rootDir>/bench',
      ],
      testRegex: '\\.(unit|int|e2e)\\.spec\\.ts$',
    },
    {
      ...shared,
      displayName: 'cluster',
      roots: ['<rootDir>/test'],
      testMatch: coreEndToEnd,
      setupFilesAfterEnv: ['<rootDir>/test/setup/clusterMode.ts'],
    },
  ],
  // One Kafka broker and one FerretDB for the whole run, whichever projects run (integration suites and
  // the cluster project use them).
  globalSetup: '<rootDir>/test/setup/globalSetup.js',
  globalTeardown: '<rootDir>/test/setup/globalTeardown.js',
  testTimeout: 30000,
};
