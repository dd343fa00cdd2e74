/**
 * Closed leaderboard periods (benchmark 8 of the suite, bench/suite.ts): one period of `entries` entries
 * held as a live period is (a document object, a table entry and a sorted-list entry per entry) and as a
 * closed one is (frozen on its LeaderboardPeriodClosed: columns), in one process (bench/frozenWorker.ts):
 * the memory each form holds, and the latency of the api's board queries on each. The live form is the
 * baseline. This command runs it alone, with the columns each field took:
 *
 *   npm run bench:frozen [-- --entries 1000000 --queries 20000 --metadata-share 0.1]
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { FrozenQuery, FrozenWorkerConfig, FrozenWorkerReport } from './frozenWorker';
import { RESULTS_DIR } from './suite';
import { runJob } from './support/fork';
import { type Machine, integer, machine, ratio, runAndReport, runMain } from './support/report';
import type { Cleanup } from './support/servers';

export type FrozenSettings = Omit<FrozenWorkerConfig, 'role'>;

export type FrozenBenchResults = {
  date: string;
  machine: Machine;
  settings: FrozenSettings;
  report: FrozenWorkerReport;
};

const WORKER = join(__dirname, 'frozenWorker.ts');

/** Share of the entries whose submission carried metadata (a sparse field of the frozen columns). */
export const CLOSED_METADATA_SHARE = 0.1;

/** Measures one period live and closed in a fresh process. */
export function measureClosedPeriod(settings: FrozenSettings, cleanup: Cleanup): Promise<FrozenWorkerReport> {
  return runJob<FrozenWorkerReport, FrozenWorkerConfig>(WORKER, { role: 'frozen', ...settings }, cleanup);
}

const QUERIES: [FrozenQuery, string][] = [
  ['top100', 'top 100 (first page)'],
  ['nextPage', 'next 100 after a cursor'],
  ['rankOf', "a player's rank"],
  ['aroundMe', 'around-me slice of 21'],
  ['find', 'one entry by id'],
];

const micros = (d: { p50: number; p99: number }) => `${d.p50.toFixed(1)} / ${d.p99.toFixed(1)} µs`;

/** The suite's rows (benchmark | value | same-run baseline | ratio | target) for a closed period. */
export function closedPeriodRows(report: FrozenWorkerReport): string[][] {
  const { live, frozen } = report.memoryMb;
  const perMillion = (mb: number) => (mb * 1_000_000) / Math.max(1, report.entries);
  const rows = [
    [
      `8. memory per 1,000,000 entries of a closed period (frozen; ${integer(report.entries)} entries)`,
      `${integer(perMillion(frozen))} MB`,
      `${integer(perMillion(live))} MB (the same entries in a live period)`,
      ratio(frozen, live),
      `less than live: ${frozen < live ? 'met' : '**missed**'}`,
    ],
  ];
  for (const [key, label] of QUERIES) {
    const latency = report.latency[key];
    rows.push([
      `8. ${label} on a closed period, in-process p50 / p99`,
      micros(latency.frozen),
      `${micros(latency.live)} (the live period)`,
      ratio(latency.frozen.p99, latency.live.p99),
      `p99 < 1 ms: ${latency.frozen.p99 < 1000 ? 'met' : '**missed**'}`,
    ]);
  }
  return rows;
}

export const toMarkdown = ({ date, machine: m, settings, report }: FrozenBenchResults): string =>
  [
    `Closed leaderboard period, ${integer(report.entries)} entries (${Math.round(settings.metadataShare * 100)}% ` +
      `with metadata), ${integer(settings.queries)} calls per query, ${date.slice(0, 10)}: ${m.cpus} cores ` +
      `(${m.cpuModel}), Node ${m.node}.`,
    '',
    '| benchmark | value | same-run baseline | ratio | target |',
    '| --- | ---: | ---: | ---: | --- |',
    ...closedPeriodRows(report).map((row) => `| ${row.join(' | ')} |`),
    '',
    `Memory: V8 heap used plus ArrayBuffer backing stores, after a full GC. Freeze on the close: ` +
      `${report.freezeSeconds.toFixed(2)} s, the event loop waiting at most ${report.freezeStallMs.toFixed(0)} ms at a time; ` +
      `a write to a frozen entry (thaw, then the write): ` +
      `${report.thawSeconds.toFixed(2)} s.`,
    '',
    `Columns: ${Object.entries(report.layout)
      .map(([field, layout]) => `${field} ${layout}`)
      .join('; ')}`,
  ].join('\n');

if (require.main === module) {
  runMain(async () => {
    const { values } = parseArgs({
      options: {
        entries: { type: 'string', default: '1000000' },
        queries: { type: 'string', default: '20000' },
        'metadata-share': { type: 'string', default: String(CLOSED_METADATA_SHARE) },
      },
    });
    const settings: FrozenSettings = {
      entries: Number(values.entries),
      queries: Number(values.queries),
      metadataShare: Number(values['metadata-share']),
    };
    await runAndReport(
      join(RESULTS_DIR, 'frozen.json'),
      async (cleanup, log) => {
        log(`one period of ${integer(settings.entries)} entries, live and closed`);
        const report = await measureClosedPeriod(settings, cleanup);
        return { date: new Date().toISOString(), machine: machine(), settings, report };
      },
      toMarkdown,
    );
  });
}
