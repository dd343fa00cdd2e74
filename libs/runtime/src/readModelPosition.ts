import { partitionCheckpoint, topicsFor } from '@app/messaging';
import { EMBEDDED_CHECKPOINT, type ReadStore } from '@app/read-store';
import type { AppConfig } from './config';
import { deploymentMode } from './deploymentMode';

/**
 * The checkpoints that say how far the stored read models are complete: one per partition of the
 * events topic in cluster mode (the projectors'), the embedded projector's otherwise.
 */
export const readModelCheckpoints = (config: AppConfig): string[] => {
  if (deploymentMode(config) !== 'cluster') return [EMBEDDED_CHECKPOINT];
  const topic = topicsFor(config.KAFKA_TOPIC_PREFIX).events;
  return Array.from({ length: config.KAFKA_PARTITIONS }, (_, p) => partitionCheckpoint(topic, p));
};

/** Where the stored read models are complete: the lowest of the named checkpoints. */
export const storedPosition = async (readStore: ReadStore, names: readonly string[]): Promise<number> => {
  const stored = await readStore.checkpoints();
  return Math.min(...names.map((name) => stored.get(name) ?? 0));
};
