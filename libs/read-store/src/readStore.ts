/**
 * Read models: documents by collection and id, plus ordered indexes that answer pages, ranks and rank
 * ranges without scanning a collection. Read models are written only through commits.
 */
export type ReadModelDocument = {
  _id: string;
  /** Revision of the source stream's last event applied to this document (the stale-write guard). */
  revision: number;
};

/** What an index field may hold: every adapter orders these the same way (numbers, then strings). */
export type IndexValue = string | number;

/** A top-level field of the document. Names with '.' or a leading '$' are not allowed (FerretDB). */
export type FieldName<Doc> = keyof Doc & string;

/**
 * An ordered index, declared as data so that every adapter can serve it (MongoDB builds one compound
 * index `groupBy..., orderBy...` from it, the memory store a sorted list per group).
 *
 * Documents with equal `groupBy` values form a group; a group is ordered lexicographically by
 * `orderBy` (1 ascending, -1 descending). The order must be total within a group: end `orderBy` with a
 * field that is unique in the group (an id), so only the same document compares equal.
 */
export type IndexDefinition<Doc> = {
  groupBy: readonly FieldName<Doc>[];
  orderBy: readonly (readonly [FieldName<Doc>, 1 | -1])[];
};

export type CollectionDefinition<Doc extends ReadModelDocument = ReadModelDocument> = {
  name: string;
  indexes?: Record<string, IndexDefinition<Doc>>;
};

/**
 * An upsert of `doc`, or a delete at the stream `revision` that removed the document. Either applies
 * only over an older document: a write whose revision is at or below the stored one changes nothing.
 */
export type DocumentWrite =
  | { collection: string; id: string; doc: ReadModelDocument }
  | { collection: string; id: string; doc: null; revision: number };

/** One group of an index: `group` holds a value for every `groupBy` field (`{}` when there are none). */
export type IndexQuery<Doc extends ReadModelDocument = ReadModelDocument> = {
  collection: CollectionDefinition<Doc>;
  index: string;
  group: Readonly<Record<string, IndexValue>>;
};

/** An index query seen from an adapter, which knows collections by name. */
export type AnyIndexQuery = Pick<IndexQuery, 'index' | 'group'> & { collection: { name: string } };

/** The checkpoint of the embedded projector, which tails the whole log as one stream. */
export const EMBEDDED_CHECKPOINT = 'embedded';

/**
 * The read store cannot answer now (its server unreachable, electing, or over a time limit): the same
 * request may succeed later, so the api answers 503 rather than an internal error.
 */
export class ReadStoreUnavailableError extends Error {
  constructor(cause: unknown) {
    super(`the read models cannot be reached: ${cause instanceof Error ? cause.message : String(cause)}`, {
      cause,
    });
    this.name = 'ReadStoreUnavailableError';
  }
}

/** The stored documents a projection batch starts from, by collection name and id. */
export type BatchDocuments = { get(collection: string, id: string): ReadModelDocument | undefined };

/**
 * Where a projection batch is written (see `project()`): the documents it starts from, then one commit.
 * A store is one target; a store writing two sets of read models (a blue/green rebuild under way) has one
 * target per set, each evolved from its own documents.
 */
export interface ProjectionTarget {
  /**
   * The stored documents the batch evolves. A store that must fetch them calls `ids` (collection name ->
   * the ids the batch touches); one holding its documents in memory reads each one when it is asked for.
   */
  read(ids: () => ReadonlyMap<string, ReadonlySet<string>>): Promise<BatchDocuments>;
  /**
   * `commit`, with what the writes were evolved from: `previous[i]` is the document write i started from,
   * as `read` returned it. A store whose documents changed since then looks them up itself.
   */
  commitBatch(
    writes: readonly DocumentWrite[],
    position: number,
    checkpoint: string | undefined,
    read: BatchDocuments,
    previous: readonly (ReadModelDocument | undefined)[],
  ): Promise<void>;
}

/**
 * The read-store port. Collections are named by their definitions (a projection's `collection`), which
 * also carry the document type.
 */
