/** Unit, integration and end-to-end specs in one run; the level is in each file's name. */
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

module.exports = {
  testEnvironment: 'node',
  roots: [
    '<rootDir>/libs',
    '<rootDir>/apps',
    '<rootDir>/projections',
    '<rootDir>/test',
    '<rootDir>/examples',
    '<rootDir>/bench',
  ],
  testRegex: '\\.(unit|int|e2e)\\.spec\\.ts$',
  transform: { '^.+\\.(ts|js)$': swc },
  // content-disposition (pulled in by @fastify/static for the OpenAPI UI) ships ES modules only.
  transformIgnorePatterns: ['/node_modules/(?!content-disposition/)'],
  moduleFileExtensions: ['ts', 'js', 'json'],
  moduleNameMapper: {
    '^@app/domain$': '<rootDir>/libs/domain/src',
    '^@app/event-store$': '<rootDir>/libs/event-store/src',
    '^@app/read-store$': '<rootDir>/libs/read-store/src',
    '^@app/messaging$': '<rootDir>/libs/messaging/src',
    '^@app/runtime$': '<rootDir>/libs/runtime/src',
    '^@app/projections$': '<rootDir>/projections',
  },
  // One Kafka broker and one FerretDB for the whole run (integration suites use them).
  globalSetup: '<rootDir>/test/setup/globalSetup.js',
  globalTeardown: '<rootDir>/test/setup/globalTeardown.js',
  testTimeout: 30000,
};
