import js from '@eslint/js';
import boundaries from 'eslint-plugin-boundaries';
import globals from 'globals';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

/**
 * The layers, lowest first: each imports only the layers before it (and itself). Adapters sit beside their
 * port and are imported only by the composition root (libs/runtime); an app imports no other app.
 */
const LAYERS = [
  { type: 'domain', pattern: 'libs/domain' },
  { type: 'port', pattern: 'libs/{event-store,read-store,messaging}/src' },
  { type: 'projections', pattern: 'projections' },
  { type: 'audit', pattern: 'libs/audit' },
  { type: 'application', pattern: 'libs/application' },
  { type: 'runtime', pattern: 'libs/runtime' },
  { type: 'app', pattern: 'apps/*', capture: ['app'] },
];
const ADAPTER = {
  type: 'adapter',
  pattern: 'libs/{event-store,read-store,messaging}/src/{sqlite,esdb,memory,mongo,kafka}',
  capture: ['lib', 'adapter'],
};
/** What no layer may import: tests and their helpers, benchmarks, scripts, examples. */
const OUTSIDE = { type: 'outside', pattern: '{test,bench,scripts,examples}' };
const below = (type) =>
  LAYERS.slice(
    0,
    LAYERS.findIndex((layer) => layer.type === type),
  ).map((l) => l.type);
const allowed = {
  domain: [],
  port: [...below('port'), 'port'],
  adapter: ['domain', 'port'],
  projections: below('projections'),
  audit: below('audit'),
  application: below('application'),
  runtime: [...below('runtime'), 'adapter'],
  app: below('app').filter((type) => type !== 'app'),
};

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'data/', 'coverage/', '.infra/', 'jest.config.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': 'off',
    },
  },
  {
    // Infrastructure scripts run under plain Node as CommonJS, without a build step.
    files: ['**/*.js'],
    languageOptions: { sourceType: 'commonjs', globals: globals.node },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // End-to-end tests read untyped JSON bodies off the wire.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // Domain code stays pure: no framework and no I/O.
    files: ['libs/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: ['@nestjs/*', 'fs', 'node:*', 'better-sqlite3', 'kafkajs', 'mongoose', '@eventstore/*'] },
      ],
    },
  },
  {
    // The layers (docs/architecture.md). Specs, test helpers, benchmarks and scripts may reach anything.
    files: ['apps/**/*.ts', 'libs/**/*.ts', 'projections/**/*.ts'],
    ignores: ['**/*.spec.ts'],
    plugins: { boundaries },
    settings: {
      'import/resolver': { typescript: { project: './tsconfig.json' }, node: true },
      'boundaries/include': ['apps/**', 'libs/**', 'projections/**', '{test,bench,scripts,examples}/**'],
      'boundaries/ignore': ['**/*.spec.ts'],
      'boundaries/elements': [ADAPTER, ...LAYERS, OUTSIDE],
    },
    rules: {
      'boundaries/dependencies': [
        'error',
        {
          default: 'disallow',
          policies: [
            { allow: { dependency: { relationship: { to: 'internal' } } } },
            ...Object.entries(allowed).map(([type, types]) => ({
              from: { element: { type } },
              allow: { to: { element: types.map((to) => ({ type: to })) } },
            })),
          ],
        },
      ],
      // Nothing in a layer imports a file outside the layers.
      'boundaries/no-unknown-dependencies': 'error',
    },
  },
);
