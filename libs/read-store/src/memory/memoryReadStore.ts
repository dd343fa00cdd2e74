import {
  type AnyIndexDefinition,
  type AnyIndexQuery,
  type BatchDocuments,
  type CollectionDefinition,
  type DocumentWrite,
  EMBEDDED_CHECKPOINT,
  type IndexQuery,
  type ProjectionTarget,
  type ReadModelDocument,
  type ReadStore,
  assertIndexDefinition,
  cursorLength,
  groupValues,
} from '../readStore';
import { DocumentTable } from './documentTable';
import { type PrimaryKey, SortedList } from './sortedList';

type Doc = ReadModelDocument & Record<string, unknown>;
type Compare = (a: Doc, b: Doc) => number;

/** A group's list, or a map from the next groupBy value to deeper levels (one level per field). */
type Groups = Map<unknown, Groups | SortedList<Doc>>;

type Index = {
  definition: AnyIndexDefinition;
  /** The first orderBy field as a number, kept beside each entry of the lists. */
  primary: PrimaryKey<Doc>;
  /** The full order, and the order on each prefix of `orderBy` (what a cursor of that length compares). */
  compareOn: Compare[];
  /** The group's list when `groupBy` is empty, else nested maps keyed by the group's values. */
  groups: Groups | SortedList<Doc>;
};

type Collection = { docs: DocumentTable<Doc>; indexes: Map<string, Index>; indexList: Index[] };

/** MongoDB's order for the values an index holds: missing first, then numbers, then strings. */
const compareValues = (a: unknown, b: unknown): number => {
  const rank = (value: unknown) =>
    value === undefined || value === null ? 0 : typeof value === 'number' ? 1 : 2;
  const byType = rank(a) - rank(b);
  if (byType !== 0 || a === undefined || a === null) return byType;
  // Strings compare by UTF-16 code unit here and by UTF-8 byte in MongoDB: the same order for ids,
  // which are ASCII.
  return (a as string | number) < (b as string | number)
    ? -1
    : (a as string | number) > (b as string | number)
      ? 1
      : 0;
};

/**
 * The order `orderBy` gives, compiled into one function per index: it reads each field by name (a
 * monomorphic property load instead of a keyed one) and compares two numbers or two strings inline,
 * leaving `compareValues` for missing or mixed-type values. Same order as comparing field by field with
 * `compareValues`. The field names are embedded as JSON string literals, so any name is safe.
 */
const compileCompare = (orderBy: AnyIndexDefinition['orderBy']): Compare => {
  const steps = orderBy.map(([field, direction]) => {
    const name = JSON.stringify(field);
    return `x = a[${name}]; y = b[${name}];
      if (x !== y) {
        t = typeof x;
        if (t === typeof y && (t === 'number' || t === 'string')) {
          if (x < y) return ${-direction};
          if (x > y) return ${direction};
        } else {
          c = compareValues(x, y);
          if (c !== 0) return ${direction} * c;
        }
      }`;
  });
  const source = `return function compare(a, b) { let x, y, t, c; ${steps.join('\n')} return 0; };`;
  return new Function('compareValues', source)(compareValues) as Compare;
};

/** The first field of `orderBy` where it holds a number (NaN otherwise: the documents decide). */
const compilePrimary = ([[field, direction]]: AnyIndexDefinition['orderBy']): PrimaryKey<Doc> => {
  const source = `return function key(doc) { const v = doc[${JSON.stringify(field)}]; return typeof v === 'number' ? v : NaN; };`;
  return { key: new Function(source)() as (doc: Doc) => number, direction };
};

/**
 * A group value as a map key, with the equality the JSON group keys of the first version had: missing,
 * null and non-finite numbers are one group (JSON writes them all as null), -0 is 0. Object values
 * cannot be queried (a group value is a string or a number), so they share one unreachable group.
 */
const UNQUERYABLE = Symbol('unqueryable group value');
const groupValue = (value: unknown): unknown =>
  value === undefined || (typeof value === 'number' && !Number.isFinite(value))
    ? null
    : typeof value === 'object' && value !== null
      ? UNQUERYABLE
      : value;

