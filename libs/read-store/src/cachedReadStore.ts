import type {
  AnyIndexQuery,
  CollectionDefinition,
  DocumentWrite,
  IndexQuery,
  ProjectionTarget,
  ReadModelDocument,
  ReadStore,
} from './readStore';

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

  find<D extends ReadModelDocument>(collection: CollectionDefinition<D>, id: string): Promise<D | undefined> {
    return this.reader(collection).find(collection, id);
  }

  findMany<D extends ReadModelDocument>(
    collection: CollectionDefinition<D>,
    ids: readonly string[],
  ): Promise<Map<string, D>> {
    return this.reader(collection).findMany(collection, ids);
  }

  documents<D extends ReadModelDocument>(
    collection: CollectionDefinition<D>,
    batchSize: number,
  ): AsyncIterable<D[]> {
    return this.reader(collection).documents(collection, batchSize);
  }

  commit(writes: readonly DocumentWrite[], position: number, checkpoint?: string): Promise<void> {
    return this.stored.commit(writes, position, checkpoint);
  }

  /** Projection batches go where the stored read models say (both sets during a blue/green rebuild). */
  projectionTargets(): Promise<readonly ProjectionTarget[]> {
    return this.stored.projectionTargets();
  }

  checkpoint(name?: string): Promise<number> {
    return this.stored.checkpoint(name);
  }

  checkpoints(prefix?: string): Promise<Map<string, number>> {
    return this.stored.checkpoints(prefix);
  }

  page<D extends ReadModelDocument>(
    query: IndexQuery<D>,
    after: Partial<D> | undefined,
    limit: number,
  ): Promise<D[]> {
    return this.reader(query.collection).page(query, after, limit);
  }

  rankOf<D extends ReadModelDocument>(query: IndexQuery<D>, id: string): Promise<number | undefined> {
    return this.reader(query.collection).rankOf(query, id);
  }

  slice<D extends ReadModelDocument>(query: IndexQuery<D>, from: number, count: number): Promise<D[]> {
    return this.reader(query.collection).slice(query, from, count);
  }

  count<D extends ReadModelDocument>(query: IndexQuery<D>): Promise<number> {
    return this.reader(query.collection).count(query);
  }

  /**
   * Goes where writes go, to the stored read models: the cache's owner freezes the cache's copy when it
   * has applied the same events itself (it may not have yet).
   */
  freeze(query: AnyIndexQuery): Promise<void> {
    return this.stored.freeze(query);
  }

  /** Closes the stored read models; the cache belongs to whoever keeps it current. */
  close(): Promise<void> {
    return this.stored.close();
  }

  private reader(collection: { name: string }): ReadStore {
    return this.cachedNames.has(collection.name) ? this.cache : this.stored;
  }
}
