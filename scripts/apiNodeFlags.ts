import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const repoRoot = resolve(__dirname, '..');

/**
 * The Node flags `npm start` gives the api (package.json; the Dockerfile's CMD and compose repeat them,
 * test/deploy.unit.spec.ts checks they agree): what any other way of running the api should use too.
 */
export function apiNodeFlags(): string[] {
  const { scripts } = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
    scripts: { start: string };
  };
  const flags = /\bnode ((?:--\S+ )*)dist\/apps\/api\/src\/main\.js/.exec(scripts.start);
  if (!flags)
    throw new Error("package.json's start script does not run node [flags] dist/apps/api/src/main.js");
  return flags[1].split(' ').filter(Boolean);
}
