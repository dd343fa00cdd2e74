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
import { DocumentTable } from './documentTable';
import { FrozenGroup } from './frozenGroup';
import { type PrimaryKey, SortedList } from './sortedList';

type Doc = ReadModelDocument & Record<string, unknown>;
type Compare = (a: Doc, b: Doc) => number;

/** One group of an index: live in a sorted list, or frozen (see `freeze`). */
type Group = SortedList<Doc> | FrozenGroup;

/** A group, or a map from the next groupBy value to deeper levels (one level per field). */
type Groups = Map<unknown, Groups | Group>;

type Index = {
  indexName: string;
  definition: AnyIndexDefinition;
  /** The first orderBy field as a number, kept beside each entry of the lists. */
  primary: PrimaryKey<Doc>;
  /** The full order, and the order on each prefix of `orderBy` (what a cursor of that length compares). */
  compareOn: Compare[];
  /** The group when `groupBy` is empty, else nested maps keyed by the group's values. */
  groups: Groups | Group;
};

type Collection = {
  /** Every document but the frozen ones, by id. */
  docs: DocumentTable<Doc>;
  indexes: Map<string, Index>;
  indexList: Index[];
  /** The frozen groups, by `minId`, and per position the largest `maxId` up to it (to find an id). */
  frozen: FrozenGroup[];
  frozenMaxIds: string[];
};

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

/** A frozen group in a cut: its index, its group values, and its rows (`at(row)` gives a document). */
export type FrozenCut = { index: string; group: Record<string, IndexValue>; rows: FrozenGroup };

