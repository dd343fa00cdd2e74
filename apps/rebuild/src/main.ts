import 'reflect-metadata';
import {
  ALIAS_REFRESH_MS,
  loadConfig,
  openEventStore,
  openReadModelAliases,
  terminalProgress,
} from '@app/runtime';
import type { LoggerService } from '@nestjs/common';
import pino from 'pino';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_GRACE_MS, rebuildReadModels } from './rebuild';

const USAGE = `Rebuilds every read model from the event store into a new set of MongoDB collections while the
live set keeps serving, switches readers to it, then drops the old set.

Usage: npm run rebuild -- [--grace-ms N] [--batch-size N]
  --grace-ms N     how long after the switch the old set is dropped: readers re-read the alias, commits
                   under way end, and so do scans of the whole old set (an api's rank cache load, an
                   audit), which fail when it is dropped (default ${DEFAULT_GRACE_MS}; more than ${ALIAS_REFRESH_MS})
  --batch-size N   events per replayed commit (default 1000)

On a terminal, the replays draw their progress on stderr (events done, rate, time left) instead of
logging it once a second.

Environment: MONGO_URL (required), and the event store as the api sees it (EVENTSTORE_URL, or DATA_DIR
for the SQLite file). Exit code 0 when the new set is live and the old one dropped, 1 otherwise.`;

/** The rebuild CLI: one run, then exit. Logs are JSON lines on stdout, like the other processes'. */
async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      'grace-ms': { type: 'string' },
      'batch-size': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const graceMs = positiveInt(values['grace-ms'], '--grace-ms');
  const batchSize = positiveInt(values['batch-size'], '--batch-size');
  const config = loadConfig(process.env, ['MONGO_URL']);
  // Opening a SQLite file that is not there would create an empty log: never rebuild from one.
  const logFile = join(config.DATA_DIR, 'events.db');
  if (!config.EVENTSTORE_URL && !existsSync(logFile))
    throw new Error(`no event log at ${logFile} (DATA_DIR)`);

  const logger = pino({ level: config.LOG_LEVEL, base: { app: 'rebuild' } });
  const events = openEventStore(config, pinoService(logger));
  const readModels = await openReadModelAliases(config);
  // Ctrl-C or a stop before the switch abandons the new set cleanly; after it, the new set serves.
  const progress = terminalProgress();
  const abort = new AbortController();
  const stop = (signal: NodeJS.Signals) => abort.abort(new Error(`stopped by ${signal}`));
  process.once('SIGINT', stop).once('SIGTERM', stop);
  try {
    const result = await rebuildReadModels({
      events,
      aliases: readModels.aliases,
      graceMs,
      batchSize,
      signal: abort.signal,
      log: (message) => {
        progress.stop();
        logger.info(message);
      },
      onProgress: progress.active ? progress.show : undefined,
    });
    progress.stop();
    logger.info({ result }, 'rebuild finished');
    return 0;
  } finally {
    await readModels.close();
    await events.close();
  }
}

const positiveInt = (value: string | undefined, name: string): number | undefined => {
  if (value === undefined) return undefined;
  if (!/^[1-9]\d*$/.test(value)) throw new Error(`${name} must be a positive integer (got ${value})`);
  return Number(value);
};

/** What the runtime's adapter selection logs to (a Nest LoggerService), written by pino. */
const pinoService = (logger: pino.Logger): LoggerService => {
  const write =
    (level: 'info' | 'warn' | 'error' | 'debug') =>
    (first: unknown, message?: unknown): void => {
      if (typeof first === 'object' && first !== null) logger[level](first, String(message ?? ''));
      else logger[level](String(first));
    };
  return { log: write('info'), warn: write('warn'), error: write('error'), debug: write('debug') };
};

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
