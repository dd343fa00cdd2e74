import type { Connection } from 'mongoose';
import {
  type AnyIndexQuery,
  type CollectionDefinition,
  type DocumentWrite,
  type IndexQuery,
  type ReadModelDocument,
  type ReadStore,
  ReadStoreUnavailableError,
} from '../readStore';
import {
  MongoReadStore,
  type MongoReadStoreOptions,
  connectReadModels,
  isMongoUnavailable,
} from './mongoReadStore';

/** The collection holding the alias document (not namespaced: it says which namespace is which). */
export const ALIAS_COLLECTION = 'read_model_alias';
const ALIAS_ID = 'read-models';
/** The namespace deployments used before the alias existed: an alias created now points there. */
export const FIRST_NAMESPACE = 'rm_v1';
/** Namespaces a rebuild creates: `rm_v2`, `rm_v3`, ... */
const VERSIONED_COLLECTION = /^(rm_v(\d+))_/;

/**
 * Which set of read model collections ("namespace") serves reads, and which one also receives writes.
 * One document, changed only by compare-and-set on `version`.
 */
export type ReadModelAlias = {
  /** Readers use this namespace; every commit writes it. */
  live: string;
  /** Every commit writes this namespace too, before the live one: a rebuild's target while it catches up. */
  alsoWrite: string | null;
  /** The rebuild in progress: its owner renews `heartbeatAt`; its target is being built. */
  rebuildOwner: string | null;
  rebuildTarget: string | null;
  heartbeatAt: Date | null;
  /** Bumped by every change, heartbeats included. */
  version: number;
};

type AliasDocument = ReadModelAlias & { _id: string };
type AliasChange = Partial<Omit<ReadModelAlias, 'version'>>;

const NO_REBUILD = { alsoWrite: null, rebuildOwner: null, rebuildTarget: null, heartbeatAt: null };

/** Another rebuild holds the alias and is alive (its heartbeat is recent). */
export class RebuildInProgressError extends Error {
  constructor(alias: ReadModelAlias, ageMs: number, staleAfterMs: number) {
    super(
      `a rebuild is already running: ${alias.rebuildOwner} is building ${alias.rebuildTarget} ` +
        `(live ${alias.live}, last heartbeat ${Math.round(ageMs / 1000)} s ago). A rebuild whose ` +
        `heartbeat is older than ${Math.round(staleAfterMs / 1000)} s counts as crashed and is taken over.`,
    );
    this.name = 'RebuildInProgressError';
  }
}

/** This process no longer owns the rebuild (a takeover after its heartbeat went stale). */
export class RebuildLostError extends Error {
  constructor(owner: string, alias: ReadModelAlias) {
    super(`${owner} no longer owns the rebuild: the alias now names ${alias.rebuildOwner ?? 'no rebuild'}`);
    this.name = 'RebuildLostError';
  }
}

/**
 * The alias document and the namespaces it names, on one connection shared by every namespace: what the
 * aliased store reads and what a blue/green rebuild changes.
 */
export class ReadModelAliases {
  private readonly stores = new Map<string, Promise<MongoReadStore>>();

  constructor(
    readonly connection: Connection,
    private readonly collections: readonly CollectionDefinition<never>[],
    private readonly options: Pick<MongoReadStoreOptions, 'maxWritesPerCall'> = {},
  ) {}

  /** The alias; created pointing at FIRST_NAMESPACE when there is none, so existing data keeps serving. */
  async read(): Promise<ReadModelAlias> {
    const found = await this.documents().findOne({ _id: ALIAS_ID }, { maxTimeMS: this.maxTimeMS() });
    if (found) return withoutId(found);
    const initial: AliasDocument = { _id: ALIAS_ID, live: FIRST_NAMESPACE, ...NO_REBUILD, version: 0 };
    try {
      await this.documents().insertOne(initial);
    } catch (error) {
      if ((error as { code?: unknown }).code !== 11000) throw error;
      return this.read(); // another process created it first
    }
    return withoutId(initial);
  }

  /** The store of one namespace (opened once per process; opening creates its collections and indexes). */
  open(namespace: string): Promise<MongoReadStore> {
    let store = this.stores.get(namespace);
    if (!store) {
      store = MongoReadStore.onConnection(this.connection, {
        ...this.options,
        collections: this.collections,
        namespace,
      });
      store.catch(() => this.stores.delete(namespace));
      this.stores.set(namespace, store);
    }
    return store;
  }

  /** Versioned namespaces that have collections in the database, leftovers included. */
  async namespaces(): Promise<string[]> {
    const found = new Set<string>();
    for (const name of await this.collectionNames()) {
      const match = VERSIONED_COLLECTION.exec(name);
      if (match) found.add(match[1]);
    }
    return [...found].sort();
  }

  /** Drops every collection of the namespace, checkpoints included. */
  async drop(namespace: string): Promise<void> {
    for (const name of await this.collectionNames()) {
      if (name.startsWith(`${namespace}_`)) await this.connection.db!.dropCollection(name);
    }
  }

