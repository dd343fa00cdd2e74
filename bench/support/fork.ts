import { type ChildProcess, fork } from 'node:child_process';
import { resolve } from 'node:path';
import type { Cleanup } from './servers';

const REPO_ROOT = resolve(__dirname, '..', '..');

export type ForkedWorker = {
  child: ChildProcess;
  exited: Promise<void>;
  running(): boolean;
  /** Asks the worker to stop (IPC `stop`) and kills it if it has not exited within `graceMs`. */
  stop(graceMs: number): Promise<void>;
};

/**
 * Forks a benchmark worker from source (swc, as test/support/workers.ts runs the apps) with its config
 * as the one argument and an IPC channel; `cleanup` kills it if it is still running then. `root`: the
 * checkout it runs in (its tsconfig paths resolve there), this one by default.
 */
export function forkWorker(
  file: string,
  config: { role: string },
  cleanup: Cleanup,
  execArgv: string[] = [],
  root = REPO_ROOT,
): ForkedWorker {
  const child = fork(file, [JSON.stringify(config)], {
    cwd: root,
    execArgv: ['-r', '@swc-node/register', ...execArgv],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const running = () => child.exitCode === null && child.signalCode === null;
  cleanup.add(`the ${config.role} worker`, async () => {
    if (!running()) return;
    child.kill('SIGKILL');
    await exited;
  });
  return {
    child,
    exited,
    running,
    stop: async (graceMs) => {
      if (!running()) return;
      child.send({ type: 'stop' });
      const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(killer);
    },
  };
}

/** Forks a worker that sends one `{ report }` message and exits: a measurement in a fresh process. */
export async function runJob<R, Config extends { role: string } = { role: string }>(
  file: string,
  config: Config,
  cleanup: Cleanup,
): Promise<R> {
  const worker = forkWorker(file, config, cleanup, ['--expose-gc']);
  const report = new Promise<R>((resolve, reject) => {
    worker.child.once('message', (message: { report: R }) => resolve(message.report));
    void worker.exited.then(() => reject(new Error(`the ${config.role} worker exited without a report`)));
  });
  try {
    return await report;
  } finally {
    await worker.stop(10_000);
  }
}
