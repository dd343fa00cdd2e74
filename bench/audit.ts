/**
 * The audit benchmark: how fast an auditor's checks run over a generated log of 1,000,000
 * hash-chained events, each beside the same-run baseline of reading and JSON-parsing that log.
 *
 *   npm run bench:audit [-- --events 1000000]
 *
 * - verify: the whole log's hash chains, as `npm run audit -- verify` (events/s, peak RSS).
 * - replay check: in one process, the read models an embedded api serves are rebuilt first (as at its
 *   boot), then the check replays the log into a second in-memory set and compares every document, as
 *   GET /v1/audit/replay-check does (events/s over the whole check, peak RSS, RSS before the check).
 * - baseline: a fresh process reading and JSON-parsing the same log (bench/suiteWorker.ts `replay parse`).
 * Each runs in its own process (bench/auditWorker.ts). The log comes from bench/support/logGenerator.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { AuditWorkerConfig, AuditWorkerReport } from './auditWorker';
import { RESULTS_DIR } from './suite';
import type { ReplayReport, SuiteWorkerConfig } from './suiteWorker';
import { runJob } from './support/fork';
import { generateLog } from './support/logGenerator';
import { type Machine, integer, machine, ratio, runAndReport, runMain } from './support/report';
import type { Cleanup } from './support/servers';

export type AuditBenchResults = {
  date: string;
  machine: Machine;
  events: number;
  generateSeconds: number;
  parse: ReplayReport;
  verify: AuditWorkerReport;
  replayCheck: AuditWorkerReport;
};

const WORKER = join(__dirname, 'auditWorker.ts');
const SUITE_WORKER = join(__dirname, 'suiteWorker.ts');

export async function runAuditBench(options: {
  events: number;
  cleanup: Cleanup;
  log: (line: string) => void;
}): Promise<AuditBenchResults> {
  const { cleanup, log } = options;
  const work = mkdtempSync(join(tmpdir(), 'bench-audit-'));
  cleanup.add('the audit benchmark log', async () => rmSync(work, { recursive: true, force: true }));
  const file = join(work, 'events.db');
  log(`generating ${integer(options.events)} hash-chained events`);
  const generated = await generateLog({ file, events: options.events, chained: true });
  const parseConfig: SuiteWorkerConfig = { role: 'replay', file, mode: 'parse', batchSize: 1000 };
  log('baseline: read + JSON.parse');
  const parse = await runJob<ReplayReport>(SUITE_WORKER, parseConfig, cleanup);
  log('verify');
  const verify = await runJob<AuditWorkerReport, AuditWorkerConfig>(
    WORKER,
    { role: 'verify', file },
    cleanup,
  );
  log('replay check');
  const replayCheck = await runJob<AuditWorkerReport, AuditWorkerConfig>(
    WORKER,
    { role: 'replay-check', file },
    cleanup,
  );
  return {
    date: new Date().toISOString(),
    machine: machine(),
    events: generated.events,
    generateSeconds: generated.seconds,
    parse,
    verify,
    replayCheck,
  };
}

export const toMarkdown = (results: AuditBenchResults): string => {
  const { parse, verify, replayCheck } = results;
  const row = (name: string, report: AuditWorkerReport, extra = '') =>
    `| ${name} | ${report.ok ? 'ok' : 'NOT OK'} | ${integer(report.eventsPerSecond)} | ${integer(report.peakRssMb)} MB${extra} | ` +
    `${ratio(report.eventsPerSecond, parse.eventsPerSecond)} |`;
  return [
    `Audit benchmark, ${integer(results.events)} hash-chained events, ${results.date.slice(0, 10)}, ` +
      `${results.machine.cpus} cores, Node ${results.machine.node}`,
    '',
    '| check | result | events/s | peak RSS | vs read + parse |',
    '| --- | --- | ---: | ---: | ---: |',
    row('verify (whole log: chains)', verify),
    row(
      'replay check (rebuild in memory + compare every document)',
      replayCheck,
      ` (${integer(replayCheck.servedRssMb ?? 0)} MB of it the served read models; ${integer(replayCheck.documents ?? 0)} documents)`,
    ),
    `| baseline: read + JSON.parse | - | ${integer(parse.eventsPerSecond)} | ${integer(parse.peakRssMb)} MB | ` +
      `${ratio(parse.eventsPerSecond, parse.eventsPerSecond)} |`,
  ].join('\n');
};

if (require.main === module) {
  runMain(async () => {
    const { values } = parseArgs({ options: { events: { type: 'string', default: '1000000' } } });
    await runAndReport(
      join(RESULTS_DIR, 'audit.json'),
      (cleanup, log) => runAuditBench({ events: Number(values.events), cleanup, log }),
      toMarkdown,
    );
  });
}