  /**
   * Makes `owner` the one rebuild: refused while another owner's heartbeat is younger than
   * `staleAfterMs`; an older one is taken over, and whatever it was writing besides the live set is
   * abandoned (the live set is complete either way). Returns the alias as claimed, with the new
   * target: a namespace number no set, leftover or rebuild has used.
   */
  async claimRebuild(
    owner: string,
    staleAfterMs: number,
  ): Promise<ReadModelAlias & { rebuildTarget: string }> {
    for (;;) {
      const alias = await this.read();
      // Heartbeats are stamped and aged by the server's clock, never by the rebuilds' hosts' clocks.
      const now = await this.serverTime();
      if (alias.rebuildOwner !== null) {
        const ageMs = now.getTime() - (alias.heartbeatAt?.getTime() ?? 0);
        if (ageMs < staleAfterMs) throw new RebuildInProgressError(alias, ageMs, staleAfterMs);
      }
      const used = [alias.live, alias.alsoWrite, alias.rebuildTarget, ...(await this.namespaces())];
      const numbers = used.map((namespace) => Number(/^rm_v(\d+)$/.exec(namespace ?? '')?.[1] ?? 1));
      const rebuildTarget = `rm_v${Math.max(...numbers) + 1}`;
      const claim = { alsoWrite: null, rebuildOwner: owner, rebuildTarget };
      if (await this.compareAndSet(alias.version, claim, { stampHeartbeat: true })) {
        return { ...alias, ...claim, heartbeatAt: now, version: alias.version + 1 };
      }
    }
  }

  /** Renews the owner's heartbeat; throws RebuildLostError when it no longer owns the rebuild. */
  async heartbeat(owner: string): Promise<void> {
    const result = await this.documents().updateOne(
      { _id: ALIAS_ID, rebuildOwner: owner },
      { $currentDate: { heartbeatAt: true }, $inc: { version: 1 } },
    );
    if (result.matchedCount === 0) throw new RebuildLostError(owner, await this.read());
  }

  /** Changes the alias on behalf of the rebuild's owner; throws RebuildLostError when it lost it. */
  async transition(owner: string, change: AliasChange): Promise<ReadModelAlias> {
    for (;;) {
      const alias = await this.read();
      if (alias.rebuildOwner !== owner) throw new RebuildLostError(owner, alias);
      if (await this.compareAndSet(alias.version, change)) {
        return { ...alias, ...change, version: alias.version + 1 };
      }
    }
  }

  /** Ends the owner's rebuild: nothing but the live set is written any more. */
  release(owner: string): Promise<ReadModelAlias> {
    return this.transition(owner, NO_REBUILD);
  }

  private async compareAndSet(
    version: number,
    change: AliasChange,
    { stampHeartbeat = false } = {},
  ): Promise<boolean> {
    const result = await this.documents().updateOne(
      { _id: ALIAS_ID, version },
      {
        $set: change,
        $inc: { version: 1 },
        ...(stampHeartbeat ? { $currentDate: { heartbeatAt: true as const } } : {}),
      },
    );
    return result.matchedCount === 1;
  }

  /** The clock of the server (the primary) that stamps heartbeats. */
  private async serverTime(): Promise<Date> {
    const hello = await this.connection.db!.admin().command({ hello: 1 });
    return hello.localTime as Date;
  }

  private documents() {
    return this.connection.db!.collection<AliasDocument>(ALIAS_COLLECTION);
  }

  /** The connection's limit on queries (connectReadModels sets it; the driver's own calls do not see it). */
  private maxTimeMS(): number | undefined {
    return this.connection.get('maxTimeMS') as number | undefined;
  }

  private async collectionNames(): Promise<string[]> {
    const infos = await this.connection.db!.listCollections({}, { nameOnly: true }).toArray();
    return infos.map((info) => info.name);
  }
}

const withoutId = ({ _id: _, ...alias }: AliasDocument): ReadModelAlias => alias;

const unavailableOr = (error: unknown): unknown =>
  isMongoUnavailable(error) ? new ReadStoreUnavailableError(error) : error;

export type AliasedReadStoreOptions = Omit<MongoReadStoreOptions, 'namespace'> & {
  /** How stale a reader's view of the alias may be; a rebuild waits longer than this before dropping. */
  refreshMs?: number;
};

/** Readers pick up an alias change within this long (a rebuild's grace period must exceed it). */
export const ALIAS_REFRESH_MS = 1000;

/**
 * The MongoDB read store behind the alias document, so a blue/green rebuild can build a new set of
 * collections beside the live one and switch every process over without a restart.
 *
 * - Reads go to the live namespace, re-reading the alias at most every `refreshMs` (one indexed
 *   lookup a second, not one per query).
 * - Writes re-read the alias on every commit and go to `alsoWrite` first, then to the live set: a
 *   commit that started before a rebuild set `alsoWrite` carries only events appended before that,
 *   which the rebuild replays itself. Writing the extra set first means that whatever a checkpoint of
 *   the live set shows is already in the other set too, so switching readers never goes backwards.
 *   `project()` evolves each set from its own documents (`projectionTargets`); a bare `commit` copies.
 */
