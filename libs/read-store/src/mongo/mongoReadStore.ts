import mongoose, {
  type AnyBulkWriteOperation,
  type ConnectOptions,
  type Connection,
  type Model,
  Schema,
  mongo,
} from 'mongoose';
import {
  type AnyIndexDefinition,
  type AnyIndexQuery,
  type BatchDocuments,
  type CollectionDefinition,
  type DocumentWrite,
  EMBEDDED_CHECKPOINT,
  type IndexQuery,
  type IndexValue,
  type ProjectionTarget,
  type ReadModelDocument,
  type ReadStore,
  assertIndexDefinition,
  cursorLength,
  groupValues,
} from '../readStore';

export type MongoReadStoreOptions = {
  /** `mongodb://host:port/db`; works against MongoDB and against FerretDB v1. */
  url: string;
  collections: readonly CollectionDefinition<never>[];
  /** The database; the URL's (or `test`) when not given. */
  dbName?: string;
  /**
   * Prefix of every collection the store owns, checkpoints included: `rm_v1_wallets`,
   * `rm_v1_checkpoints`. A blue/green rebuild writes a new version (`rm_v2_*`) from position 0 beside
   * the live one, then switches readers over; the old set is dropped afterwards.
   */
  namespace?: string;
  /** How long to wait on MongoDB (defaults: MONGO_TIMEOUT_DEFAULTS). */
  timeouts?: Partial<MongoTimeouts>;
  /** Passed to the driver after the settings below (pool size, `monitorCommands` for tests). */
  connectOptions?: ConnectOptions;
  /**
   * Most operations per bulk-write call (unlimited by default). FerretDB v1, the test server, needs a
   * limit: it holds a pooled SQLite connection for every statement of an `update` command that matched a
   * document until the whole command ends, and its pool has 100 connections per database, so an update
   * command with 100 matching statements waits forever.
   */
  maxWritesPerCall?: number;
};

type StoredDoc = ReadModelDocument & Record<string, unknown>;
type Checkpoint = { _id: string; position: number };
type Filter = Record<string, unknown>;
type OrderBy = AnyIndexDefinition['orderBy'];

type Collection = { model: Model<StoredDoc>; indexes: Map<string, AnyIndexDefinition> };

const DUPLICATE_KEY = 11000;
const CHECKPOINTS = 'checkpoints';

/**
 * Documents strictly before (or after) `key` in the lexicographic order `orderBy`:
 * `f1 < k1  OR  (f1 = k1 AND f2 < k2)  OR ...`, with `<` turned into `>` on descending fields.
 * Inside a group's equality filter this is a range of the compound index `groupBy..., orderBy...`.
 */
const beyond = (orderBy: OrderBy, key: Record<string, unknown>, side: 'before' | 'after'): Filter => {
  const branches = orderBy.map(([field, direction], i) => {
    const below = (side === 'before') === (direction === 1);
    const equalPrefix = Object.fromEntries(orderBy.slice(0, i).map(([f]) => [f, key[f]]));
    return { ...equalPrefix, [field]: { [below ? '$lt' : '$gt']: key[field] } };
  });
  return branches.length === 1 ? branches[0] : { $or: branches };
};

const isDuplicateKey = (error: { code?: unknown }) => error.code === DUPLICATE_KEY;

/**
 * The index of the operation of a failed ordered bulk write that was a stale upsert (its first write
 * error, a duplicate key), or undefined when the failure is anything else. A write concern error in the
 * same reply (the applied writes are not known to be on a majority) makes it a failure: the driver reports
 * the write errors and keeps that one in the result, where it would otherwise go unseen.
 */
export const staleWriteIndex = (error: unknown): number | undefined => {
  const failed = error as Partial<mongo.MongoBulkWriteError>;
  if (failed.result?.getWriteConcernError?.()) return undefined;
  const [first] =
    failed.writeErrors === undefined ? [] : ([] as mongo.WriteError[]).concat(failed.writeErrors);
  return first && isDuplicateKey(first) ? first.index : undefined;
};

/** How long the read stores wait on MongoDB before giving up (MONGO_*_TIMEOUT_MS, docs/configuration.md). */
export type MongoTimeouts = {
  /** Finding a server to send to (the primary: during an election, until one is elected). */
  serverSelectionMs: number;
  /** Waiting for a free connection of the pool. */
  waitQueueMs: number;
  /**
   * One operation: the server's own limit (`maxTimeMS`) on queries, and how long a majority write waits
   * for replication (`wtimeout`). A server that answers nothing at all is given twice this (socket timeout).
   */
  operationMs: number;
};

