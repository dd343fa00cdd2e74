import type { EventStore, SnapshotStore } from '@app/event-store';
import { EsdbEventStore } from '@app/event-store/esdb';
import { SqliteEventStore, type SqliteEventStoreOptions } from '@app/event-store/sqlite';
import type { LoggerService } from '@nestjs/common';
import { join } from 'node:path';
import type { AppConfig } from './config';

/**
 * How often a process that tails the SQLite file polls for other processes' appends (its own wake it at
 * once). One index probe per poll: cheap enough for the relay and for an API beside other APIs.
 */
export const TAIL_POLL_MS = 5;

/** The embedded event store's file, in DATA_DIR. */
export const sqliteFile = (config: AppConfig): string => join(config.DATA_DIR, 'events.db');

/**
 * The event store the configuration selects, which keeps the streams' snapshots too: EventStoreDB when its
 * URL is set, the SQLite file otherwise.
 */
export const openEventStore = (
  config: AppConfig,
  logger: LoggerService,
  options: Pick<SqliteEventStoreOptions, 'pollIntervalMs' | 'onGroupCommit'> = {},
): EventStore & SnapshotStore => {
  if (config.EVENTSTORE_URL) {
    logger.log('using EventStoreDB');
    return new EsdbEventStore(config.EVENTSTORE_URL);
  }
  const file = sqliteFile(config);
  logger.log({ file, synchronous: config.SQLITE_SYNCHRONOUS }, 'using the embedded SQLite event store');
  return new SqliteEventStore(file, { synchronous: config.SQLITE_SYNCHRONOUS, ...options });
};
