import type { CollectionDefinition, DocumentWrite, IndexQuery, ReadModelDocument } from '../readStore';
import { FrozenGroup, idOrder, isoString, parseTimestamp } from './frozenGroup';
import { MemoryReadStore } from './memoryReadStore';

type Entry = ReadModelDocument & Record<string, unknown>;

const entries: CollectionDefinition<Entry> = {
  name: 'entries',
  indexes: {
    ranking: {
      groupBy: ['board', 'season'],
      orderBy: [
        ['points', -1],
        ['at', 1],
        ['player', 1],
      ],
    },
  },
};
const everything: CollectionDefinition<Entry> = {
  name: 'everything',
  indexes: { byPlayer: { groupBy: [], orderBy: [['player', 1]] } },
};
const twoIndexes: CollectionDefinition<Entry> = {
  name: 'twoIndexes',
  indexes: {
    ranking: {
      groupBy: ['board'],
      orderBy: [
        ['points', -1],
        ['_id', 1],
      ],
    },
    byPlayer: {
      groupBy: [],
      orderBy: [
        ['player', 1],
        ['_id', 1],
      ],
    },
  },
};
const collections = [entries, everything, twoIndexes] as CollectionDefinition<never>[];

const ranking = (board: string, season: number): IndexQuery<Entry> => ({
  collection: entries,
  index: 'ranking',
  group: { board, season },
});
const byPlayer: IndexQuery<Entry> = { collection: everything, index: 'byPlayer', group: {} };

/** A deterministic pseudo-random sequence, so a failure reproduces. */
const random = (seed: number) => () => {
  seed = (seed * 1103515245 + 12345) % 2 ** 31;
  return seed / 2 ** 31;
};

/** Every key, in order, at every depth: what `toStrictEqual` does not compare. */
const keyOrder = (value: unknown): unknown =>
  typeof value === 'object' && value !== null
    ? Object.entries(value).map(([key, inner]) => [key, keyOrder(inner)])
    : null;

/** The same documents: values (-0, NaN, undefined fields and all) and key order. */
const expectSame = (actual: unknown, expected: unknown) => {
  expect(actual).toStrictEqual(expected);
  expect(keyOrder(actual)).toEqual(keyOrder(expected));
};

/**
 * Documents of many kinds: optional fields present or not, metadata objects, fields in another key
 * order, irregular values (-0, NaN, a boolean among numbers, null, undefined), ISO timestamps and
 * strings that only look like one, ids with characters beyond Latin-1.
 */
const generate = (count: number, seed: number, board = 'b', season = 1): Entry[] => {
  const next = random(seed);
  const pick = <T>(values: readonly T[]): T => values[Math.floor(next() * values.length)];
  return Array.from({ length: count }, (_, i) => {
    const player = `p${String(i).padStart(4, '0')}${pick(['', '', 'x', 'é', '😀'])}`;
    const points = pick([Math.floor(next() * 50), Math.floor(next() * 50), next() * 10, -0, 0, 1e15]);
    const at = pick([
      new Date(Date.UTC(2026, 0, 1) + Math.floor(next() * 3) * 3_600_000).toISOString(),
      new Date(Date.UTC(2026, 0, 1) + Math.floor(next() * 3) * 3_600_000).toISOString(),
      '2026-01-01',
    ]);
    const doc: Entry = {
      _id: `${board}|${season}|${player}`,
      board,
      season,
      player,
      points,
      at,
      revision: i % 7,
    };
    const shape = next();
    if (shape < 0.2) return { ...doc, metadata: { level: Math.floor(next() * 5), mode: pick(['a', 'b']) } };
    if (shape < 0.3) return { ...doc, note: pick(['hi', 'a longer note than thirteen', '']) };
    if (shape < 0.35) return { ...doc, flag: pick([true, false, null, undefined, 3, 'x']) };
    if (shape < 0.4) {
      const { revision, ...rest } = doc;
      return { revision, ...rest, weird: pick([NaN, -0, 2 ** 40, -(2 ** 40), 0.5]) };
    }
    if (shape < 0.42) return { ...doc, points: pick([null, 'many', 'lots']) };
    return doc;
  });
};

