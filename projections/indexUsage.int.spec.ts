import { type AnyIndexDefinition } from '@app/read-store';
import { MongoReadStore } from '@app/read-store/mongo';
import type { mongo } from 'mongoose';
import { randomUUID } from 'node:crypto';
import { MONGO, describeWith, serverAddress, testMongoOptions } from '@test/support/servers';
import {
  type CatalogItemView,
  type LeaderboardEntryView,
  type LedgerEntryView,
  boardRanking,
  catalogItemView,
  catalogItemsBySku,
  currenciesByCode,
  inventoryView,
  leaderboardEntryView,
  leaderboardPeriodId,
  leaderboardPeriodView,
  type LeaderboardView,
  leaderboardView,
  leaderboardsById,
  ledgerView,
  playerLedger,
  readModelCollections,
  walletView,
} from './index';

type Filter = Record<string, unknown>;
type Sort = Record<string, 1 | -1>;
type IndexKeys = [string, 1 | -1][];

/** Every index MongoDB has for a read model collection: `_id`, then the declared ones. */
const indexesOf = (collection: string): Map<string, IndexKeys> => {
  const definition = readModelCollections.find(({ name }) => name === collection);
  const declared = Object.entries((definition?.indexes ?? {}) as Record<string, AnyIndexDefinition>);
  return new Map([
    ['_id_', [['_id', 1]]],
    ...declared.map(([name, { groupBy, orderBy }]): [string, IndexKeys] => [
      name,
      [
        ...groupBy.map((field): [string, 1] => [field, 1]),
        ...orderBy.map(([f, d]): [string, 1 | -1] => [f, d]),
      ],
    ]),
  ]);
};

const isOperator = (value: unknown) =>
  value !== null && typeof value === 'object' && Object.keys(value).every((key) => key.startsWith('$'));

/** A filter as conjunctions: a top-level `$or` becomes one branch per alternative. */
const branches = ({ $or, ...rest }: Filter): Filter[] =>
  Array.isArray($or) ? ($or as Filter[]).map((branch) => ({ ...rest, ...branch })) : [rest];

/**
 * Whether an index serves one conjunction with a bounded range scan in the requested order (MongoDB's
 * equality-sort-range rule): equality fields are the index's leading keys, the sort continues the key
 * order (all in the index's direction or all reversed), and a range bounds the key after the equalities.
 * An equality on `_id` is a point lookup: other conditions then only filter that one document.
 */
const serves = (keys: IndexKeys, filter: Filter, sort: Sort): boolean => {
  const fields = Object.keys(filter);
  const equal = fields.filter((f) => !isOperator(filter[f]) || '$in' in (filter[f] as object));
  if (keys[0][0] === '_id' && equal.includes('_id')) return true;
  const range = fields.filter((f) => !equal.includes(f));
  if (fields.length === 0 && Object.keys(sort).length === 0) return false; // a collection scan
  if (fields.some((f) => !keys.some(([k]) => k === f))) return false;
  let next = 0;
  while (next < keys.length && equal.includes(keys[next][0])) next += 1;
  if (next !== equal.length) return false;
  const sorted = Object.entries(sort).filter(([f]) => !equal.includes(f));
  const continues = sorted.every(([f], i) => keys[next + i]?.[0] === f);
  const directions = new Set(sorted.map(([, d], i) => d * keys[next + i][1]));
  if (!continues || directions.size > 1) return false;
  return range.every((f) => keys.slice(next, next + Math.max(1, sorted.length)).some(([k]) => k === f));
};

type Query = { command: string; collection: string; filter: Filter; sort: Sort };

/** The queries inside a command as MongoDB receives it. */
const queriesOf = (name: string, command: mongo.Document): Query[] => {
  const of = (collection: string, filter: Filter = {}, sort: Sort = {}) => ({
    command: name,
    collection,
    filter,
    sort,
  });
  switch (name) {
    case 'find': // the driver sends a sort as a Map, to keep its key order
      return [of(command.find, command.filter, command.sort && Object.fromEntries(command.sort))];
    case 'aggregate': // countDocuments: $match, then $group
      return [of(command.aggregate, command.pipeline[0]?.$match)];
    case 'update':
      return command.updates.map((update: { q: Filter }) => of(command.update, update.q));
    case 'delete':
      return command.deletes.map((deletion: { q: Filter }) => of(command.delete, deletion.q));
    default:
      return [];
  }
};