export const MONGO_TIMEOUT_DEFAULTS: MongoTimeouts = {
  serverSelectionMs: 5000,
  waitQueueMs: 2000,
  operationMs: 10000,
};

/**
 * A mongoose connection set up the way the read stores expect (several stores may share one).
 *
 * Write concern, read concern and read preference are set here, over whatever the URL says: every write
 * is acknowledged by a majority (a failover cannot roll back a document or checkpoint whose Kafka offset is
 * committed), and every read goes to the primary with majority read concern, so the alias, the
 * checkpoints and then the documents are read from one member, never from a lagging secondary, and never
 * show a write that a failover could still roll back.
 */
export const connectReadModels = (
  url: string,
  {
    dbName,
    timeouts,
    connectOptions,
  }: Pick<MongoReadStoreOptions, 'dbName' | 'timeouts' | 'connectOptions'> = {},
): Promise<Connection> => {
  const { serverSelectionMs, waitQueueMs, operationMs } = { ...MONGO_TIMEOUT_DEFAULTS, ...timeouts };
  const connection = mongoose.createConnection(url, {
    ...(dbName ? { dbName } : {}),
    // Fail fast instead of queueing operations while disconnected.
    bufferCommands: false,
    autoIndex: false,
    autoCreate: false,
    // An optional field left undefined is absent, as in the memory store, not null.
    ignoreUndefined: true,
    writeConcern: { w: 'majority', wtimeoutMS: operationMs },
    // The URL's readConcernLevel would win over a `readConcern` object: set under the same name.
    readConcernLevel: 'majority',
    readPreference: 'primary',
    serverSelectionTimeoutMS: serverSelectionMs,
    // A server that accepts TCP but never answers the handshake counts as unreachable as soon.
    connectTimeoutMS: serverSelectionMs,
    waitQueueTimeoutMS: waitQueueMs,
    socketTimeoutMS: 2 * operationMs,
    ...connectOptions,
  });
  // Every query of a model on this connection (the alias document's reads pass it themselves).
  connection.set('maxTimeMS', operationMs);
  return connection.asPromise();
};

/** Error codes with which MongoDB says it cannot serve now (time limit, election, shutdown), not that the request is wrong. */
const UNAVAILABLE_CODES = new Set([
  6, // HostUnreachable
  7, // HostNotFound
  50, // MaxTimeMSExpired
  64, // WriteConcernFailed (wtimeout)
  89, // NetworkTimeout
  91, // ShutdownInProgress
  134, // ReadConcernMajorityNotAvailableYet
  189, // PrimarySteppedDown
  262, // ExceededTimeLimit
  9001, // SocketException
  10107, // NotWritablePrimary
  11600, // InterruptedAtShutdown
  11602, // InterruptedDueToReplStateChange
  13435, // NotPrimaryNoSecondaryOk
  13436, // NotPrimaryOrSecondary
]);

/** MongoDB cannot answer now: no server selectable, no pool connection free, the network, or a time limit. */
export const isMongoUnavailable = (error: unknown): boolean =>
  error instanceof mongo.MongoServerSelectionError ||
  error instanceof mongo.MongoNetworkError ||
  error instanceof mongo.MongoNotConnectedError ||
  (error instanceof mongo.MongoError &&
    (error.name === 'MongoWaitQueueTimeoutError' || UNAVAILABLE_CODES.has(Number(error.code))));

/**
 * The read store on MongoDB through mongoose. It also runs on FerretDB v1, so it uses nothing FerretDB
 * lacks: no transactions, change streams, TTL or partial indexes, `$lookup`, `arrayFilters`.
 *
 * Writes: one ordered `bulkWrite` per collection a commit touches, then the checkpoint with `$max`.
 * Every write is guarded by the document's `revision`, so replaying a batch changes nothing; the
 * checkpoint is written last, so a crash leaves it behind the documents, never ahead.
 *
 * Reads: each IndexDefinition is one compound index (groupBy fields, then orderBy fields). A page is a
 * range scan of it, a slice a sort with skip, and a rank a count of the documents before the document.
 * That count is `countDocuments`, an aggregation (`$match`, `$group`), not a COUNT_SCAN; its `$match` is
 * an `$or` of index ranges, one per orderBy field, and costs O(rank) keys at best. Each branch fits the
 * index by the equality-sort-range rule (projections/indexUsage.int.spec.ts); which plan MongoDB's planner
 * picks for it and for a keyset page's `$or` has not been checked on a MongoDB server (docs/operations.md
 * says how). FerretDB v1's SQLite backend
 * pushes down only a filter that is exactly `{ _id: value }` and never a sort, so there every other
 * query and every guarded write reads the whole collection (docs/performance.md has the cost). FerretDB
 * is a test double here, not a production read store.
 */