const put = (collection: string, doc: Entry): DocumentWrite => ({ collection, id: doc._id, doc });

/** A store holding `docs`, and the same store with `query`'s group frozen. */
const liveAndFrozen = async (collection: string, docs: Entry[], query: IndexQuery<Entry>) => {
  const live = new MemoryReadStore(collections);
  const frozen = new MemoryReadStore(collections);
  for (const store of [live, frozen])
    await store.commit(
      docs.map((doc) => put(collection, doc)),
      1,
    );
  await frozen.freeze(query);
  return { live, frozen };
};

/** How many groups of a collection the store holds frozen (internal state, for the tests only). */
const frozenGroups = (store: MemoryReadStore, collection: string): number =>
  (store as unknown as { collections: Map<string, { frozen: unknown[] }> }).collections.get(collection)!
    .frozen.length;

const walk = async (store: MemoryReadStore, collection: CollectionDefinition<Entry>, batchSize: number) => {
  const batches: Entry[][] = [];
  for await (const batch of store.documents(collection, batchSize)) batches.push(batch);
  return batches;
};

/** Every query of the port, on `query`'s group and the collection, answers the same in both stores. */
const expectSameAnswers = async (
  live: MemoryReadStore,
  frozen: MemoryReadStore,
  query: IndexQuery<Entry>,
) => {
  const collection = query.collection;
  const all = await live.slice(query, 0, Number.MAX_SAFE_INTEGER);
  const ids = [...all.map((doc) => doc._id), 'absent', '', `${all[0]?._id ?? ''}~`, 'b|2|p0000'];
  expect(await frozen.count(query)).toBe(await live.count(query));
  expectSame(await frozen.slice(query, 0, Number.MAX_SAFE_INTEGER), all);
  const each = (store: MemoryReadStore) =>
    Promise.all(ids.map(async (id) => [await store.find(collection, id), await store.rankOf(query, id)]));
  expectSame(await each(frozen), await each(live));
  expectSame(await frozen.findMany(collection, ids), await live.findMany(collection, ids));
  for (const batchSize of [1, 3, 1000])
    expectSame(await walk(frozen, collection, batchSize), await walk(live, collection, batchSize));
  for (const [from, count] of [
    [-2, 5],
    [0, 0],
    [0, 1],
    [3, 7],
    [all.length - 1, 5],
    [all.length, 5],
    [all.length + 3, 1],
    [2, -1],
  ])
    expectSame(await frozen.slice(query, from, count), await live.slice(query, from, count));
  const { orderBy } = collection.indexes![query.index];
  const cursors: Partial<Entry>[] = [];
  // About 30 documents spread over the group, the first and the last among them.
  const step = Math.max(1, Math.floor(all.length / 30));
  for (const doc of all.filter((_, i) => i % step === 0 || i === all.length - 1)) {
    for (let length = 1; length <= orderBy.length; length++) {
      const cursor = Object.fromEntries(orderBy.slice(0, length).map(([field]) => [field, doc[field]]));
      if (cursor[orderBy[0][0]] !== undefined) cursors.push(cursor as Partial<Entry>);
    }
    // Between documents: past a number, before a string.
    const [[first]] = orderBy;
    if (typeof doc[first] === 'number')
      cursors.push({ [first]: (doc[first] as number) + 0.25 } as Partial<Entry>);
  }
  cursors.push({ [orderBy[0][0]]: 'zzz' } as Partial<Entry>, { [orderBy[0][0]]: -1e300 } as Partial<Entry>);
  const pages = (store: MemoryReadStore) =>
    Promise.all(
      [undefined, ...cursors].flatMap((cursor) =>
        [1, 4, 100].map((limit) => store.page(query, cursor, limit)),
      ),
    );
  expectSame(await pages(frozen), await pages(live));
};

