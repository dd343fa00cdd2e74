import { type Browser, chromium } from 'playwright-core';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CHROMIUM_ARGS, provisionChromium } from '../../scripts/infra/chromium';

const root = resolve(__dirname, '..', '..');

/** Where browser suites keep their screenshots (gitignored): `artifacts/<suite>/`, or TEST_ARTIFACTS_DIR. */
export const artifactsDir = (suite: string): string => {
  const dir = join(process.env.TEST_ARTIFACTS_DIR ?? join(root, 'artifacts'), suite);
  mkdirSync(dir, { recursive: true });
  return dir;
};

/**
 * Debian's Chromium, installed when it is missing and this runs as root (scripts/infra/chromium.js). A
 * suite that needs it runs with `describeWithChromium`: without it, it prints what to install and skips,
 * and with CI=true it fails instead.
 */
const chromiumBinary = (): { path: string } | { missing: string } => {
  try {
    return { path: provisionChromium() };
  } catch (error) {
    return { missing: (error as Error).message };
  }
};

export const describeWithChromium = (name: string, body: (launch: () => Promise<Browser>) => void): void => {
  const binary = chromiumBinary();
  if ('missing' in binary) {
    if (process.env.CI === 'true') throw new Error(`${name} needs Chromium: ${binary.missing}`);
    // stderr, not console: jest drops a file's console output when every test in it is skipped.
    process.stderr.write(`SKIPPED ${name}: ${binary.missing}\n`);
    describe.skip(name, () => body(() => Promise.reject(new Error('no Chromium'))));
    return;
  }
  describe(name, () =>
    body(() => chromium.launch({ executablePath: binary.path, headless: true, args: [...CHROMIUM_ARGS] })),
  );
};

/** Builds the operator console into a fresh temp dir, as `npm run build` does into dist/console. */
export const buildConsole = (): string => {
  const outDir = mkdtempSync(join(tmpdir(), 'console-build-'));
  const built = spawnSync(
    process.execPath,
    [
      join(root, 'node_modules/vite/bin/vite.js'),
      'build',
      '--config',
      'apps/console/vite.config.ts',
      '--logLevel',
      'warn',
    ],
    { cwd: root, env: { ...process.env, CONSOLE_BUILD_DIR: outDir }, encoding: 'utf8' },
  );
  if (built.status !== 0) throw new Error(`the console did not build:\n${built.stdout}\n${built.stderr}`);
  return outDir;
};
