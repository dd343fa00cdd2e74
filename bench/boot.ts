/**
 * The boot benchmark: an embedded api booting on a log of `events` events (grants, purchases, scores,
 * hash-chained as the api writes them; bench/support/logGenerator.ts), from its read model snapshot and
 * the log after it, against the same-run baseline: the same api replaying the whole log
 * (READ_MODEL_SNAPSHOT_EVERY_EVENTS=0: no snapshot loaded or written).
 *
 *   npm run bench:boot [-- --events 1000000 --seconds 30 --rate 200 --rounds 1]
 *
 * - to serving: from forking the api's process to its listening (the read models caught up).
 * - queries right after: from that moment, `rate` queries per second (a player's wallet and a board's
 *   top 10, alternating), open loop as in benchmark 2 of the suite, for `seconds`, in one-second windows:
 *   the worst window's p99 over the first 5 seconds against the same over the last third of the run.
 * - the snapshot file, in this process: its size, the time to write it from a store holding the replayed
 *   log (the cut and each chunk's serialization hold the event loop: the longest of those is the pause a
 *   write causes) and to load it into an empty store, beside the replay of the whole log.
 * Beside those two, the api's first boot with snapshots on and none yet: the full replay, then its first
 * snapshot written in the background while the queries run (what a write costs the queries).
 * The snapshot the api boots from is the one written here, copied beside the log; each round runs the
 * three boots in turn, each on a copy of the same log (the api's own audit anchors join the tail).
 */
import { projectionsDigest, readModelCollections, readModels, replay } from '@app/projections';
import { SqliteEventStore } from '@app/event-store/sqlite';
import { MemoryReadStore, MemorySnapshotFile } from '@app/read-store/memory';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { API_KEYS, RESULTS_DIR, startWorker } from './suite';
import { trafficPlayerId } from './support/economyTraffic';
import { boardId, generateLog } from './support/logGenerator';
import { type Load, openLoad } from './support/openLoad';
import { type Machine, integer, machine, ms, ratio, runAndReport, runMain } from './support/report';
import type { Cleanup } from './support/servers';
import { now } from './support/stats';

const GAME_KEY = 'bench-game-server-0123456789';
const SNAPSHOT = 'read-models.snapshot';

export type BootOptions = {
  events: number;
  seconds: number;
  rate: number;
  rounds: number;
  cleanup: Cleanup;
  log: (line: string) => void;
};

/**
 * - full replay: snapshots off (READ_MODEL_SNAPSHOT_EVERY_EVENTS=0), the baseline;
 * - first boot: snapshots on and none on disk yet: the whole log replayed, then a snapshot written in
 *   the background while the queries run;
 * - snapshot: the snapshot of this log beside it.
 */
export type BootKind = 'full replay' | 'first boot' | 'snapshot';

export type Boot = {
  kind: BootKind;
  /** The api left a snapshot file beside the log when it stopped. */
  leftSnapshot: boolean;
  toServingMs: number;
  /** One open-loop load per second after serving. */
  windows: Load[];
  /** The worst window's p99, and the max, over the first 5 seconds of serving. */
  first5s: { p99: number; max: number };
  /** The same over the last third of the run. */
  steady: { p99: number; max: number };
};

export type SnapshotFileReport = {
  documents: number;
  bytes: number;
  replayMs: number;
  writeMs: number;
  cutMs: number;
  longestStepMs: number;
  loadMs: number;
};

export type BootResults = {
  date: string;
  machine: Machine;
  loadAverage: number[];
  settings: Omit<BootOptions, 'cleanup' | 'log'>;
  file: SnapshotFileReport;
  boots: Boot[];
};

/** The worst p99 and the max of several one-second windows. */
const worst = (windows: readonly Load[]) => ({
  p99: Math.max(...windows.map((load) => load.latency.p99)),
  max: Math.max(...windows.map((load) => load.latency.max)),
});

