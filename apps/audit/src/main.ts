import 'reflect-metadata';
import { replayCheckProgress, verificationProgress } from '@app/application';
import {
  type AuditScope,
  type ExportScope,
  type ReadModelDifference,
  type VerificationReport,
  exportEvents,
  ndjsonLines,
  periodStandingsAt,
  playerHistory,
  playerStateAt,
  replayCheck,
  verifyEventLog,
} from '@app/audit';
import type { EventStore } from '@app/event-store';
import {
  type AppConfig,
  loadConfig,
  openEventStore,
  openReadStore,
  openScratchReadStore,
  readModelCheckpoints,
  storedPosition,
  terminalProgress,
} from '@app/runtime';
import type { LoggerService } from '@nestjs/common';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const USAGE = `The auditor's tools, reading the event store directly (the same code as the api's /v1/audit).

Usage: npm run audit -- <command> [options]
  verify [--stream ID | --category NAME] [--json]
      the hash chains and anchors: the whole log, one stream (playerEconomy-p1) or a category
      (playerEconomy); exit 1 at the first broken link
  history --player ID [--after REVISION] [--limit N]
      a player's economy stream, one JSON event per line, each with its hash check
  state --player ID (--position N | --at ISO-8601)
      a player's wallet and inventory as of a global position or a moment (JSON)
  export (--player ID | --from ISO-8601 --to ISO-8601)
      NDJSON: the stored events of a player, or every event that occurred in [from, to), with hashes
  standings --board ID --period PERIOD [--position N | --at ISO-8601] [--adjudication N] [--limit N]
      a board's period as it stood at a moment (the head by default), computed from the log: its
      standings (a closed period's as closed, or as adjudicated), their hash, the top N (10), and for a
      closed period whether the recomputed hash equals the one its close recorded (exit 1 when not)
  replay-check [--limit N] [--json]
      rebuild every read model from the log in memory and compare each document with the read models
      in MongoDB (MONGO_URL); every difference is printed; exit 1 when there is one

On a terminal, verify and replay-check draw their progress on stderr (events done, rate, time left);
with --json, or when stderr is not a terminal, they print none.

Environment: the stores as the api sees them (EVENTSTORE_URL, or DATA_DIR for the SQLite file; MONGO_URL).
Exit code 0 when everything checks, 1 at a broken link or a difference, 2 on bad usage or an unreadable store.`;

/** How long replay-check waits for the projectors to apply what it replayed. */
const LIVE_WAIT_MS = 30_000;

class UsageError extends Error {}

type Options = Partial<
  Record<
    | 'stream'
    | 'category'
    | 'player'
    | 'board'
    | 'period'
    | 'adjudication'
    | 'after'
    | 'limit'
    | 'position'
    | 'at'
    | 'from'
    | 'to',
    string
  >
> & {
  json?: boolean;
};

/** The audit CLI: one command, then exit. */
async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      stream: { type: 'string' },
      category: { type: 'string' },
      player: { type: 'string' },
      board: { type: 'string' },
      period: { type: 'string' },
      adjudication: { type: 'string' },
      after: { type: 'string' },
      limit: { type: 'string' },
      position: { type: 'string' },
      at: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const command = COMMANDS[positionals.join(' ')];
  if (!command) throw new UsageError(`unknown command "${positionals.join(' ')}"`);

  const config = loadConfig(process.env);
  // Opening a SQLite file that is not there would create an empty log, which verifies: refuse instead.
  const logFile = join(config.DATA_DIR, 'events.db');
  if (!config.EVENTSTORE_URL && !existsSync(logFile)) {
    console.error(`no event log at ${logFile} (DATA_DIR)`);
    return 2;
  }
  const store = openEventStore(config, quiet);
  try {
    return await command(store, values, config);
  } finally {
    await store.close();
  }
}

type Command = (store: EventStore, options: Options, config: AppConfig) => Promise<number>;

