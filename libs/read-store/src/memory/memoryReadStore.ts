import type {
  CollectionDefinition,
  DocumentWrite,
  IndexDefinition,
  IndexQuery,
  ReadModelDocument,
  ReadStore,
} from '../readStore';
import { SortedList } from './sortedList';

type Collection = {
  docs: Map<string, ReadModelDocument>;
  indexes: Map<
    string,
    { definition: IndexDefinition<ReadModelDocument>; groups: Map<string, SortedList<ReadModelDocument>> }
  >;
};

/**
 * The embedded read store: documents in maps, ordered indexes in sorted lists. It starts empty and is
 * rebuilt from the event log at start, so it holds nothing the log does not.
 */
export class MemoryReadStore implements ReadStore {
  private readonly collections = new Map<string, Collection>();
  private position = 0;

  constructor(definitions: readonly CollectionDefinition<never>[]) {
    for (const definition of definitions as readonly CollectionDefinition[]) {
      this.collections.set(definition.name, {
        docs: new Map(),
        indexes: new Map(
          Object.entries(definition.indexes ?? {}).map(([name, index]) => [
            name,
            { definition: index, groups: new Map() },
          ]),
        ),
      });
    }
  }

  async find<Doc extends ReadModelDocument>(collection: string, id: string): Promise<Doc | undefined> {
    return this.collection(collection).docs.get(id) as Doc | undefined;
  }

  async findMany<Doc extends ReadModelDocument>(
    collection: string,
    ids: readonly string[],
  ): Promise<Map<string, Doc>> {
    const docs = this.collection(collection).docs;
    const found = new Map<string, Doc>();
    for (const id of ids) {
      const doc = docs.get(id);
      if (doc) found.set(id, doc as Doc);
    }
    return found;
  }

  async commit(writes: readonly DocumentWrite[], position: number): Promise<void> {
    for (const { collection: name, id, doc } of writes) {
      const collection = this.collection(name);
      const previous = collection.docs.get(id);
      for (const { definition, groups } of collection.indexes.values()) {
        if (previous) groups.get(definition.groupOf(previous))?.remove(previous);
        if (doc) {
          const group = definition.groupOf(doc);
          let list = groups.get(group);
          if (!list) groups.set(group, (list = new SortedList(definition.compare)));
          list.insert(doc);
        }
      }
      if (doc) collection.docs.set(id, doc);
      else collection.docs.delete(id);
    }
    this.position = Math.max(this.position, position);
  }

  async checkpoint(): Promise<number> {
    return this.position;
  }

  async page<Doc extends ReadModelDocument>(
    query: IndexQuery,
    after: Partial<Doc> | undefined,
    limit: number,
  ): Promise<Doc[]> {
    const list = this.group(query);
    if (!list) return [];
    const from = after === undefined ? 0 : list.countUpTo(after as unknown as ReadModelDocument);
    return list.slice(from, limit) as Doc[];
  }

  async rankOf(query: IndexQuery, id: string): Promise<number | undefined> {
    const doc = this.collection(query.collection).docs.get(id);
    return doc ? this.group(query)?.rankOf(doc) : undefined;
  }

  async slice<Doc extends ReadModelDocument>(query: IndexQuery, from: number, count: number): Promise<Doc[]> {
    return (this.group(query)?.slice(from, count) ?? []) as Doc[];
  }

  async count(query: IndexQuery): Promise<number> {
    return this.group(query)?.size ?? 0;
  }

  async close(): Promise<void> {
    this.collections.clear();
  }

  private collection(name: string): Collection {
    const collection = this.collections.get(name);
    if (!collection) throw new Error(`unknown read model collection ${name}`);
    return collection;
  }

  private group({ collection, index, group }: IndexQuery): SortedList<ReadModelDocument> | undefined {
    const definition = this.collection(collection).indexes.get(index);
    if (!definition) throw new Error(`unknown index ${index} on ${collection}`);
    return definition.groups.get(group);
  }
}