export class MongoReadStore implements ReadStore, ProjectionTarget {
  private readonly collections = new Map<string, Collection>();
  private readonly checkpointModel: Model<Checkpoint>;

  private constructor(
    /** The mongoose connection (for health checks and tests). */
    readonly connection: Connection,
    definitions: readonly CollectionDefinition[],
    namespace: string,
    private readonly writesPerCall: number,
    private readonly ownsConnection: boolean,
  ) {
    const named = (name: string) => (namespace ? `${namespace}_${name}` : name);
    for (const { name, indexes = {} } of definitions) {
      const schema = new Schema<StoredDoc>(
        { _id: { type: String, required: true }, revision: { type: Number, required: true } },
        // Read models are shaped by their projections, not by a schema here: keep every field as given.
        { strict: false, minimize: false, versionKey: false, id: false, autoIndex: false, autoCreate: false },
      );
      const compiled = new Map<string, AnyIndexDefinition>();
      for (const [indexName, definition] of Object.entries(indexes as Record<string, AnyIndexDefinition>)) {
        schema.index(
          Object.fromEntries([...definition.groupBy.map((field) => [field, 1]), ...definition.orderBy]),
          { name: indexName },
        );
        compiled.set(indexName, definition);
      }
      const collectionName = named(name);
      this.collections.set(name, {
        model: connection.model<StoredDoc>(collectionName, schema, collectionName),
        indexes: compiled,
      });
    }
    const checkpoints = named(CHECKPOINTS);
    this.checkpointModel = connection.model<Checkpoint>(
      checkpoints,
      new Schema<Checkpoint>(
        { _id: { type: String, required: true }, position: { type: Number, required: true } },
        { versionKey: false, id: false, autoIndex: false, autoCreate: false },
      ),
      checkpoints,
    );
  }

  /** Connects and makes the declared indexes exist (leaving any others in place). */
  static async open({
    url,
    dbName,
    timeouts,
    connectOptions,
    ...store
  }: MongoReadStoreOptions): Promise<MongoReadStore> {
    const connection = await connectReadModels(url, { dbName, timeouts, connectOptions });
    try {
      return await MongoReadStore.create(connection, store, true);
    } catch (error) {
      await connection.close();
      throw error;
    }
  }

  /**
   * A store on a connection the caller owns and closes (several namespaces share one during a
   * blue/green rebuild); `close()` leaves the connection open.
   */
  static onConnection(
    connection: Connection,
    store: Pick<MongoReadStoreOptions, 'collections' | 'namespace' | 'maxWritesPerCall'>,
  ): Promise<MongoReadStore> {
    return MongoReadStore.create(connection, store, false);
  }

  private static async create(
    connection: Connection,
    {
      collections,
      namespace = 'rm_v1',
      maxWritesPerCall = Number.POSITIVE_INFINITY,
    }: Pick<MongoReadStoreOptions, 'collections' | 'namespace' | 'maxWritesPerCall'>,
    ownsConnection: boolean,
  ): Promise<MongoReadStore> {
    const definitions = collections as readonly CollectionDefinition[];
    for (const { name, indexes = {} } of definitions) {
      if (name === CHECKPOINTS) throw new Error(`a read model cannot be named ${CHECKPOINTS}`);
      for (const [indexName, index] of Object.entries(indexes)) {
        assertIndexDefinition(name, indexName, index as AnyIndexDefinition);
      }
    }
    const store = new MongoReadStore(connection, definitions, namespace, maxWritesPerCall, ownsConnection);
    // Creates the declared indexes and drops none: during a rolling deploy two versions of this code
    // declare different ones, and an operator may add their own. Only a rebuild (a new namespace has only
    // the declared ones) or an explicit migration removes an index. An index name is never reused for
    // other keys: opening then fails on the conflict instead of serving from the wrong index.
    await Promise.all([...store.collections.values()].map(({ model }) => model.createIndexes()));
    await store.checkpointModel.createCollection().catch((error: { codeName?: string }) => {
      if (error.codeName !== 'NamespaceExists') throw error;
    });
    return store;
  }