describe('MemoryReadStore.freeze', () => {
  it('answers every query exactly as the live group does', async () => {
    const docs = [...generate(300, 1), ...generate(40, 2, 'b', 2), ...generate(30, 3, 'c', 1)];
    const { live, frozen } = await liveAndFrozen('entries', docs, ranking('b', 1));
    expect(frozenGroups(frozen, 'entries')).toBe(1);
    for (const query of [ranking('b', 1), ranking('b', 2), ranking('c', 1), ranking('none', 1)])
      await expectSameAnswers(live, frozen, query);
  });

  it('answers the same with several frozen groups of a collection, and on an index without groups', async () => {
    const docs = [...generate(200, 4), ...generate(150, 5, 'b', 2), ...generate(100, 6, 'a', 1)];
    const { live, frozen } = await liveAndFrozen('entries', docs, ranking('b', 2));
    await frozen.freeze(ranking('a', 1));
    expect(frozenGroups(frozen, 'entries')).toBe(2);
    for (const query of [ranking('b', 1), ranking('b', 2), ranking('a', 1)])
      await expectSameAnswers(live, frozen, query);

    const whole = await liveAndFrozen('everything', generate(500, 7), byPlayer);
    expect(frozenGroups(whole.frozen, 'everything')).toBe(1);
    await expectSameAnswers(whole.live, whole.frozen, byPlayer);
  });

  /** Documents whose fields each call for another column. */
  const varied = () => {
    const next = random(8);
    return Array.from({ length: 1200 }, (_, i): Entry => ({
      _id: `id${i}`,
      board: 'b',
      season: 1,
      player: `p${i % 700}-${i}${i % 5 === 0 ? 'é' : i % 7 === 0 ? '😀' : ''}`,
      points: Math.floor(next() * 300),
      ratio: (i % 300) / 7,
      at: `tag${i % 3}`,
      wide: Math.floor(next() * 2 ** 31) - 2 ** 30,
      small: 1000 + (i % 200),
      fixed: `f${String(i).padStart(8, '0')}`,
      stamp: new Date(Date.UTC(2025, 0, 1) + i * 1000).toISOString(),
      far: new Date(Date.UTC(2025, 0, 1) + i * 86_400_000 * 30).toISOString(),
      mixed: i % 100 === 0 ? true : i * 0.5,
      ...(i % 10 === 0 ? { metadata: { level: i % 3 } } : {}),
      revision: 1,
    }));
  };

  it('holds each field in the most compact column its values allow', () => {
    expect(FrozenGroup.build(varied(), ['points'])!.layout()).toEqual({
      _id: 'text',
      board: 'constant',
      season: 'constant',
      player: 'text',
      points: 'integer 16', // 300 values: a dictionary's codes would be as wide
      ratio: 'dictionary 16 (300 values)', // 4 rows per value
      at: 'dictionary 8 (3 values)',
      wide: 'integer 32',
      small: 'integer 8',
      fixed: 'text of width 9',
      stamp: 'timestamp as integer 32',
      far: 'timestamp as float 64', // beyond 2^32 ms of the first
      mixed: 'float 64 + sparse 12',
      revision: 'constant',
      metadata: 'sparse 120',
    });
  });

  it('answers the same from every kind of column', async () => {
    const { live, frozen } = await liveAndFrozen('entries', varied(), ranking('b', 1));
    expect(frozenGroups(frozen, 'entries')).toBe(1);
    await expectSameAnswers(live, frozen, ranking('b', 1));
  });

  it('thaws a group on a write to one of its documents, then freezes it again', async () => {
    const docs = generate(120, 9);
    const { live, frozen } = await liveAndFrozen('entries', docs, ranking('b', 1));
    const both = async (writes: DocumentWrite[], position: number) => {
      for (const store of [live, frozen]) await store.commit(writes, position);
    };
    const target = docs[17];

    // A stale write changes nothing and leaves the group frozen.
    await both(
      [
        put('entries', { ...target, points: 1000 }),
        { collection: 'entries', id: docs[3]._id, doc: null, revision: 0 },
      ],
      2,
    );
    expect(frozenGroups(frozen, 'entries')).toBe(1);
    await expectSameAnswers(live, frozen, ranking('b', 1));

    // A newer one thaws it and applies.
    await both([put('entries', { ...target, points: 1000, revision: 50 })], 3);
    expect(frozenGroups(frozen, 'entries')).toBe(0);
    expect(await frozen.rankOf(ranking('b', 1), target._id)).toBe(
      await live.rankOf(ranking('b', 1), target._id),
    );
    await expectSameAnswers(live, frozen, ranking('b', 1));

    // Frozen again; a delete, a new document and a move to another group, each thawing it.
    await frozen.freeze(ranking('b', 1));
    await frozen.freeze(ranking('b', 1)); // already frozen: nothing to do
    expect(frozenGroups(frozen, 'entries')).toBe(1);
    await expectSameAnswers(live, frozen, ranking('b', 1));
    await both([{ collection: 'entries', id: docs[5]._id, doc: null, revision: 50 }], 4);
    await frozen.freeze(ranking('b', 1));
    const newcomer: Entry = {
      _id: 'b|1|new',
      board: 'b',
      season: 1,
      player: 'new',
      points: 7,
      at: '2026-01-01',
      revision: 1,
    };
    await both([put('entries', newcomer)], 5);
    expect(frozenGroups(frozen, 'entries')).toBe(0);
    await frozen.freeze(ranking('b', 1));
    await both([put('entries', { ...docs[8], season: 2, revision: 50 })], 6);
    expect(frozenGroups(frozen, 'entries')).toBe(0);
    for (const query of [ranking('b', 1), ranking('b', 2)]) await expectSameAnswers(live, frozen, query);
    expect(await frozen.checkpoint()).toBe(6);
  });

  it('thaws on a projection batch, whether its documents were read before or after the freeze', async () => {
    const docs = generate(60, 10);
    const { live, frozen } = await liveAndFrozen('entries', docs, ranking('b', 1));
    const unfrozen = new MemoryReadStore(collections);
    await unfrozen.commit(
      docs.map((doc) => put('entries', doc)),
      1,
    );
    const project = async (store: MemoryReadStore, readThenFreeze: boolean) => {
      const [target] = await store.projectionTargets();
      const ids = [docs[0]._id, docs[1]._id, 'b|1|brand-new'];
      const read = await target.read(() => new Map([['entries', new Set(ids)]]));
      const previous = ids.map((id) => read.get('entries', id));
      if (readThenFreeze) await store.freeze(ranking('b', 1));
      const writes: DocumentWrite[] = [
        put('entries', { ...previous[0]!, points: -5, revision: 99 }),
        { collection: 'entries', id: ids[1], doc: null, revision: 99 },
        put('entries', { _id: ids[2], board: 'b', season: 1, player: 'n', points: 3, at: 'x', revision: 1 }),
      ];
      await target.commitBatch(writes, 2, undefined, read, previous);
    };
    await project(live, false);
    await project(frozen, false); // read from the frozen group
    await project(unfrozen, true); // read live, frozen before the commit
    expect(frozenGroups(frozen, 'entries')).toBe(0);
    expect(frozenGroups(unfrozen, 'entries')).toBe(0);
    await expectSameAnswers(live, frozen, ranking('b', 1));
    await expectSameAnswers(live, unfrozen, ranking('b', 1));
  });

  it('builds in steps while the group is served live, and leaves a group written to meanwhile live', async () => {
    const docs = generate(2_000, 12);
    const written = { ...docs[7], points: 1e9, revision: 99 };
    const live = new MemoryReadStore(collections);
    const store = new MemoryReadStore(collections);
    for (const target of [live, store])
      await target.commit(
        docs.map((doc) => put('entries', doc)),
        1,
      );
    await live.commit([put('entries', written)], 2);

    const rank = await store.rankOf(ranking('b', 1), docs[7]._id);
    const freezing = store.freeze(ranking('b', 1));
    await new Promise(setImmediate); // one step of the build
    // Served live meanwhile, and written to.
    expect(await store.rankOf(ranking('b', 1), docs[7]._id)).toBe(rank);
    await store.commit([put('entries', written)], 2);
    await store.freeze(ranking('b', 1)); // under way already: returns at once
    await freezing;
    expect(store.isFrozen(ranking('b', 1))).toBe(false);
    await expectSameAnswers(live, store, ranking('b', 1));

    await store.freeze(ranking('b', 1));
    expect(store.isFrozen(ranking('b', 1))).toBe(true);
    await expectSameAnswers(live, store, ranking('b', 1));
  });

  it('does nothing on an empty group, and only checks the query on a collection with other indexes', async () => {
    const store = new MemoryReadStore(collections);
    await store.freeze(ranking('b', 1));
    expect(await store.count(ranking('b', 1))).toBe(0);
    await expect(store.freeze({ ...ranking('b', 1), index: 'nope' })).rejects.toThrow(/unknown index/);
    await expect(store.freeze({ ...ranking('b', 1), group: { board: 'b' } })).rejects.toThrow(
      /needs group.season/,
    );

    const docs = generate(50, 11).map((doc) => ({ ...doc, board: 'b' }));
    const { live, frozen } = await liveAndFrozen('twoIndexes', docs, {
      collection: twoIndexes,
      index: 'ranking',
      group: { board: 'b' },
    });
    expect(frozenGroups(frozen, 'twoIndexes')).toBe(0);
    await expectSameAnswers(live, frozen, {
      collection: twoIndexes,
      index: 'ranking',
      group: { board: 'b' },
    });
  });
});