/** Whether two documents hold the same values in the index's group fields (most updates keep them). */
const sameGroup = (index: Index, a: Doc, b: Doc): boolean => {
  for (const field of index.definition.groupBy) if (a[field] !== b[field]) return false;
  return true;
};

/** What a projection batch read: documents as stored at `version` (the count of commits). */
type MemoryBatchDocuments = BatchDocuments & { version: number };

/**
 * The embedded read store: documents in maps, ordered indexes in sorted lists. It starts empty and is
 * rebuilt from the event log at start, so it holds nothing the log does not.
 *
 * As a projection target it reads a batch's documents synchronously, one by one as they are asked for,
 * and is told what each write was evolved from, so each document is looked up once per batch.
 */
export class MemoryReadStore implements ReadStore, ProjectionTarget {
  private readonly collections = new Map<string, Collection>();
  private readonly positions = new Map<string, number>();
  /** Counts commits: documents read at this version are still the stored ones. */
  private version = 0;

  constructor(definitions: readonly CollectionDefinition<never>[]) {
    for (const { name, indexes = {} } of definitions as readonly CollectionDefinition[]) {
      const compiled = new Map<string, Index>();
      for (const [indexName, definition] of Object.entries(indexes as Record<string, AnyIndexDefinition>)) {
        assertIndexDefinition(name, indexName, definition);
        const { orderBy } = definition;
        const compareOn = orderBy.map((_, i) => compileCompare(orderBy.slice(0, i + 1)));
        const primary = compilePrimary(orderBy);
        compiled.set(indexName, {
          definition,
          primary,
          compareOn,
          groups:
            definition.groupBy.length === 0
              ? new SortedList(compareOn[compareOn.length - 1], primary)
              : new Map(),
        });
      }
      this.collections.set(name, {
        docs: new DocumentTable(),
        indexes: compiled,
        indexList: [...compiled.values()],
      });
    }
  }

  async find<D extends ReadModelDocument>(
    collection: CollectionDefinition<D>,
    id: string,
  ): Promise<D | undefined> {
    return this.collection(collection.name).docs.get(id) as D | undefined;
  }

  async findMany<D extends ReadModelDocument>(
    collection: CollectionDefinition<D>,
    ids: readonly string[],
  ): Promise<Map<string, D>> {
    const docs = this.collection(collection.name).docs;
    const found = new Map<string, D>();
    for (const id of ids) {
      const doc = docs.get(id);
      if (doc) found.set(id, doc as unknown as D);
    }
    return found;
  }

  async *documents<D extends ReadModelDocument>(
    collection: CollectionDefinition<D>,
    batchSize: number,
  ): AsyncIterable<D[]> {
    const { docs } = this.collection(collection.name);
    // A snapshot of the ids: commits during the walk neither skip nor repeat a document.
    const ids = docs.keys().sort();
    for (let from = 0; from < ids.length; from += batchSize) {
      const batch = ids.slice(from, from + batchSize).flatMap((id) => docs.get(id) ?? []);
      if (batch.length > 0) yield batch as unknown as D[];
    }
  }

  async projectionTargets(): Promise<readonly ProjectionTarget[]> {
    return [this];
  }

  async read(): Promise<BatchDocuments> {
    const batch: MemoryBatchDocuments = {
      version: this.version,
      get: (collection, id) => this.collection(collection).docs.get(id),
    };
    return batch;
  }

  async commitBatch(
    writes: readonly DocumentWrite[],
    position: number,
    checkpoint: string | undefined,
    read: BatchDocuments,
    previous: readonly (ReadModelDocument | undefined)[],
  ): Promise<void> {
    // What the batch read is what is stored only if no commit came in between.
    this.apply(
      writes,
      position,
      checkpoint,
      (read as MemoryBatchDocuments).version === this.version ? previous : undefined,
    );
  }

  async commit(writes: readonly DocumentWrite[], position: number, checkpoint?: string): Promise<void> {
    this.apply(writes, position, checkpoint, undefined);
  }