const COMMANDS: Record<string, Command> = {
  verify: async (store, options) => {
    if (options.stream && options.category) throw new UsageError('give --stream or --category, not both');
    const scope: AuditScope = options.stream
      ? { stream: options.stream }
      : options.category
        ? { category: options.category }
        : { log: true };
    const started = Date.now();
    const progress = terminalProgress({ json: options.json });
    const report = await verifyEventLog(store, scope, {
      onProgress: verificationProgress(await store.headPosition(), progress.show),
    });
    progress.stop();
    const seconds = (Date.now() - started) / 1000;
    console.log(options.json ? JSON.stringify({ scope, ...report, seconds }) : describe(report, seconds));
    return report.ok ? 0 : 1;
  },

  history: async (store, options) => {
    const playerId = required(options, 'player');
    let after = options.after === undefined ? undefined : integer(options, 'after');
    let left = options.limit === undefined ? Infinity : integer(options, 'limit');
    let broken = 0;
    while (left > 0) {
      const page = await playerHistory(store, playerId, {
        afterRevision: after,
        limit: Math.min(left, 1000),
      });
      for (const event of page.events) {
        if (event.verification.status === 'broken') broken += 1;
        console.log(JSON.stringify(event));
      }
      left -= page.events.length;
      if (page.nextAfterRevision === null) break;
      after = page.nextAfterRevision;
    }
    return broken === 0 ? 0 : 1;
  },

  state: async (store, options) => {
    const playerId = required(options, 'player');
    if ((options.position === undefined) === (options.at === undefined)) {
      throw new UsageError('give --position or --at (exactly one)');
    }
    const state = await playerStateAt(
      store,
      playerId,
      options.position !== undefined
        ? { position: integer(options, 'position') }
        : { timestamp: moment(options, 'at') },
    );
    console.log(JSON.stringify(state, null, 2));
    return state.verification.ok ? 0 : 1;
  },

  export: async (store, options) => {
    const scope: ExportScope =
      options.player !== undefined
        ? { playerId: options.player }
        : { from: moment(options, 'from'), to: moment(options, 'to') };
    for await (const page of exportEvents(store, scope)) {
      // Respect a slow reader (a pipe into another tool) rather than buffer the log.
      if (!process.stdout.write(ndjsonLines(page)))
        await new Promise((resolve) => process.stdout.once('drain', resolve));
    }
    return 0;
  },

  standings: async (store, options) => {
    if (options.position !== undefined && options.at !== undefined) {
      throw new UsageError('give --position or --at, not both');
    }
    const report = await periodStandingsAt(store, {
      leaderboardId: required(options, 'board'),
      period: required(options, 'period'),
      at:
        options.at !== undefined
          ? { timestamp: moment(options, 'at') }
          : {
              position:
                options.position === undefined ? await store.headPosition() : integer(options, 'position'),
            },
      adjudication: options.adjudication === undefined ? undefined : integer(options, 'adjudication'),
      limit: options.limit === undefined ? 10 : integer(options, 'limit'),
    });
    console.log(JSON.stringify(report, null, 2));
    return report.verification?.matches === false ? 1 : 0;
  },

  'replay-check': async (store, options, config) => {
    if (!config.MONGO_URL) {
      throw new UsageError(
        'the embedded read models live inside the api process: use GET /v1/audit/replay-check there, ' +
          'or set MONGO_URL to check the read models in MongoDB',
      );
    }
    const live = await openReadStore(config, quiet);
    const checkpoints = readModelCheckpoints(config);
    const progress = terminalProgress({ json: options.json });
    try {
      const report = await replayCheck(store, live, {
        scratchStore: openScratchReadStore,
        maxListed: options.limit === undefined ? 100 : integer(options, 'limit'),
        waitForLive: async (position) => {
          for (const deadline = Date.now() + LIVE_WAIT_MS; Date.now() < deadline;) {
            if ((await storedPosition(live, checkpoints)) >= position) return true;
            await new Promise((resolve) => setTimeout(resolve, 100));
          }
          return false;
        },
        onDifference: (difference) => {
          if (options.json) return;
          progress.stop();
          console.log(describeDifference(difference));
        },
        onProgress: replayCheckProgress(progress.show),
      });
      progress.stop();
      for (const { collection, id } of report.unsettled) {
        if (!options.json)
          console.log(`UNSETTLED ${collection}/${id}: it kept changing through every recheck`);
      }
      const counts = Object.entries(report.documents).map(([collection, count]) => `${collection} ${count}`);
      if (options.json) console.log(JSON.stringify(report));
      else if (report.liveBehind)
        console.log(`NOT CHECKED: the read models did not reach position ${report.position}`);
      else {
        console.log(
          `${report.ok ? 'ok' : `${report.differenceCount} DIFFERENCES, ${report.unsettled.length} UNSETTLED`}: ` +
            `${report.events} events replayed to ` +
            `position ${report.position}; documents ${counts.join(', ')}; ${report.seconds.toFixed(1)} s`,
        );
      }
      return report.ok ? 0 : 1;
    } finally {
      await live.close();
    }
  },
};

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

const describeDifference = ({
  collection,
  id,
  kind,
  fields,
  expected,
  actual,
}: ReadModelDifference): string =>
  [
    `${kind.toUpperCase()} ${collection}/${id}${fields ? ` (${fields.join(', ')})` : ''}`,
    `  replayed: ${JSON.stringify(expected)}`,
    `  served:   ${JSON.stringify(actual)}`,
  ].join('\n');

const required = (options: Options, name: keyof Options & string): string => {
  const value = options[name];
  if (typeof value !== 'string' || value === '') throw new UsageError(`--${name} is required`);
  return value;
};

const integer = (options: Options, name: keyof Options & string): number => {
  const value = required(options, name);
  if (!/^\d{1,16}$/.test(value)) throw new UsageError(`--${name} must be a non-negative integer`);
  return Number(value);
};

const moment = (options: Options, name: keyof Options & string): Date => {
  const value = required(options, name);
  const at = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(value) || Number.isNaN(at.getTime())) {
    throw new UsageError(`--${name} must be an ISO-8601 timestamp (2026-11-21T10:00:00Z)`);
  }
  return at;
};

/** The adapter selection's log lines are not part of the output. */
const quiet: LoggerService = { log: () => undefined, warn: console.error, error: console.error };

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      if (error instanceof UsageError) console.error(`${error.message}\n\n${USAGE}`);
      else console.error(error instanceof Error ? error.message : error);
      process.exit(2);
    },
  );
}
