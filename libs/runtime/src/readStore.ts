import { readModelCollections } from '@app/projections';
import { AliasedReadStore, MemoryReadStore, type ReadStore } from '@app/read-store';
import type { LoggerService } from '@nestjs/common';
import type { AppConfig } from './config';

/**
 * The read store the configuration selects: MongoDB when its URL is set, memory otherwise. On MongoDB
 * the set of collections is the one the alias document names, so `npm run rebuild` can switch every
 * process to a rebuilt set while they run.
 */
export const openReadStore = async (config: AppConfig, logger: LoggerService): Promise<ReadStore> => {
  if (config.MONGO_URL) {
    const store = await AliasedReadStore.open({ url: config.MONGO_URL, collections: readModelCollections });
    logger.log({ namespace: (await store.alias()).live }, 'using MongoDB read models');
    return store;
  }
  logger.log('using in-memory read models, rebuilt from the event log');
  return new MemoryReadStore(readModelCollections);
};
