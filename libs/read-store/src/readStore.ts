/**
 * The read-store port: documents by collection and id, plus ordered indexes that answer pages, ranks
 * and rank ranges without scanning a collection. Read models are written only through `commit`.
 */
export type ReadModelDocument = {
  _id: string;
  /** Revision of the source stream's last event applied to this document (the stale-write guard). */
  revision: number;
};

/** An ordered index: documents grouped by a key, each group kept sorted by a total order. */
export type IndexDefinition<Doc> = {
  groupOf: (doc: Doc) => string;
  /** Must be total: only the same document may compare equal. */
  compare: (a: Doc, b: Doc) => number;
};

export type CollectionDefinition<Doc extends ReadModelDocument = ReadModelDocument> = {
  name: string;
  indexes?: Record<string, IndexDefinition<Doc>>;
};

/** `doc: null` deletes. */
export type DocumentWrite = { collection: string; id: string; doc: ReadModelDocument | null };

export type IndexQuery = { collection: string; index: string; group: string };

export interface ReadStore {
  find<Doc extends ReadModelDocument>(collection: string, id: string): Promise<Doc | undefined>;
  findMany<Doc extends ReadModelDocument>(
    collection: string,
    ids: readonly string[],
  ): Promise<Map<string, Doc>>;
  /** Applies the writes and moves the checkpoint to `position`, together. */
  commit(writes: readonly DocumentWrite[], position: number): Promise<void>;
  /** Global position of the last event applied (0 before any). */
  checkpoint(): Promise<number>;

  /** Up to `limit` documents of a group in index order, strictly after `after` when given. */
  page<Doc extends ReadModelDocument>(
    query: IndexQuery,
    after: Partial<Doc> | undefined,
    limit: number,
  ): Promise<Doc[]>;
  /** 0-based position of the document in its group's order, undefined when absent. */
  rankOf(query: IndexQuery, id: string): Promise<number | undefined>;
  /** Documents at ranks [from, from + count) of a group. */
  slice<Doc extends ReadModelDocument>(query: IndexQuery, from: number, count: number): Promise<Doc[]>;
  count(query: IndexQuery): Promise<number>;

  close(): Promise<void>;
}