describe('frozen id order', () => {
  it('orders ids by UTF-16 code unit, as < does', () => {
    const next = random(13);
    const alphabet = ['a', 'b', '\u0000', 'é', 'ÿ', 'Ā', '😀', '\ud800', '|'];
    const word = (length: number) =>
      Array.from({ length }, () => alphabet[Math.floor(next() * alphabet.length)]).join('');
    const cases: string[][] = [
      [],
      ['only'],
      ['', 'a', '', 'ab', 'a\u0000', 'a'], // prefixes of each other, the empty id, repeats
      Array.from({ length: 500 }, () => `board|2026-01|player-${word(Math.floor(next() * 4))}`),
      // Ids that agree on many characters after their common prefix: long runs to sort by the whole id.
      Array.from({ length: 500 }, () => `x${Math.floor(next() * 3)}-aaaaaaaaaaaa${word(3)}`),
      Array.from({ length: 500 }, () => word(Math.floor(next() * 12))),
    ];
    for (const ids of cases) expect([...idOrder(ids)].map((row) => ids[row])).toEqual([...ids].sort());
  });
});

describe('frozen timestamps', () => {
  it('formats ms as toISOString does, for years 0 to 9999', () => {
    const next = random(12);
    const samples = [
      0,
      -1,
      1,
      -62_167_219_200_000,
      253_402_300_799_999,
      Date.UTC(2024, 1, 29, 23, 59, 59, 999),
    ];
    for (let i = 0; i < 20_000; i++) samples.push(Math.floor((next() - 0.2) * 316_000_000_000_000) - 1);
    for (const ms of samples.filter((ms) => ms >= -62_167_219_200_000 && ms <= 253_402_300_799_999)) {
      expect(isoString(ms)).toBe(new Date(ms).toISOString());
    }
  });

  it('takes only strings that format back to themselves', () => {
    expect(parseTimestamp('2026-01-05T10:11:12.345Z')).toBe(Date.UTC(2026, 0, 5, 10, 11, 12, 345));
    for (const value of [
      '2026-01-05',
      '2026-01-05T10:11:12Z',
      '2026-01-05T10:11:12.345+00:00',
      '2026-02-30T00:00:00.000Z',
      '2026-01-05T24:00:00.000Z',
      '+010000-01-01T00:00:00.000Z',
      '2026-01-05t10:11:12.345Z',
      'not a timestamp at all!Z',
    ]) {
      expect(parseTimestamp(value)).toBeUndefined();
    }
  });
});
