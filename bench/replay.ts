/**
 * Benchmark 5 alone, in interleaved rounds: the embedded api's boot replay on two threads (ParallelReplay,
 * mode `apply`) against the same replay on the main thread alone (`one-thread`) and the parse-only
 * baseline (`parse`), each run in a fresh process with the api's Node flags: the suite's replay job
 * (bench/suiteWorker.ts, role `replay`).
 *
 *   npm run bench:replay [-- --events 1000000 --rounds 3 --built --min-events 100000]
 *
 * The log is generated once (bench/support/logGenerator.ts). Each round runs the three modes in an order
 * rotated per round (baseline, two, one; two, one, baseline; one, baseline, two; ...), so that no mode
 * always runs first or after the same other; the load average is read before and after each run. Per
 * round: events/s of each, two threads against one and against the baseline; then the medians.
 * `--built` runs the libraries from `npx nest build api`'s dist/ (built first), as `npm start` runs them.
 * `--min-events` is the boot path's threshold for the second thread (the api's REPLAY_WORKER_MIN_EVENTS by
 * default); each run reports how many threads replayed.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { REPLAY_BATCH_SIZE, RESULTS_DIR, job } from './suite';
import type { ReplayReport } from './suiteWorker';
import { generateLog } from './support/logGenerator';
import { type Machine, integer, machine, runAndReport, runMain } from './support/report';
import type { Cleanup } from './support/servers';

const REPO_ROOT = resolve(__dirname, '..');

export type ReplayMode = 'parse' | 'apply' | 'one-thread';

const MODES: readonly ReplayMode[] = ['parse', 'apply', 'one-thread'];

/** Round `round`'s order (from 1): the modes rotated by one place per round. */
export const roundOrder = (round: number): ReplayMode[] => {
  const shift = (round - 1) % MODES.length;
  return [...MODES.slice(shift), ...MODES.slice(0, shift)];
};

export type ReplayBenchOptions = {
  events: number;
  rounds: number;
  /** Run the libraries from dist/ (`npx nest build api`, run first) instead of from source. */
  built: boolean;
  /** The boot path's threshold for the second thread; the api's default when unset. */
  minEvents?: number;
  cleanup: Cleanup;
  log: (line: string) => void;
};

export type ReplayRun = ReplayReport & {
  mode: ReplayMode;
  /** Load average (1 min) when the run started and when it ended. */
  loadAverage: [number, number];
};

/** Events/s of each mode, and the two threads' against one thread and against the baseline. */
export type ReplayFigures = {
  parse: number;
  twoThreads: number;
  oneThread: number;
  twoVsOne: number;
  twoVsParse: number;
};

export type ReplayRound = { round: number; runs: ReplayRun[]; figures: ReplayFigures };

export type ReplayBenchResults = {
  date: string;
  machine: Machine;
  settings: Omit<ReplayBenchOptions, 'cleanup' | 'log'>;
  log: { events: number; byType: Record<string, number>; bytes: number; seconds: number };
  rounds: ReplayRound[];
  /** Per figure, the median over the rounds. */
  medians: ReplayFigures;
};

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

const figures = (runs: readonly ReplayRun[]): ReplayFigures => {
  const rate = (mode: ReplayMode) => runs.find((run) => run.mode === mode)!.eventsPerSecond;
  const [parse, twoThreads, oneThread] = [rate('parse'), rate('apply'), rate('one-thread')];
  return { parse, twoThreads, oneThread, twoVsOne: twoThreads / oneThread, twoVsParse: twoThreads / parse };
};

