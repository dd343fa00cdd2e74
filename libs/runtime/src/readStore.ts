import { readModelCollections } from '@app/projections';
import { MemoryReadStore, MongoReadStore, type ReadStore } from '@app/read-store';
import type { LoggerService } from '@nestjs/common';
import type { AppConfig } from './config';

/** The read store the configuration selects: MongoDB when its URL is set, memory otherwise. */
export const openReadStore = async (config: AppConfig, logger: LoggerService): Promise<ReadStore> => {
  if (config.MONGO_URL) {
    logger.log('using MongoDB read models');
    return MongoReadStore.open({ url: config.MONGO_URL, collections: readModelCollections });
  }
  logger.log('using in-memory read models, rebuilt from the event log');
  return new MemoryReadStore(readModelCollections);
};
