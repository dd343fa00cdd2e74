import {
  type AnyIndexDefinition,
  type CollectionDefinition,
  type DocumentWrite,
  EMBEDDED_CHECKPOINT,
  type IndexQuery,
  type ReadModelDocument,
  type ReadStore,
  assertIndexDefinition,
  cursorLength,
  groupValues,
} from '../readStore';
import { SortedList } from './sortedList';

type Doc = ReadModelDocument & Record<string, unknown>;
type Compare = (a: Doc, b: Doc) => number;

type Index = {
  definition: AnyIndexDefinition;
  /** The full order, and the order on each prefix of `orderBy` (what a cursor of that length compares). */
  compareOn: Compare[];
  groups: Map<string, SortedList<Doc>>;
};

type Collection = { docs: Map<string, Doc>; indexes: Map<string, Index> };

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

const compareBy =
  (orderBy: AnyIndexDefinition['orderBy']): Compare =>
  (a, b) => {
    for (const [field, direction] of orderBy) {
      const c = compareValues(a[field], b[field]);
      if (c !== 0) return direction * c;
    }
    return 0;
  };

const groupKey = (values: readonly unknown[]): string => JSON.stringify(values);

/**
 * The embedded read store: documents in maps, ordered indexes in sorted lists. It starts empty and is
 * rebuilt from the event log at start, so it holds nothing the log does not.
 */
export class MemoryReadStore implements ReadStore {
  private readonly collections = new Map<string, Collection>();
  private readonly positions = new Map<string, number>();

  constructor(definitions: readonly CollectionDefinition<never>[]) {
    for (const { name, indexes = {} } of definitions as readonly CollectionDefinition[]) {
      const compiled = new Map<string, Index>();
      for (const [indexName, definition] of Object.entries(indexes as Record<string, AnyIndexDefinition>)) {
        assertIndexDefinition(name, indexName, definition);
        const { orderBy } = definition;
        compiled.set(indexName, {
          definition,
          compareOn: orderBy.map((_, i) => compareBy(orderBy.slice(0, i + 1))),
          groups: new Map(),
        });
      }
      this.collections.set(name, { docs: new Map(), indexes: compiled });
    }
  }

  async find<D extends ReadModelDocument>(collection: string, id: string): Promise<D | undefined> {
    return this.collection(collection).docs.get(id) as D | undefined;
  }

  async findMany<D extends ReadModelDocument>(
    collection: string,
    ids: readonly string[],
  ): Promise<Map<string, D>> {
    const docs = this.collection(collection).docs;
    const found = new Map<string, D>();
    for (const id of ids) {
      const doc = docs.get(id);
      if (doc) found.set(id, doc as unknown as D);
    }
    return found;
  }

  async *documents<D extends ReadModelDocument>(collection: string, batchSize: number): AsyncIterable<D[]> {
    const { docs } = this.collection(collection);
    // A snapshot of the ids: commits during the walk neither skip nor repeat a document.
    const ids = [...docs.keys()].sort();
    for (let from = 0; from < ids.length; from += batchSize) {
      const batch = ids.slice(from, from + batchSize).flatMap((id) => docs.get(id) ?? []);
      if (batch.length > 0) yield batch as unknown as D[];
    }
  }

  async commit(
    writes: readonly DocumentWrite[],
    position: number,
    checkpoint = EMBEDDED_CHECKPOINT,
  ): Promise<void> {
    for (const write of writes) {
      const collection = this.collection(write.collection);
      const previous = collection.docs.get(write.id);
      const doc = write.doc as Doc | null;
      // The stale-write guard: only a newer revision replaces or deletes a document.
      if (previous && previous.revision >= (doc ? doc.revision : (write as { revision: number }).revision))
        continue;
      for (const index of collection.indexes.values()) {
        if (previous) index.groups.get(this.groupOf(index, previous))?.remove(previous);
        if (doc) {
          const group = this.groupOf(index, doc);
          let list = index.groups.get(group);
          if (!list)
            index.groups.set(group, (list = new SortedList(index.compareOn[index.compareOn.length - 1])));
          list.insert(doc);
        }
      }
      if (doc) collection.docs.set(write.id, doc);
      else collection.docs.delete(write.id);
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
    query: IndexQuery,
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

  async rankOf(query: IndexQuery, id: string): Promise<number | undefined> {
    const { index, key, list } = this.group(query);
    const doc = this.collection(query.collection).docs.get(id);
    if (!doc || this.groupOf(index, doc) !== key) return undefined;
    return list?.rankOf(doc);
  }

  async slice<D extends ReadModelDocument>(query: IndexQuery, from: number, count: number): Promise<D[]> {
    return (this.group(query).list?.slice(from, count) ?? []) as unknown as D[];
  }

  async count(query: IndexQuery): Promise<number> {
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

  private groupOf(index: Index, doc: Doc): string {
    return groupKey(index.definition.groupBy.map((field) => doc[field]));
  }

  private group(query: IndexQuery): { index: Index; key: string; list: SortedList<Doc> | undefined } {
    const index = this.collection(query.collection).indexes.get(query.index);
    if (!index) throw new Error(`unknown index ${query.index} on ${query.collection}`);
    const key = groupKey(groupValues(query, index.definition.groupBy));
    return { index, key, list: index.groups.get(key) };
  }
}
