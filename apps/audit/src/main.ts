import 'reflect-metadata';
import { type AuditScope, type VerificationReport, verifyEventLog } from '@app/audit';
import { loadConfig, openEventStore } from '@app/runtime';
import type { LoggerService } from '@nestjs/common';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const USAGE = `Verifies the event log's tamper evidence: every event's hash against its content and the event
before it in its stream, and the anchors in the audit stream against the log.

Usage: npm run audit -- verify [--stream ID | --category NAME] [--json]
  (no scope)        the whole log: hash chains and every anchor's digest, count and stream heads
  --stream ID       one stream (playerEconomy-p1): its chain and the heads anchors recorded for it
  --category NAME   every stream named NAME-... (playerEconomy)
  --json            print the report as JSON instead of text

Environment: the event store as the api sees it (EVENTSTORE_URL, or DATA_DIR for the SQLite file).
Exit code 0 when everything verifies, 1 at a broken link, 2 when the log cannot be read.`;

const PROGRESS_EVERY = 100_000;

/** The audit CLI: one verification, then exit. */
async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      stream: { type: 'string' },
      category: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (positionals.join(' ') !== 'verify' || (values.stream && values.category)) {
    console.error(USAGE);
    return 2;
  }
  const scope: AuditScope = values.stream
    ? { stream: values.stream }
    : values.category
      ? { category: values.category }
      : { log: true };

  const config = loadConfig(process.env);
  // Opening a SQLite file that is not there would create an empty log, which verifies: refuse instead.
  const logFile = join(config.DATA_DIR, 'events.db');
  if (!config.EVENTSTORE_URL && !existsSync(logFile)) {
    console.error(`no event log at ${logFile} (DATA_DIR)`);
    return 2;
  }
  const store = openEventStore(config, quiet);
  const started = Date.now();
  let reported = 0;
  try {
    const report = await verifyEventLog(store, scope, {
      onProgress: (position, events) => {
        if (events - reported < PROGRESS_EVERY) return;
        reported = events;
        console.error(`... ${events} events read, position ${position}`);
      },
    });
    const seconds = (Date.now() - started) / 1000;
    console.log(values.json ? JSON.stringify({ scope, ...report, seconds }) : describe(report, seconds));
    return report.ok ? 0 : 1;
  } finally {
    await store.close();
  }
}

export const describe = (report: VerificationReport, seconds: number): string => {
  const counts =
    `${report.events} events in ${report.streams} streams (${report.chained} chained, ` +
    `${report.legacy} legacy without hash), ${report.anchors} anchors checked, ${seconds.toFixed(1)} s`;
  if (report.ok) return `ok: ${counts}`;
  const { kind, streamId, revision, position, expected, actual, detail } = report.broken;
  return [
    `BROKEN (${kind}) at ${streamId} revision ${revision}${position === undefined ? '' : ` (position ${position})`}`,
    `  expected: ${expected}`,
    `  actual:   ${actual}`,
    `  ${detail}`,
    `  before the break: ${counts}`,
  ].join('\n');
};

/** The adapter selection's log lines are not part of the report. */
const quiet: LoggerService = { log: () => undefined, warn: console.error, error: console.error };

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(2);
    },
  );
}
