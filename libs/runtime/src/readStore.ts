import { type AnyProjection, projectionsDigest, readModelCollections } from '@app/projections';
import type { CollectionDefinition, ReadModelSnapshots, ReadStore } from '@app/read-store';
import { MemoryReadStore, MemorySnapshotFile } from '@app/read-store/memory';
import {
  AliasedReadStore,
  type MongoTimeouts,
  ReadModelAliases,
  connectReadModels,
} from '@app/read-store/mongo';
import { join } from 'node:path';
import type { LoggerService } from '@nestjs/common';
import type { AppConfig } from './config';
import { sqliteFile } from './eventStore';
import { ParallelReplay } from './parallelReplay';

export { ALIAS_REFRESH_MS, type ReadModelAliases, RebuildLostError } from '@app/read-store/mongo';

const mongoOptions = (config: AppConfig) => ({ maxWritesPerCall: config.MONGO_MAX_WRITES_PER_CALL });

const mongoTimeouts = (config: AppConfig): MongoTimeouts => ({
  serverSelectionMs: config.MONGO_SERVER_SELECTION_TIMEOUT_MS,
  waitQueueMs: config.MONGO_WAIT_QUEUE_TIMEOUT_MS,
  operationMs: config.MONGO_OPERATION_TIMEOUT_MS,
});

/**
 * The read store the configuration selects: MongoDB when its URL is set, memory otherwise. On MongoDB
 * the set of collections is the one the alias document names, so `npm run rebuild` can switch every
 * process to a rebuilt set while they run.
 */
export const openReadStore = async (config: AppConfig, logger: LoggerService): Promise<ReadStore> => {
  if (config.MONGO_URL) {
    const store = await AliasedReadStore.open({
      url: config.MONGO_URL,
      collections: readModelCollections,
      timeouts: mongoTimeouts(config),
      ...mongoOptions(config),
    });
    logger.log({ namespace: (await store.alias()).live }, 'using MongoDB read models');
    return store;
  }
  logger.log('using in-memory read models, rebuilt from the event log');
  return new MemoryReadStore(readModelCollections);
};

/**
 * The snapshot file of the in-memory read models that `projections` build, when they are in memory and
 * READ_MODEL_SNAPSHOT_EVERY_EVENTS is not 0; null otherwise (MongoDB keeps its own read models).
 */
export const openReadModelSnapshots = (
  config: AppConfig,
  store: ReadStore,
  projections: readonly AnyProjection[],
): ReadModelSnapshots | null =>
  store instanceof MemoryReadStore && config.READ_MODEL_SNAPSHOT_EVERY_EVENTS > 0
    ? new MemorySnapshotFile(
        store,
        config.READ_MODEL_SNAPSHOT_FILE ?? join(config.DATA_DIR, 'read-models.snapshot'),
        projectionsDigest(projections),
      )
    : null;

/**
 * The boot's replay on two threads (ParallelReplay) of the read models `projections` build, when the
 * event store is the SQLite file, the read models are in memory and REPLAY_WORKER_MIN_EVENTS is not 0;
 * null otherwise.
 */
export const openParallelReplay = (
  config: AppConfig,
  store: ReadStore,
  projections: readonly AnyProjection[],
  logger: Pick<LoggerService, 'log' | 'error'>,
): ParallelReplay | null =>
  !config.EVENTSTORE_URL && store instanceof MemoryReadStore && config.REPLAY_WORKER_MIN_EVENTS > 0
    ? new ParallelReplay(sqliteFile(config), store, projections, config.REPLAY_WORKER_MIN_EVENTS, logger)
    : null;

/** An empty in-memory read store: a cache kept beside the stored read models, or a replay's scratch space. */
export const openScratchReadStore = (collections: readonly CollectionDefinition<never>[]): ReadStore =>
  new MemoryReadStore(collections);

/** The alias document of the MongoDB read models (MONGO_URL), for a blue/green rebuild, and its connection. */
export const openReadModelAliases = async (
  config: AppConfig,
): Promise<{ aliases: ReadModelAliases; close(): Promise<void> }> => {
  if (!config.MONGO_URL) throw new Error('MONGO_URL must be set');
  const connection = await connectReadModels(config.MONGO_URL, { timeouts: mongoTimeouts(config) });
  return {
    aliases: new ReadModelAliases(connection, readModelCollections, mongoOptions(config)),
    close: () => connection.close(),
  };
};