  async find<D extends ReadModelDocument>(
    collection: CollectionDefinition<D>,
    id: string,
  ): Promise<D | undefined> {
    const doc = await this.collection(collection.name).model.findById(id).lean<D>();
    return doc ?? undefined;
  }

  findMany<D extends ReadModelDocument>(
    collection: CollectionDefinition<D>,
    ids: readonly string[],
  ): Promise<Map<string, D>> {
    return this.findById<D>(collection.name, ids);
  }

  async *documents<D extends ReadModelDocument>(
    collection: CollectionDefinition<D>,
    batchSize: number,
  ): AsyncIterable<D[]> {
    // One cursor, not pages by `_id`: a single query however large the collection. No time limit in
    // total (mongoose applies the connection's maxTimeMS to queries, not to cursors): each batch is
    // bounded by the socket timeout instead.
    const cursor = this.collection(collection.name)
      .model.find()
      .sort({ _id: 1 })
      .batchSize(batchSize)
      .lean<D[]>()
      .cursor();
    let batch: D[] = [];
    for await (const doc of cursor) {
      batch.push(doc as D);
      if (batch.length === batchSize) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length > 0) yield batch;
  }

  async projectionTargets(): Promise<readonly ProjectionTarget[]> {
    return [this];
  }

  /** Loads every document a batch touches: one query per collection. */
  async read(ids: () => ReadonlyMap<string, ReadonlySet<string>>): Promise<BatchDocuments> {
    const loaded = new Map<string, Map<string, ReadModelDocument>>();
    for (const [name, wanted] of ids()) loaded.set(name, await this.findById(name, [...wanted]));
    return { get: (collection, id) => loaded.get(collection)?.get(id) };
  }

  /** The revision guard of every write looks at the stored document: what the batch read is not needed. */
  commitBatch(
    writes: readonly DocumentWrite[],
    position: number,
    checkpoint: string | undefined,
  ): Promise<void> {
    return this.commit(writes, position, checkpoint);
  }

  async commit(
    writes: readonly DocumentWrite[],
    position: number,
    checkpoint = EMBEDDED_CHECKPOINT,
  ): Promise<void> {
    // 1. One list of guarded operations per collection.
    const batches = new Map<string, AnyBulkWriteOperation<StoredDoc>[]>();
    for (const write of writes) {
      const batch = batches.get(write.collection) ?? [];
      batches.set(write.collection, batch);
      if (write.doc) {
        // Replaces an older document or inserts a new one. When the stored one is as new or newer, the
        // filter misses and the upsert's insert fails on the _id: that duplicate key means "stale, skip".
        batch.push({
          replaceOne: {
            filter: { _id: write.id, revision: { $lt: write.doc.revision } },
            replacement: write.doc as StoredDoc,
            upsert: true,
          },
        });
      } else {
        batch.push({ deleteOne: { filter: { _id: write.id, revision: { $lt: write.revision } } } });
      }
    }
    // 2. The documents: one round trip per collection (or per `maxWritesPerCall` operations).
    for (const [name, batch] of batches) await this.bulkWrite(this.collection(name).model, batch);
    // 3. Then the checkpoint, only ever forward.
    await this.withDuplicateKeyRetry(() =>
      this.checkpointModel.updateOne({ _id: checkpoint }, { $max: { position } }, { upsert: true }),
    );
  }

  async checkpoint(name = EMBEDDED_CHECKPOINT): Promise<number> {
    const doc = await this.checkpointModel.findById(name).lean();
    return doc?.position ?? 0;
  }

  async checkpoints(prefix = ''): Promise<Map<string, number>> {
    // A handful of documents (one per partition): filtered here rather than with a $regex.
    const docs = await this.checkpointModel.find().lean();
    return new Map(docs.filter((doc) => doc._id.startsWith(prefix)).map((doc) => [doc._id, doc.position]));
  }