export async function runReplayBench(options: ReplayBenchOptions): Promise<ReplayBenchResults> {
  const { cleanup, log, events, rounds, built, minEvents } = options;
  if (built) {
    log('building dist/ (npx nest build api)');
    execFileSync('npx', ['nest', 'build', 'api'], { cwd: REPO_ROOT, stdio: ['ignore', 2, 2] });
  }
  const work = mkdtempSync(join(tmpdir(), 'bench-replay-'));
  cleanup.add('the work directory', async () => rmSync(work, { recursive: true, force: true }));
  log(`generating ${integer(events)} events`);
  const file = join(work, 'events.db');
  const generated = await generateLog({ file, events });

  const results: ReplayRound[] = [];
  for (let round = 1; round <= rounds; round++) {
    const runs: ReplayRun[] = [];
    for (const mode of roundOrder(round)) {
      log(`round ${round}: ${mode}`);
      const before = loadavg()[0];
      const report = await job<ReplayReport>(
        { role: 'replay', file, mode, batchSize: REPLAY_BATCH_SIZE, minEvents, built },
        cleanup,
      );
      runs.push({ mode, loadAverage: [before, loadavg()[0]], ...report });
    }
    results.push({ round, runs, figures: figures(runs) });
  }
  const over = (pick: (figures: ReplayFigures) => number) => median(results.map((r) => pick(r.figures)));
  return {
    date: new Date().toISOString(),
    machine: machine(),
    settings: { events, rounds, built, minEvents },
    log: {
      events: generated.events,
      byType: generated.byType,
      bytes: statSync(file).size,
      seconds: generated.seconds,
    },
    rounds: results,
    medians: {
      parse: over((f) => f.parse),
      twoThreads: over((f) => f.twoThreads),
      oneThread: over((f) => f.oneThread),
      twoVsOne: over((f) => f.twoVsOne),
      twoVsParse: over((f) => f.twoVsParse),
    },
  };
}

const loadRange = (runs: readonly ReplayRun[]): string => {
  const values = runs.flatMap((run) => run.loadAverage);
  return `${Math.min(...values).toFixed(1)}-${Math.max(...values).toFixed(1)}`;
};

const factor = (value: number) => `${value.toFixed(2)}×`;

/** docs/performance.md's table for benchmark 5: events/s per round and mode, the ratios, the medians. */
export function toMarkdown(results: ReplayBenchResults): string {
  const { settings, log, machine: m } = results;
  const rateRow = (label: string, f: ReplayFigures) =>
    `| ${label} | ${integer(f.parse)} | ${integer(f.twoThreads)} | ${integer(f.oneThread)} | ${factor(f.twoVsOne)} | ${factor(f.twoVsParse)} |`;
  const oneThreadBoots = results.rounds
    .filter(({ runs }) => runs.some((run) => run.mode === 'apply' && run.threads === 1))
    .map(({ round }) => round);
  const types = Object.entries(log.byType)
    .map(([type, count]) => `${integer(count)} ${type}`)
    .join(', ');
  return [
    `Replay on two threads (benchmark 5), ${results.date.slice(0, 10)}: ${m.cpus} cores (${m.cpuModel}), ${m.memoryGb} GiB, Node ${m.node}, ${m.platform}.`,
    `${settings.built ? 'Built (npx nest build api)' : 'From source'}; a log of ${integer(log.events)} events (${types}; ${integer(log.bytes / 1e6)} MB); ${settings.rounds} round(s), the order rotated per round; events/s.`,
    '',
    '| round (load) | parse-only baseline | two threads (boot) | one thread | two / one | two / baseline |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    ...results.rounds.map(({ round, runs, figures: f }) => rateRow(`${round} (${loadRange(runs)})`, f)),
    rateRow('median', results.medians),
    ...(oneThreadBoots.length
      ? [
          '',
          `The boot path replayed on one thread in round(s) ${oneThreadBoots.join(', ')}: fewer events than its threshold (--min-events).`,
        ]
      : []),
    '',
    '| round | run | mode | threads | load | s | CPU s | peak RSS, MB |',
    '| --- | ---: | --- | ---: | --- | ---: | ---: | ---: |',
    ...results.rounds.flatMap(({ round, runs }) =>
      runs.map(
        (run, index) =>
          `| ${round} | ${index + 1} | ${run.mode} | ${run.threads} | ${run.loadAverage.map((v) => v.toFixed(1)).join(' → ')} | ${run.seconds.toFixed(2)} | ${run.cpuSeconds.toFixed(2)} | ${integer(run.peakRssMb)} |`,
      ),
    ),
  ].join('\n');
}

if (require.main === module) {
  runMain(async () => {
    const { values } = parseArgs({
      options: {
        events: { type: 'string', default: '1000000' },
        rounds: { type: 'string', default: '3' },
        built: { type: 'boolean', default: false },
        'min-events': { type: 'string' },
        json: { type: 'string', default: join(RESULTS_DIR, 'replay.json') },
      },
    });
    await runAndReport(
      resolve(values.json),
      (cleanup, log) =>
        runReplayBench({
          events: Number(values.events),
          rounds: Number(values.rounds),
          built: values.built,
          minEvents: values['min-events'] === undefined ? undefined : Number(values['min-events']),
          cleanup,
          log,
        }),
      toMarkdown,
    );
  });
}
