import { readModelCollections } from '@app/projections';
import type { ReadStore } from '@app/read-store';
import type { ReadModelProgress } from './readModelProgress';

export type ReadModelPositions = {
  /** Each read model the api serves, with the position it has applied the log to. */
  models: { name: string; position: number }[];
  /** Cluster mode: each partition of the events topic, with its projectors' checkpoint. */
  partitions: { partition: number; position: number }[];
};

/**
 * How far each read model the api serves, and each partition the projectors apply, has got: the system
 * page's lag table. A read model is as far as what feeds it: the rank cache for the ones it serves, the
 * projector (embedded, or the projectors' slowest partition) for the others.
 */
export class ReadModelStatus {
  constructor(
    private readonly projector: ReadModelProgress,
    private readonly partitionCheckpoints: { store: ReadStore; names: readonly string[] } | undefined,
    private readonly rankCache?: { progress: ReadModelProgress; collections: readonly string[] },
  ) {}

  async positions(): Promise<ReadModelPositions> {
    const models = readModelCollections.map(({ name }) => ({
      name,
      position: this.rankCache?.collections.includes(name)
        ? this.rankCache.progress.position
        : this.projector.position,
    }));
    if (!this.partitionCheckpoints) return { models, partitions: [] };
    const { store, names } = this.partitionCheckpoints;
    const stored = await store.checkpoints();
    return {
      models,
      partitions: names.map((name, partition) => ({ partition, position: stored.get(name) ?? 0 })),
    };
  }
}