  async page<D extends ReadModelDocument>(
    query: IndexQuery<D>,
    after: Partial<D> | undefined,
    limit: number,
  ): Promise<D[]> {
    if (limit <= 0) return []; // limit(0) would mean "no limit"
    const { model, index, group } = this.index(query);
    const filter =
      after === undefined
        ? group
        : {
            ...group,
            ...beyond(index.orderBy.slice(0, cursorLength(query, index.orderBy, after)), after, 'after'),
          };
    return model.find(filter).sort(Object.fromEntries(index.orderBy)).limit(limit).lean<D[]>();
  }

  async rankOf<D extends ReadModelDocument>(query: IndexQuery<D>, id: string): Promise<number | undefined> {
    const { model, index, group } = this.index(query);
    const doc = await model
      .findOne({ ...group, _id: id })
      .select(Object.fromEntries(index.orderBy.map(([field]) => [field, 1])))
      .lean<Record<string, unknown>>();
    if (!doc) return undefined;
    return model.countDocuments({ ...group, ...beyond(index.orderBy, doc, 'before') });
  }

  async slice<D extends ReadModelDocument>(query: IndexQuery<D>, from: number, count: number): Promise<D[]> {
    if (count <= 0) return [];
    const { model, index, group } = this.index(query);
    return model
      .find(group)
      .sort(Object.fromEntries(index.orderBy))
      .skip(Math.max(0, from))
      .limit(count)
      .lean<D[]>();
  }

  async count<D extends ReadModelDocument>(query: IndexQuery<D>): Promise<number> {
    const { model, group } = this.index(query);
    return model.countDocuments(group);
  }

  /** Nothing to do: MongoDB keeps documents on disk and in its own cache, the same whether they change or not. */
  async freeze(query: AnyIndexQuery): Promise<void> {
    this.index(query); // still refuses an unknown collection, index or group
  }

  async close(): Promise<void> {
    if (this.ownsConnection) await this.connection.close();
  }

  private async findById<D extends ReadModelDocument>(
    name: string,
    ids: readonly string[],
  ): Promise<Map<string, D>> {
    if (ids.length === 0) return new Map();
    const docs = await this.collection(name)
      .model.find({ _id: { $in: [...ids] } })
      .lean<D[]>();
    return new Map(docs.map((doc) => [doc._id, doc]));
  }

  private collection(name: string): Collection {
    const collection = this.collections.get(name);
    if (!collection) throw new Error(`unknown read model collection ${name}`);
    return collection;
  }

  private index(query: AnyIndexQuery): { model: Model<StoredDoc>; index: AnyIndexDefinition; group: Filter } {
    const { model, indexes } = this.collection(query.collection.name);
    const index = indexes.get(query.index);
    if (!index) throw new Error(`unknown index ${query.index} on ${query.collection.name}`);
    const values: IndexValue[] = groupValues(query, index.groupBy);
    return { model, index, group: Object.fromEntries(index.groupBy.map((field, i) => [field, values[i]])) };
  }

  /**
   * An ordered bulk write in which a duplicate key is a stale upsert, not a failure: the write resumes
   * after it. (Ordered, because FerretDB stops at the first error even when told `ordered: false`;
   * the projector already drops stale events, so a resume is rare.) A duplicate key can also mean two
   * writers raced to insert the same new document, so that one operation is tried once more, now
   * against the existing document, where the revision filter decides.
   */
  private async bulkWrite(model: Model<StoredDoc>, batch: AnyBulkWriteOperation<StoredDoc>[]): Promise<void> {
    let rest = batch;
    while (rest.length > 0) {
      const call = rest.slice(0, this.writesPerCall);
      const stale = await this.writeUntilDuplicateKey(model, call);
      if (stale === undefined) {
        rest = rest.slice(call.length);
        continue;
      }
      await this.writeUntilDuplicateKey(model, [rest[stale]]);
      rest = rest.slice(stale + 1);
    }
  }

  /** Runs the batch in order; returns the index of the operation that hit a duplicate key, if one did. */
  private async writeUntilDuplicateKey(
    model: Model<StoredDoc>,
    batch: AnyBulkWriteOperation<StoredDoc>[],
  ): Promise<number | undefined> {
    try {
      await model.bulkWrite(batch, { ordered: true });
      return undefined;
    } catch (error) {
      const stale = staleWriteIndex(error);
      if (stale === undefined) throw error;
      return stale;
    }
  }

  private async withDuplicateKeyRetry<T>(write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      // Two upserts of a new checkpoint raced; the second one now finds the document.
      if (!isDuplicateKey(error as { code?: unknown })) throw error;
      return write();
    }
  }
}