export class AliasedReadStore implements ReadStore {
  private cached?: { alias: ReadModelAlias; at: number };
  private refreshing?: Promise<ReadModelAlias>;

  private constructor(
    readonly aliases: ReadModelAliases,
    private readonly refreshMs: number,
  ) {}

  static async open({
    url,
    dbName,
    timeouts,
    connectOptions,
    collections,
    refreshMs = ALIAS_REFRESH_MS,
    maxWritesPerCall,
  }: AliasedReadStoreOptions): Promise<AliasedReadStore> {
    const connection = await connectReadModels(url, { dbName, timeouts, connectOptions });
    try {
      const aliases = new ReadModelAliases(connection, collections, { maxWritesPerCall });
      const store = new AliasedReadStore(aliases, refreshMs);
      await store.live(); // creates the alias when missing and the live set's indexes
      return store;
    } catch (error) {
      await connection.close();
      throw error;
    }
  }

  get connection(): Connection {
    return this.aliases.connection;
  }

  /** The alias as readers see it: at most `refreshMs` old. */
  async alias(): Promise<ReadModelAlias> {
    if (this.cached && Date.now() - this.cached.at < this.refreshMs) return this.cached.alias;
    return this.refresh();
  }

  async projectionTargets(): Promise<readonly MongoReadStore[]> {
    // A read of its own, issued after the batch's events were appended (never one already in flight):
    // the rebuild relies on it to know which commits can have missed its target.
    const { live, alsoWrite } = await this.keep(this.aliases.read());
    const namespaces = alsoWrite !== null && alsoWrite !== live ? [alsoWrite, live] : [live];
    return Promise.all(namespaces.map((namespace) => this.aliases.open(namespace)));
  }

  async commit(writes: readonly DocumentWrite[], position: number, checkpoint?: string): Promise<void> {
    for (const target of await this.projectionTargets()) await target.commit(writes, position, checkpoint);
  }

  async find<D extends ReadModelDocument>(
    collection: CollectionDefinition<D>,
    id: string,
  ): Promise<D | undefined> {
    return this.serve((store) => store.find(collection, id));
  }

  async findMany<D extends ReadModelDocument>(
    collection: CollectionDefinition<D>,
    ids: readonly string[],
  ): Promise<Map<string, D>> {
    return this.serve((store) => store.findMany(collection, ids));
  }

  async *documents<D extends ReadModelDocument>(
    collection: CollectionDefinition<D>,
    batchSize: number,
  ): AsyncIterable<D[]> {
    try {
      yield* (await this.live()).documents(collection, batchSize);
    } catch (error) {
      throw unavailableOr(error);
    }
  }

  async checkpoint(name?: string): Promise<number> {
    return this.serve((store) => store.checkpoint(name));
  }

  async checkpoints(prefix?: string): Promise<Map<string, number>> {
    return this.serve((store) => store.checkpoints(prefix));
  }

  async page<D extends ReadModelDocument>(
    query: IndexQuery<D>,
    after: Partial<D> | undefined,
    limit: number,
  ): Promise<D[]> {
    return this.serve((store) => store.page(query, after, limit));
  }

  async rankOf<D extends ReadModelDocument>(query: IndexQuery<D>, id: string): Promise<number | undefined> {
    return this.serve((store) => store.rankOf(query, id));
  }

  async slice<D extends ReadModelDocument>(query: IndexQuery<D>, from: number, count: number): Promise<D[]> {
    return this.serve((store) => store.slice(query, from, count));
  }

  async count<D extends ReadModelDocument>(query: IndexQuery<D>): Promise<number> {
    return this.serve((store) => store.count(query));
  }

  async freeze(query: AnyIndexQuery): Promise<void> {
    return (await this.live()).freeze(query);
  }

  async close(): Promise<void> {
    await this.aliases.connection.close();
  }

  private async live(): Promise<MongoReadStore> {
    return this.aliases.open((await this.alias()).live);
  }

  /** A read of the live set; MongoDB unable to answer now becomes ReadStoreUnavailableError. */
  private async serve<T>(read: (store: MongoReadStore) => Promise<T>): Promise<T> {
    try {
      return await read(await this.live());
    } catch (error) {
      throw unavailableOr(error);
    }
  }

  /** Reads the alias for readers (concurrent readers share one read). */
  private refresh(): Promise<ReadModelAlias> {
    this.refreshing ??= this.keep(this.aliases.read()).finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async keep(read: Promise<ReadModelAlias>): Promise<ReadModelAlias> {
    const alias = await read;
    // Two reads in flight may end in either order: keep the newer alias.
    if (!this.cached || alias.version >= this.cached.alias.version) this.cached = { alias, at: Date.now() };
    return alias;
  }
}