  private apply(
    writes: readonly DocumentWrite[],
    position: number,
    checkpoint = EMBEDDED_CHECKPOINT,
    previousOf: readonly (ReadModelDocument | undefined)[] | undefined,
  ): void {
    this.version += 1;
    let name: string | undefined;
    let collection: Collection | undefined;
    for (let i = 0; i < writes.length; i++) {
      const write = writes[i];
      if (write.collection !== name) collection = this.collection((name = write.collection));
      const { docs, indexList } = collection!;
      const previous = previousOf ? (previousOf[i] as Doc | undefined) : docs.get(write.id);
      const doc = write.doc as Doc | null;
      // The stale-write guard: only a newer revision replaces or deletes a document.
      if (previous && previous.revision >= (doc ? doc.revision : (write as { revision: number }).revision))
        continue;
      for (const index of indexList) {
        const from = previous && this.listOf(index, previous, false);
        if (!doc) from?.remove(previous!);
        else {
          const to = from && sameGroup(index, previous!, doc) ? from : this.listOf(index, doc, true)!;
          if (from !== to) {
            from?.remove(previous!);
            to.insert(doc);
          } else if (!to.replace(previous!, doc)) to.insert(doc);
        }
      }
      if (!doc) docs.delete(write.id);
      // A new document is keyed by its own _id when that is the write's id: one string per document.
      else docs.set(doc._id === write.id ? doc._id : write.id, doc);
    }
    this.positions.set(checkpoint, Math.max(this.positions.get(checkpoint) ?? 0, position));
  }

  async checkpoint(name = EMBEDDED_CHECKPOINT): Promise<number> {
    return this.positions.get(name) ?? 0;
  }

  async checkpoints(prefix = ''): Promise<Map<string, number>> {
    return new Map([...this.positions].filter(([name]) => name.startsWith(prefix)));
  }

  async page<D extends ReadModelDocument>(
    query: IndexQuery<D>,
    after: Partial<D> | undefined,
    limit: number,
  ): Promise<D[]> {
    const { index, list } = this.group(query);
    if (!list) return [];
    const from =
      after === undefined
        ? 0
        : list.countUpTo(
            after as unknown as Doc,
            index.compareOn[cursorLength(query, index.definition.orderBy, after) - 1],
          );
    return list.slice(from, limit) as unknown as D[];
  }

  async rankOf<D extends ReadModelDocument>(query: IndexQuery<D>, id: string): Promise<number | undefined> {
    const { index, list } = this.group(query);
    const doc = this.collection(query.collection.name).docs.get(id);
    if (!doc || !list || this.listOf(index, doc, false) !== list) return undefined;
    return list.rankOf(doc);
  }

  async slice<D extends ReadModelDocument>(query: IndexQuery<D>, from: number, count: number): Promise<D[]> {
    return (this.group(query).list?.slice(from, count) ?? []) as unknown as D[];
  }

  async count<D extends ReadModelDocument>(query: IndexQuery<D>): Promise<number> {
    return this.group(query).list?.size ?? 0;
  }

  async close(): Promise<void> {
    this.collections.clear();
  }

  private collection(name: string): Collection {
    const collection = this.collections.get(name);
    if (!collection) throw new Error(`unknown read model collection ${name}`);
    return collection;
  }

  /** The list of the group `doc` belongs to; created when `create`, else undefined when there is none. */
  private listOf(index: Index, doc: Doc, create: boolean): SortedList<Doc> | undefined {
    const { groupBy } = index.definition;
    let level = index.groups;
    for (let i = 0; i < groupBy.length; i++) {
      const key = groupValue(doc[groupBy[i]]);
      let next = (level as Groups).get(key);
      if (!next) {
        if (!create) return undefined;
        next =
          i === groupBy.length - 1
            ? new SortedList(index.compareOn[index.compareOn.length - 1], index.primary)
            : (new Map() as Groups);
        (level as Groups).set(key, next);
      }
      level = next;
    }
    return level as SortedList<Doc>;
  }

  private group(query: AnyIndexQuery): { index: Index; list: SortedList<Doc> | undefined } {
    const index = this.collection(query.collection.name).indexes.get(query.index);
    if (!index) throw new Error(`unknown index ${query.index} on ${query.collection.name}`);
    let level: Groups | SortedList<Doc> | undefined = index.groups;
    for (const value of groupValues(query, index.definition.groupBy)) {
      level = (level as Groups).get(groupValue(value));
      if (!level) break;
    }
    return { index, list: level as SortedList<Doc> | undefined };
  }
}