export async function runBootBench(options: BootOptions): Promise<BootResults> {
  const { events, seconds, rate, rounds, cleanup, log } = options;
  const work = mkdtempSync(join(tmpdir(), 'bench-boot-'));
  cleanup.add('the boot benchmark directory', async () => rmSync(work, { recursive: true, force: true }));
  const logFile = join(work, 'events.db');
  log(`writing a log of ${integer(events)} events`);
  const generated = await generateLog({ file: logFile, events, chained: true });

  // 1. The snapshot file, in this process.
  log('replaying it in this process, then writing and loading its snapshot');
  const store = new MemoryReadStore(readModelCollections);
  const eventsStore = new SqliteEventStore(logFile, { synchronous: 'NORMAL' });
  let file: SnapshotFileReport;
  try {
    let start = now();
    const position = await replay(eventsStore, store, readModels);
    const replayMs = now() - start;
    const [last] = await eventsStore.readAll(position - 1, 1);
    const digest = projectionsDigest(readModels);
    const written = await new MemorySnapshotFile(store, join(work, SNAPSHOT), digest).cut().write(last.id);
    await store.close();
    const loaded = new MemoryReadStore(readModelCollections);
    start = now();
    const outcome = await new MemorySnapshotFile(loaded, join(work, SNAPSHOT), digest).load(
      async () => undefined,
    );
    const loadMs = now() - start;
    await loaded.close();
    if (!outcome.loaded) throw new Error(`the snapshot just written did not load: ${outcome.reason}`);
    file = {
      documents: written.documents,
      bytes: written.bytes,
      replayMs,
      writeMs: written.ms,
      cutMs: written.cutMs,
      longestStepMs: written.longestStepMs,
      loadMs,
    };
  } finally {
    await eventsStore.close();
  }

  // 2. The api's boots, alternating, each with queries from the moment it serves.
  const players = generated.players;
  let turn = 0;
  const next = () => {
    turn++;
    const path =
      turn % 2 === 0
        ? `/v1/players/${trafficPlayerId(turn % players)}/wallet`
        : `/v1/leaderboards/${boardId(0)}/entries?limit=10`;
    return { method: 'GET', path, headers: { authorization: `Bearer ${GAME_KEY}` } };
  };
  const boots: Boot[] = [];
  for (let round = 0; round < rounds; round++) {
    for (const kind of ['full replay', 'first boot', 'snapshot'] as const) {
      log(`booting the api (${kind}), round ${round + 1}`);
      const dir = mkdtempSync(join(work, 'boot-'));
      copyFileSync(logFile, join(dir, 'events.db'));
      if (kind === 'snapshot') copyFileSync(join(work, SNAPSHOT), join(dir, SNAPSHOT));
      const started = now();
      const api = startWorker(
        {
          role: 'api',
          dataDir: dir,
          apiKeys: API_KEYS,
          env: kind === 'full replay' ? { READ_MODEL_SNAPSHOT_EVERY_EVENTS: '0' } : {},
        },
        cleanup,
      );
      try {
        await api.ready;
        const toServingMs = now() - started;
        const windows: Load[] = [];
        for (let second = 0; second < seconds; second++)
          windows.push(await openLoad(api.url, next, { rate, seconds: 1, connections: 4 }));
        const steadyFrom = Math.floor((seconds * 2) / 3);
        await api.stop();
        boots.push({
          kind,
          leftSnapshot: existsSync(join(dir, SNAPSHOT)),
          toServingMs,
          windows,
          first5s: worst(windows.slice(0, 5)),
          steady: worst(windows.slice(steadyFrom)),
        });
      } finally {
        await api.stop();
        rmSync(dir, { recursive: true, force: true });
      }
    }
  }
  return {
    date: new Date().toISOString(),
    machine: machine(),
    loadAverage: loadavg(),
    settings: { events, seconds, rate, rounds },
    file,
    boots,
  };
}

export const toMarkdown = (results: BootResults): string => {
  const { file, boots, settings } = results;
  const mean = (kind: BootKind, figure: (boot: Boot) => number) => {
    const of = boots.filter((boot) => boot.kind === kind);
    return of.reduce((sum, boot) => sum + figure(boot), 0) / of.length;
  };
  const row = (label: string, figure: (boot: Boot) => number, format: (value: number) => string) => {
    const [full, first, snapshot] = (['full replay', 'first boot', 'snapshot'] as const).map((kind) =>
      mean(kind, figure),
    );
    return `| ${label} | ${format(snapshot)} | ${format(full)} | ${ratio(snapshot, full)} | ${format(first)} |`;
  };
  return [
    `Boot on a log of ${integer(settings.events)} events, ${results.date} (load average ${results.loadAverage
      .map((value) => value.toFixed(2))
      .join(' / ')}); ${settings.rounds} round(s), queries at ${settings.rate}/s for ${settings.seconds} s`,
    '',
    '| figure | from the snapshot | full replay (baseline) | ratio | first boot: full replay, then writes its snapshot |',
    '| --- | --- | --- | --- | --- |',
    row(
      'to serving, s',
      (boot) => boot.toServingMs / 1000,
      (value) => value.toFixed(2),
    ),
    row('query p99 (worst 1-s window), first 5 s, ms', (boot) => boot.first5s.p99, ms),
    row('query max, first 5 s, ms', (boot) => boot.first5s.max, ms),
    row('query p99 (worst 1-s window), last third, ms', (boot) => boot.steady.p99, ms),
    '',
    '| snapshot file | |',
    '| --- | --- |',
    `| documents / size | ${integer(file.documents)} / ${(file.bytes / 1e6).toFixed(1)} MB |`,
    `| write (in the background) / the cut / longest event-loop hold | ${ms(file.writeMs)} / ${ms(file.cutMs)} / ${ms(file.longestStepMs)} ms |`,
    `| load into an empty store | ${ms(file.loadMs)} ms |`,
    `| replay of the whole log, same process | ${ms(file.replayMs)} ms |`,
  ].join('\n');
};

if (require.main === module) {
  runMain(async () => {
    const { values } = parseArgs({
      options: {
        events: { type: 'string', default: '1000000' },
        seconds: { type: 'string', default: '30' },
        rate: { type: 'string', default: '200' },
        rounds: { type: 'string', default: '1' },
      },
    });
    await runAndReport(
      join(RESULTS_DIR, 'boot.json'),
      (cleanup, log) =>
        runBootBench({
          events: Number(values.events),
          seconds: Number(values.seconds),
          rate: Number(values.rate),
          rounds: Number(values.rounds),
          cleanup,
          log,
        }),
      toMarkdown,
    );
  });
}