describeWith([MONGO], 'index usage: every read-store query is served by an index (FerretDB wire)', () => {
  const namespace = `iu_${randomUUID().slice(0, 8)}`;
  let store: MongoReadStore;
  const seen: Query[] = [];

  beforeAll(async () => {
    store = await MongoReadStore.open({
      url: serverAddress(MONGO)!,
      dbName: namespace,
      namespace,
      collections: readModelCollections,
      ...testMongoOptions,
      connectOptions: { monitorCommands: true },
    });
    store.connection.getClient().on('commandStarted', (event) => {
      seen.push(...queriesOf(event.commandName, event.command));
    });
  });

  afterAll(async () => {
    await store.connection.dropDatabase();
    await store.close();
  });

  it('covers the queries the API, the projectors and the rank cache make', async () => {
    const entry = (playerId: string, score: number): LeaderboardEntryView => ({
      _id: `b|all|${playerId}`,
      leaderboardId: 'b',
      period: 'all',
      playerId,
      sortOrder: 'desc',
      score,
      subscore: 0,
      achievedAt: '2026-11-21T10:00:00.000Z',
      rankScore: -score,
      rankSubscore: 0,
      revision: 0,
    });
    const ledgerLine = (revision: number): LedgerEntryView => ({
      _id: `e${revision}`,
      eventId: `e${revision}`,
      playerId: 'p1',
      type: 'CurrencyGranted',
      occurredAt: '2026-11-21T10:00:00.000Z',
      position: revision + 1,
      revision,
      changes: [],
    });
    const item: CatalogItemView = {
      _id: 'gem',
      sku: 'gem',
      name: 'Gem',
      prices: { GOLD: 7 },
      stackable: true,
      revision: 0,
    } as never;
    // Projector writes (guarded upserts and deletes) and the checkpoint.
    await store.commit(
      [
        ...['a', 'b', 'c'].map((p, i) => ({
          collection: 'leaderboardEntries',
          id: `b|all|${p}`,
          doc: entry(p, i * 10),
        })),
        ...[0, 1, 2].map((r) => ({ collection: 'ledger', id: `e${r}`, doc: ledgerLine(r) })),
        { collection: 'catalogItems', id: 'gem', doc: item },
        { collection: 'wallets', id: 'gone', doc: null, revision: 3 },
      ],
      7,
    );
    // The API's queries (apps/api/src/*/queries and handlers), each as the handler issues it.
    const ranking = boardRanking('b', 'all');
    await store.find(walletView.collection, 'p1');
    await store.find(inventoryView.collection, 'p1');
    await store.find(leaderboardView.collection, 'b');
    await store.find(catalogItemView.collection, 'gem');
    await store.page(playerLedger('p1'), undefined, 3);
    await store.page(playerLedger('p1'), { revision: 0 }, 3);
    await store.page(catalogItemsBySku, undefined, 3);
    await store.page(catalogItemsBySku, { sku: 'gem' } as Partial<CatalogItemView>, 3);
    await store.page(currenciesByCode, undefined, 3);
    await store.page(currenciesByCode, { code: 'GOLD' }, 3);
    await store.find(leaderboardPeriodView.collection, leaderboardPeriodId('b', 'all'));
    await store.page(leaderboardsById, undefined, 3);
    await store.page(leaderboardsById, { leaderboardId: 'b' } as Partial<LeaderboardView>, 3);
    await store.page(ranking, undefined, 2);
    await store.page(
      ranking,
      { rankScore: -10, rankSubscore: 0, achievedAt: '2026-11-21T10:00:00.000Z', playerId: 'b' },
      2,
    );
    expect(await store.rankOf(ranking, 'b|all|b')).toBe(1);
    expect(await store.slice(ranking, 0, 2)).toHaveLength(2);
    expect(await store.count(ranking)).toBe(3);
    // The projectors' document loads, the rank cache's load and the checkpoint polls.
    await store.findMany(ledgerView.collection, ['e0', 'e1']);
    for await (const batch of store.documents(leaderboardEntryView.collection, 2))
      expect(batch.length).toBeGreaterThan(0);
    await store.checkpoints();

    const unserved: string[] = [];
    const table = new Map<string, string>();
    for (const query of seen) {
      const collection = query.collection.slice(namespace.length + 1);
      if (collection === 'checkpoints') continue; // a handful of documents, one per partition
      for (const branch of branches(query.filter)) {
        const index = [...indexesOf(collection)].find(([, keys]) => serves(keys, branch, query.sort))?.[0];
        const shape = `${query.command} ${collection} ${JSON.stringify(Object.keys(branch))} sort ${JSON.stringify(query.sort)}`;
        if (index) table.set(shape, index);
        else unserved.push(shape);
      }
    }
    expect(unserved).toEqual([]);
    // Every declared index serves at least one query, and a scan of everything never happens.
    const used = new Set(table.values());
    for (const { name, indexes = {} } of readModelCollections) {
      for (const index of Object.keys(indexes)) expect([name, used.has(index)]).toEqual([name, true]);
    }
    console.log(
      ['query shape -> index', ...[...table].map(([shape, index]) => `${shape} -> ${index}`)].join('\n'),
    );
  });

  it('tells a query no index serves from one that is served', () => {
    const keys: IndexKeys = [
      ['playerId', 1],
      ['revision', 1],
    ];
    expect(serves(keys, { playerId: 'p' }, { revision: 1 })).toBe(true);
    expect(serves(keys, { playerId: 'p', revision: { $gt: 1 } }, { revision: -1 })).toBe(true);
    expect(serves(keys, { revision: { $gt: 1 } }, {})).toBe(false); // no equality on the leading key
    expect(serves(keys, { playerId: 'p' }, { occurredAt: 1 })).toBe(false); // sorts on a field not indexed
    expect(serves(keys, {}, {})).toBe(false); // a collection scan
    expect(
      serves(
        [
          ['a', 1],
          ['b', 1],
          ['c', -1],
        ],
        { a: 1 },
        { b: 1, c: 1 },
      ),
    ).toBe(false); // mixed directions
  });
});
