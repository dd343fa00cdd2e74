import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const repoRoot = resolve(__dirname, '..');

/**
 * The Node flags the api runs with, declared once in package.json's `config.apiNodeFlags`: `npm start`
 * passes them (`$npm_package_config_apiNodeFlags`), the Dockerfile's CMD and compose repeat them
 * (test/deploy.unit.spec.ts checks they agree), and every other way of running the api uses them too.
 */
export function apiNodeFlags(): string[] {
  const { config } = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
    config: { apiNodeFlags: string };
  };
  return config.apiNodeFlags.split(' ').filter(Boolean);
}