export interface ReadStore {
  find<Doc extends ReadModelDocument>(
    collection: CollectionDefinition<Doc>,
    id: string,
  ): Promise<Doc | undefined>;
  findMany<Doc extends ReadModelDocument>(
    collection: CollectionDefinition<Doc>,
    ids: readonly string[],
  ): Promise<Map<string, Doc>>;
  /**
   * Every document of a collection in `_id` order, `batchSize` at a time: walks a whole read model in
   * constant memory with one query (loading the rank cache, checksums, replay checks).
   */
  documents<Doc extends ReadModelDocument>(
    collection: CollectionDefinition<Doc>,
    batchSize: number,
  ): AsyncIterable<Doc[]>;
  /**
   * Applies the writes, then moves the named checkpoint to `position`. A crash in between leaves the
   * checkpoint behind the documents, never ahead: the batch is replayed and the revision guard makes
   * the replay change nothing.
   */
  commit(writes: readonly DocumentWrite[], position: number, checkpoint?: string): Promise<void>;
  /** Where projection batches go: this store, or each set a blue/green rebuild writes. A wrapper forwards it. */
  projectionTargets(): Promise<readonly ProjectionTarget[]>;
  /** The named checkpoint's position (0 before any). Checkpoints only move forward. */
  checkpoint(name?: string): Promise<number>;
  /** Every stored checkpoint whose name starts with `prefix` (the Kafka projector keeps one per partition). */
  checkpoints(prefix?: string): Promise<Map<string, number>>;
  /**
   * Up to `limit` documents of a group in index order, strictly after `after` when given. `after` holds
   * the values of a prefix of `orderBy` (all of it for an exact cursor); documents equal to it on that
   * prefix count as not after it.
   */
  page<Doc extends ReadModelDocument>(
    query: IndexQuery<Doc>,
    after: Partial<Doc> | undefined,
    limit: number,
  ): Promise<Doc[]>;
  /** 0-based position of the document in its group's order, undefined when absent from the group. */
  rankOf<Doc extends ReadModelDocument>(query: IndexQuery<Doc>, id: string): Promise<number | undefined>;
  /** Documents at ranks [from, from + count) of a group. */
  slice<Doc extends ReadModelDocument>(query: IndexQuery<Doc>, from: number, count: number): Promise<Doc[]>;
  count<Doc extends ReadModelDocument>(query: IndexQuery<Doc>): Promise<number>;
  /**
   * The group will not change again (a closed leaderboard period): a store may hold it more compactly.
   * Queries answer as before. A later write to one of its documents is still applied (the store may
   * first return the group to its ordinary form).
   */
  freeze(query: AnyIndexQuery): Promise<void>;
  close(): Promise<void>;
}

/** Field names both adapters can store and index: MongoDB reads '.' as a path and '$' as an operator. */
export const assertFieldName = (field: string, where: string): void => {
  if (field.length === 0 || field.includes('.') || field.startsWith('$')) {
    throw new Error(`${where}: field name "${field}" must be non-empty, without '.' and not start with '$'`);
  }
};

/** An index definition seen from an adapter, which knows field names only as strings. */
export type AnyIndexDefinition = IndexDefinition<Record<string, unknown>>;

/** Checks an index definition once, when a store opens it. */
export const assertIndexDefinition = (collection: string, name: string, index: AnyIndexDefinition): void => {
  const where = `index ${name} on ${collection}`;
  if (index.orderBy.length === 0) throw new Error(`${where}: orderBy is empty`);
  const fields = [...index.groupBy, ...index.orderBy.map(([field]) => field)];
  for (const field of fields) assertFieldName(field, where);
  if (new Set(fields).size !== fields.length) throw new Error(`${where}: a field appears twice`);
};

/** The `group` of a query as the index's groupBy values, in order; throws when one is missing. */
export const groupValues = (query: AnyIndexQuery, groupBy: readonly string[]): IndexValue[] => {
  const extra = Object.keys(query.group).filter((field) => !groupBy.includes(field));
  if (extra.length > 0)
    throw new Error(`index ${query.index} on ${query.collection.name} has no group field ${extra}`);
  return groupBy.map((field) => {
    const value = query.group[field];
    if (value === undefined)
      throw new Error(`index ${query.index} on ${query.collection.name} needs group.${field}`);
    return value;
  });
};

/** How many leading `orderBy` fields `after` gives a value for (a cursor is a prefix of the order). */
export const cursorLength = (
  query: AnyIndexQuery,
  orderBy: AnyIndexDefinition['orderBy'],
  after: object,
): number => {
  const values = after as Record<string, unknown>;
  let length = 0;
  while (length < orderBy.length && values[orderBy[length][0]] !== undefined) length += 1;
  if (length === 0) {
    throw new Error(
      `a cursor on index ${query.index} of ${query.collection.name} needs a value for ${orderBy[0][0]}`,
    );
  }
  return length;
};
