/**
 * The processes of the audit benchmark (bench/audit.ts forks them with IPC), so each peak RSS is one
 * process's own:
 * - `verify`: verifies the whole log's hash chains (and anchors) as `npm run audit -- verify` does.
 * - `replay-check`: first rebuilds the read models an embedded api would serve (in memory), then runs the
 *   replay check against them as GET /v1/audit/replay-check does: replay into a second in-memory set,
 *   compare every document.
 */
import { replayCheck, verifyEventLog } from '@app/audit';
import { SqliteEventStore } from '@app/event-store/sqlite';
import { readModelCollections, readModels, replay } from '@app/projections';
import { MemoryReadStore } from '@app/read-store/memory';
import { now } from './support/stats';

export type AuditWorkerConfig = { role: 'verify' | 'replay-check'; file: string };

export type AuditWorkerReport = {
  ok: boolean;
  events: number;
  seconds: number;
  eventsPerSecond: number;
  peakRssMb: number;
  /** replay-check: the process's RSS once the served read models were loaded, before the check. */
  servedRssMb?: number;
  /** replay-check: documents compared. */
  documents?: number;
};

const rssMb = () => process.memoryUsage().rss / 1024 / 1024;
const peakRssMb = () => process.resourceUsage().maxRSS / 1024;

/** Times one check: its verdict and event count, events/s over its whole run, the process's peak RSS. */
async function timed(check: () => Promise<{ ok: boolean; events: number }>): Promise<AuditWorkerReport> {
  const start = now();
  const { ok, events } = await check();
  const seconds = (now() - start) / 1000;
  return { ok, events, seconds, eventsPerSecond: events / seconds, peakRssMb: peakRssMb() };
}

async function run(config: AuditWorkerConfig): Promise<AuditWorkerReport> {
  const events = new SqliteEventStore(config.file, { synchronous: 'NORMAL' });
  try {
    if (config.role === 'verify') return await timed(() => verifyEventLog(events, { log: true }));
    const served = new MemoryReadStore(readModelCollections);
    await replay(events, served, readModels, { batchSize: 1000 });
    const servedRssMb = rssMb();
    let documents = 0;
    const report = await timed(async () => {
      const check = await replayCheck(events, served, {
        scratchStore: (collections) => new MemoryReadStore(collections),
        waitForLive: async () => true,
      });
      documents = Object.values(check.documents).reduce((sum, count) => sum + count, 0);
      return check;
    });
    return { ...report, servedRssMb, documents };
  } finally {
    await events.close();
  }
}

if (require.main === module) {
  run(JSON.parse(process.argv[2]) as AuditWorkerConfig).then(
    (report) => process.send!({ type: 'audit', report }, () => process.exit(0)),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