/** The store at one moment (`MemoryReadStore.cut`): documents outside frozen groups, and frozen groups. */
export type MemoryCut = {
  /** The embedded checkpoint: every event up to it is in the documents. */
  position: number;
  collections: { name: string; documents: readonly ReadModelDocument[]; frozen: FrozenCut[] }[];
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
  /** The lists a `freeze` is building columns of. */
  private readonly freezing = new WeakSet<SortedList<Doc>>();

  constructor(private readonly definitions: readonly CollectionDefinition<never>[]) {
    this.open();
  }

  /** Empties the store: as new, every collection empty and every checkpoint at 0. */
  reset(): void {
    this.collections.clear();
    this.positions.clear();
    this.version += 1;
    this.open();
  }

  /**
   * Every document and the embedded checkpoint as they are at this moment, taken at once: documents are
   * never changed in place (a write stores a new object) and a frozen group never changes, so the cut
   * stays as it was while the store goes on. The frozen groups are listed apart, to be frozen again.
   */
  cut(): MemoryCut {
    const collections: MemoryCut['collections'] = [];
    for (const [name, { docs, indexList, frozen }] of this.collections) {
      // Only a collection with one index has frozen groups (see `freeze`).
      const frozenCut = frozen.map((rows): FrozenCut => {
        const { indexName, definition } = indexList[0];
        const first = rows.at(0);
        const group = Object.fromEntries(
          definition.groupBy.map((field) => [field, first[field] as IndexValue]),
        );
        return { index: indexName, group, rows };
      });
      collections.push({ name, documents: docs.valueList(), frozen: frozenCut });
    }
    return { position: this.positions.get(EMBEDDED_CHECKPOINT) ?? 0, collections };
  }

  private open(): void {
    for (const { name, indexes = {} } of this.definitions as readonly CollectionDefinition[]) {
      const compiled = new Map<string, Index>();
      for (const [indexName, definition] of Object.entries(indexes as Record<string, AnyIndexDefinition>)) {
        assertIndexDefinition(name, indexName, definition);
        const { orderBy } = definition;
        const compareOn = orderBy.map((_, i) => compileCompare(orderBy.slice(0, i + 1)));
        const primary = compilePrimary(orderBy);
        compiled.set(indexName, {
          indexName,
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
        frozen: [],
        frozenMaxIds: [],
      });
    }
  }

  async find<D extends ReadModelDocument>(
    collection: CollectionDefinition<D>,
    id: string,
  ): Promise<D | undefined> {
    return this.lookup(this.collection(collection.name), id) as D | undefined;
  }

  async findMany<D extends ReadModelDocument>(
    collection: CollectionDefinition<D>,
    ids: readonly string[],
  ): Promise<Map<string, D>> {
    const stored = this.collection(collection.name);
    const found = new Map<string, D>();
    for (const id of ids) {
      const doc = this.lookup(stored, id);
      if (doc) found.set(id, doc as unknown as D);
    }
    return found;
  }

  async *documents<D extends ReadModelDocument>(
    collection: CollectionDefinition<D>,
    batchSize: number,
  ): AsyncIterable<D[]> {
    const stored = this.collection(collection.name);
    // A snapshot of the ids: commits during the walk neither skip nor repeat a document. A frozen
    // group never changes (a thaw leaves the object as it was), so it serves its own ids.
    const live = stored.docs.keys().sort();
    const ids = stored.frozen.length === 0 ? live : idsInOrder(live, [...stored.frozen]);
    let pending: string[] = [];
    const take = () => {
      const batch = pending.flatMap((id) => this.lookup(stored, id) ?? []);
      pending = [];
      return batch as unknown as D[];
    };
    for (const id of ids) {
      if (pending.push(id) < batchSize) continue;
      const batch = take();
      if (batch.length > 0) yield batch;
    }
    const batch = take();
    if (batch.length > 0) yield batch;
  }

  async projectionTargets(): Promise<readonly ProjectionTarget[]> {
    return [this];
  }

  async read(): Promise<BatchDocuments> {
    const batch: MemoryBatchDocuments = {
      version: this.version,
      get: (collection, id) => this.lookup(this.collection(collection), id),
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
      const previous = previousOf ? (previousOf[i] as Doc | undefined) : this.lookup(collection!, write.id);
      const doc = write.doc as Doc | null;
      // The stale-write guard: only a newer revision replaces or deletes a document.
      if (previous && previous.revision >= (doc ? doc.revision : (write as { revision: number }).revision))
        continue;
      for (const index of indexList) {
        const from = previous && this.liveListOf(collection!, index, previous, false);
        if (!doc) from?.remove(previous!);
        else {
          const to =
            from && sameGroup(index, previous!, doc) ? from : this.liveListOf(collection!, index, doc, true)!;
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
    const { index, group } = this.group(query);
    if (!group) return [];
    const from =
      after === undefined
        ? 0
        : group.countUpTo(
            after as unknown as Doc,
            index.compareOn[cursorLength(query, index.definition.orderBy, after) - 1],
          );
    return group.slice(from, limit) as unknown as D[];
  }

  async rankOf<D extends ReadModelDocument>(query: IndexQuery<D>, id: string): Promise<number | undefined> {
    const { index, group } = this.group(query);
    if (group instanceof FrozenGroup) {
      const row = group.rowOf(id);
      return row < 0 ? undefined : row;
    }
    // Frozen documents are not in `docs`, and not in this live group either.
    const doc = this.collection(query.collection.name).docs.get(id);
    if (!doc || !group || this.listOf(index, doc, false) !== group) return undefined;
    return group.rankOf(doc);
  }

  async slice<D extends ReadModelDocument>(query: IndexQuery<D>, from: number, count: number): Promise<D[]> {
    return (this.group(query).group?.slice(from, count) ?? []) as unknown as D[];
  }

  async count<D extends ReadModelDocument>(query: IndexQuery<D>): Promise<number> {
    return this.group(query).group?.size ?? 0;
  }

  /**
   * Holds the group column by column (FrozenGroup), without a document object or a list entry per
   * document: the documents leave `docs` and the index. Queries answer exactly as before; a write to one
   * of its documents, or a new document in it, first thaws the group back into a list (`liveListOf`).
   *
   * Only on a collection with this one index: every document is in a group of every index, and another
   * index's list would keep holding the document objects (and answer from them), so freezing would
   * save nothing there. Elsewhere, and on an empty or frozen group, it does nothing.
   *
   * The columns are built in steps, letting other work run in between (a million entries take seconds),
   * and the group is served live meanwhile; a group written to meanwhile stays live.
   */
  async freeze(query: AnyIndexQuery): Promise<void> {
    const collection = this.collection(query.collection.name);
    const { index, group } = this.group(query);
    if (collection.indexList.length !== 1 || !(group instanceof SortedList) || group.size === 0) return;
    if (this.freezing.has(group)) return;
    const changes = group.changes;
    const docs = group.slice(0, group.size);
    const building = FrozenGroup.building(
      docs,
      index.definition.orderBy.map(([field]) => field),
    );
    this.freezing.add(group);
    let frozen: FrozenGroup | undefined;
    try {
      for (let step = building.next(); ; step = building.next()) {
        if (step.done) {
          frozen = step.value;
          break;
        }
        await new Promise(setImmediate);
      }
    } finally {
      this.freezing.delete(group);
    }
    const unchanged =
      this.collections.get(query.collection.name) === collection &&
      this.group(query).group === group &&
      group.changes === changes;
    if (!frozen || !unchanged) return;
    // A frozen document is found by its `_id`, so each must be what `docs` holds under its `_id`; where
    // one is not, everything taken so far goes back and the group stays live.
    for (let i = 0; i < docs.length; i++) {
      const held = collection.docs.take(docs[i]._id);
      if (held === docs[i]) continue;
      if (held) collection.docs.set(docs[i]._id, held);
      for (let back = 0; back < i; back++) collection.docs.set(docs[back]._id, docs[back]);
      return;
    }
    this.setGroup(index, docs[0], frozen);
    collection.frozen.push(frozen);
    this.indexFrozen(collection);
  }

  /** Whether the group is held frozen now: what its memory costs depends on it. */
  isFrozen(query: AnyIndexQuery): boolean {
    return this.group(query).group instanceof FrozenGroup;
  }

  async close(): Promise<void> {
    this.collections.clear();
  }

  private collection(name: string): Collection {
    const collection = this.collections.get(name);
    if (!collection) throw new Error(`unknown read model collection ${name}`);
    return collection;
  }

  /** A document by id, frozen or not. */
  private lookup(collection: Collection, id: string): Doc | undefined {
    const doc = collection.docs.get(id);
    if (doc || collection.frozen.length === 0) return doc;
    const frozen = this.frozenHolding(collection, id);
    return frozen && frozen.group.at(frozen.row);
  }

  /** The frozen group holding `id`, and its row there. */
  private frozenHolding(collection: Collection, id: string): { group: FrozenGroup; row: number } | undefined {
    const { frozen, frozenMaxIds } = collection;
    // The last group whose range starts at or before `id`, then back while a range may still reach it.
    let lo = 0;
    let hi = frozen.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (frozen[mid].minId <= id) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo - 1; i >= 0 && frozenMaxIds[i] >= id; i--) {
      if (frozen[i].maxId < id) continue;
      const row = frozen[i].rowOf(id);
      if (row >= 0) return { group: frozen[i], row };
    }
    return undefined;
  }

  /** Sorts the frozen groups by `minId` and recomputes the running largest `maxId`. */
  private indexFrozen(collection: Collection): void {
    const { frozen } = collection;
    frozen.sort((a, b) => (a.minId < b.minId ? -1 : a.minId > b.minId ? 1 : 0));
    collection.frozenMaxIds = [];
    let max = '';
    for (const group of frozen) {
      if (group.maxId > max) max = group.maxId;
      collection.frozenMaxIds.push(max);
    }
  }

  /** `listOf`, thawing a frozen group first: what a write changes. */
  private liveListOf(
    collection: Collection,
    index: Index,
    doc: Doc,
    create: boolean,
  ): SortedList<Doc> | undefined {
    const group = this.listOf(index, doc, create);
    if (!(group instanceof FrozenGroup)) return group;
    // The group's live form again: its documents back in `docs`, in a list in their order.
    const docs = group.thaw();
    const list = SortedList.fromSorted(docs, index.compareOn[index.compareOn.length - 1], index.primary);
    for (const thawed of docs) collection.docs.set(thawed._id, thawed);
    this.setGroup(index, docs[0], list);
    collection.frozen.splice(collection.frozen.indexOf(group), 1);
    this.indexFrozen(collection);
    return list;
  }

  /** Puts `group` where the group of `member` is. */
  private setGroup(index: Index, member: Doc, group: Group): void {
    const { groupBy } = index.definition;
    if (groupBy.length === 0) {
      index.groups = group;
      return;
    }
    let level = index.groups as Groups;
    for (let i = 0; i < groupBy.length - 1; i++) level = level.get(groupValue(member[groupBy[i]])) as Groups;
    level.set(groupValue(member[groupBy[groupBy.length - 1]]), group);
  }

  /** The group `doc` belongs to; a new list when `create`, else undefined when there is none. */
  private listOf(index: Index, doc: Doc, create: boolean): Group | undefined {
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
    return level as Group;
  }

  private group(query: AnyIndexQuery): { index: Index; group: Group | undefined } {
    const index = this.collection(query.collection.name).indexes.get(query.index);
    if (!index) throw new Error(`unknown index ${query.index} on ${query.collection.name}`);
    let level: Groups | Group | undefined = index.groups;
    for (const value of groupValues(query, index.definition.groupBy)) {
      level = (level as Groups).get(groupValue(value));
      if (!level) break;
    }
    return { index, group: level as Group | undefined };
  }
}

/**
 * The ids of `live` (sorted) and of each frozen group, merged into one `_id` order: a binary heap of
 * each source's next id.
 */
function* idsInOrder(live: readonly string[], frozen: readonly FrozenGroup[]): Generator<string> {
  type Source = { id: string; at: number; next: (at: number) => string | undefined };
  const sources: Source[] = [];
  const add = (next: Source['next']) => {
    const id = next(0);
    if (id !== undefined) sources.push({ id, at: 0, next });
  };
  add((at) => live[at]);
  for (const group of frozen) add((at) => (at < group.size ? group.idInOrder(at) : undefined));
  const before = (a: Source, b: Source) => a.id < b.id;
  const down = (from: number) => {
    for (let i = from; ;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let least = i;
      if (left < sources.length && before(sources[left], sources[least])) least = left;
      if (right < sources.length && before(sources[right], sources[least])) least = right;
      if (least === i) return;
      [sources[i], sources[least]] = [sources[least], sources[i]];
      i = least;
    }
  };
  for (let i = (sources.length >>> 1) - 1; i >= 0; i--) down(i);
  while (sources.length > 0) {
    const top = sources[0];
    yield top.id;
    top.at += 1;
    const id = top.next(top.at);
    if (id !== undefined) top.id = id;
    else {
      sources[0] = sources[sources.length - 1];
      sources.pop();
    }
    down(0);
  }
}
