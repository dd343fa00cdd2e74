import type { DocumentWrite, IndexQuery, ReadModelDocument, ReadStore } from './readStore';

/**
 * A read store whose reads of some collections come from a cache (an in-memory copy kept current by
 * its owner), everything else from the stored read models. Writes and checkpoints always go to the
 * stored read models: the cache is derived state, rebuilt from them and from the log.
 *
 * Why: MongoDB answers a rank as a count over the index range before the entry, O(rank), and FerretDB
 * by reading the whole board. An order-statistic index in memory answers it in O(log n).
 */
export class CachedReadStore implements ReadStore {
  private readonly cachedNames: ReadonlySet<string>;

  constructor(
    private readonly stored: ReadStore,
    private readonly cache: ReadStore,
    cachedCollections: readonly string[],
  ) {
    this.cachedNames = new Set(cachedCollections);
  }

  find<D extends ReadModelDocument>(collection: string, id: string): Promise<D | undefined> {
    return this.reader(collection).find<D>(collection, id);
  }

  findMany<D extends ReadModelDocument>(collection: string, ids: readonly string[]): Promise<Map<string, D>> {
    return this.reader(collection).findMany<D>(collection, ids);
  }

  documents<D extends ReadModelDocument>(collection: string, batchSize: number): AsyncIterable<D[]> {
    return this.reader(collection).documents<D>(collection, batchSize);
  }

  commit(writes: readonly DocumentWrite[], position: number, checkpoint?: string): Promise<void> {
    return this.stored.commit(writes, position, checkpoint);
  }

  /** Projection batches go where the stored read models say (both sets during a blue/green rebuild). */
  async writeTargets(): Promise<readonly ReadStore[]> {
    return (await this.stored.writeTargets?.()) ?? [this.stored];
  }

  checkpoint(name?: string): Promise<number> {
    return this.stored.checkpoint(name);
  }

  checkpoints(prefix?: string): Promise<Map<string, number>> {
    return this.stored.checkpoints(prefix);
  }

  page<D extends ReadModelDocument>(
    query: IndexQuery,
    after: Partial<D> | undefined,
    limit: number,
  ): Promise<D[]> {
    return this.reader(query.collection).page<D>(query, after, limit);
  }

  rankOf(query: IndexQuery, id: string): Promise<number | undefined> {
    return this.reader(query.collection).rankOf(query, id);
  }

  slice<D extends ReadModelDocument>(query: IndexQuery, from: number, count: number): Promise<D[]> {
    return this.reader(query.collection).slice<D>(query, from, count);
  }

  count(query: IndexQuery): Promise<number> {
    return this.reader(query.collection).count(query);
  }

  /** Closes the stored read models; the cache belongs to whoever keeps it current. */
  close(): Promise<void> {
    return this.stored.close();
  }

  private reader(collection: string): ReadStore {
    return this.cachedNames.has(collection) ? this.cache : this.stored;
  }
}
