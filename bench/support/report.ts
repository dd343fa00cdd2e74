import { Cleanup } from './servers';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname } from 'node:path';

export type Machine = { cpus: number; cpuModel: string; memoryGb: number; node: string; platform: string };

/** The machine a run was measured on: docs/performance.md carries it beside the date. */
export const machine = (): Machine => ({
  cpus: cpus().length,
  cpuModel: cpus()[0]?.model ?? 'unknown',
  memoryGb: Math.round(totalmem() / 2 ** 30),
  node: process.version,
  platform: `${process.platform} ${process.arch}`,
});

export const integer = (value: number): string => Math.round(value).toLocaleString('en-US');
export const ms = (value: number): string => value.toFixed(1);
export const ratio = (value: number, baseline: number): string =>
  baseline > 0 ? `${(value / baseline).toFixed(2)}×` : '–';

/** Writes `results` as pretty JSON, creating bench/results/ (gitignored) when needed. */
export function writeJson(file: string, results: unknown): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
}

export const benchLog = (line: string): void => {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
};

/**
 * A benchmark's command line: runs it with a Cleanup that Ctrl-C or SIGTERM also runs, writes the
 * results as JSON to `out`, prints the markdown table, and always stops what the run started.
 */
export async function runAndReport<R>(
  out: string,
  run: (cleanup: Cleanup, log: (line: string) => void) => Promise<R>,
  toMarkdown: (results: R) => string,
): Promise<void> {
  const cleanup = new Cleanup();
  const interrupted = (signal: NodeJS.Signals) => {
    benchLog(`${signal}: stopping what the benchmark started`);
    void cleanup.runAll().finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    const results = await run(cleanup, benchLog);
    writeJson(out, results);
    process.stdout.write(`${toMarkdown(results)}\n`);
    benchLog(`results written to ${out}`);
  } finally {
    await cleanup.runAll();
  }
}

/** Runs a benchmark's main: any failure is printed and exits non-zero. */
export const runMain = (main: () => Promise<void>): void => {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
};
