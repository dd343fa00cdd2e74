import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import { join } from 'node:path';

/** `npm run audit -- <args>` from source, to completion, with `env` over this process's environment. */
export const runAuditCli = (args: string[], env: Record<string, string>): SpawnSyncReturns<string> =>
  spawnSync(process.execPath, ['-r', '@swc-node/register', 'apps/audit/src/main.ts', ...args], {
    cwd: join(__dirname, '..', '..'),
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });
