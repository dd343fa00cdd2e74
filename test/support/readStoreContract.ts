import type {
  CollectionDefinition,
  DocumentWrite,
  IndexQuery,
  ReadModelDocument,
  ReadStore,
} from '@app/read-store';
import { seededRandom } from './random';

type Score = ReadModelDocument & {
  board: string;
  season: number;
  player: string;
  points: number;
  at: string;
  metadata?: Record<string, string | number | boolean>;
};

export const scoreCollection: CollectionDefinition<Score> = {
  name: 'scores',
  indexes: {
    // Most points first, then the earlier `at`, then the smaller player: total within a group.
    ranking: {
      groupBy: ['board', 'season'],
      orderBy: [
        ['points', -1],
        ['at', 1],
        ['player', 1],
      ],
    },
    // No group fields: one group holding every document.
    byPlayer: {
      groupBy: [],
      orderBy: [
        ['player', 1],
        ['_id', 1],
      ],
    },
  },
};

/** The ranking alone: a collection with one index, whose groups a store may freeze (closed seasons). */
export const seasonCollection: CollectionDefinition<Score> = {
  name: 'seasonScores',
  indexes: { ranking: scoreCollection.indexes!.ranking },
};

/**
 * What every read-store adapter must do; `open` gets the collections the suite uses and must return an
 * empty store (the suite closes it after each test).
 */
export const readStoreContract = (
  name: string,
  open: (collections: CollectionDefinition<never>[]) => Promise<ReadStore>,
) => {
  describe(`read store contract: ${name}`, () => {
    let store: ReadStore;
    beforeEach(async () => {
      store = await open([scoreCollection as CollectionDefinition<never>]);
    });
    afterEach(async () => {
      await store.close();
    });

    const score = (
      board: string,
      player: string,
      points: number,
      revision = 0,
      at = '2026-01-01',
    ): Score => ({
      _id: `${board}|${player}`,
      board,
      season: 1,
      player,
      points,
      at,
      revision,
    });
    const put = (doc: Score): DocumentWrite => ({ collection: 'scores', id: doc._id, doc });
    const remove = (id: string, revision: number): DocumentWrite => ({
      collection: 'scores',
      id,
      doc: null,
      revision,
    });
    const ranking = (board: string, season = 1): IndexQuery<Score> => ({
      collection: scoreCollection,
      index: 'ranking',
      group: { board, season },
    });
    const players = (docs: Score[]) => docs.map((d) => d.player);

    it('walks a whole collection in id order, a batch at a time', async () => {
      for await (const _ of store.documents(scoreCollection, 2))
        throw new Error('an empty collection has no batch');
      const ids = ['b|p3', 'a|p1', 'b|p1', 'a|p2', 'c|p9'];
      await store.commit(
        ids.map((id) => ({ collection: 'scores', id, doc: score(id.split('|')[0], id.split('|')[1], 1) })),
        1,
      );
      const batches: string[][] = [];
      for await (const batch of store.documents(scoreCollection, 2))
        batches.push(batch.map((doc) => doc._id));
      expect(batches).toEqual([['a|p1', 'a|p2'], ['b|p1', 'b|p3'], ['c|p9']]);
    });

    it('commits documents with the checkpoint and finds them', async () => {
      expect(await store.checkpoint()).toBe(0);
      await store.commit([put(score('b', 'p1', 5))], 7);
      expect(await store.checkpoint()).toBe(7);
      expect(await store.checkpoint('embedded')).toBe(7);
      expect(await store.find(scoreCollection, 'b|p1')).toEqual(score('b', 'p1', 5));
      expect(await store.find(scoreCollection, 'nope')).toBeUndefined();
      const many = await store.findMany(scoreCollection, ['b|p1', 'nope']);
      expect([...many.keys()]).toEqual(['b|p1']);
      expect(many.get('b|p1')).toEqual(score('b', 'p1', 5));
    });

    it('keeps named checkpoints apart, moves them only forward and lists them by prefix', async () => {
      await store.commit([], 10, 'kafka:events:0');
      await store.commit([put(score('b', 'p1', 5))], 4, 'kafka:events:1');
      await store.commit([], 3, 'kafka:events:0'); // a redelivered older batch
      await store.commit([], 2, 'rebuild');
      expect(await store.checkpoint('kafka:events:0')).toBe(10);
      expect(await store.checkpoint('kafka:events:1')).toBe(4);
      expect(await store.checkpoint('kafka:events:2')).toBe(0);
      expect(await store.checkpoint()).toBe(0);
      expect(await store.checkpoints('kafka:')).toEqual(
        new Map([
          ['kafka:events:0', 10],
          ['kafka:events:1', 4],
        ]),
      );
      expect(await store.checkpoints()).toEqual(
        new Map([
          ['kafka:events:0', 10],
          ['kafka:events:1', 4],
          ['rebuild', 2],
        ]),
      );
    });

    it('keeps each index group in order through updates and deletes', async () => {
      await store.commit(
        ['a', 'b', 'c', 'd', 'e'].map((p, i) => put(score('x', p, i * 10))),
        1,
      );
      await store.commit([put(score('y', 'z', 1000))], 2);
      // e=40 d=30 c=20 b=10 a=0; move a to the top, delete c.
      await store.commit([put(score('x', 'a', 99, 1)), remove('x|c', 1)], 3);
      const all = await store.page<Score>(ranking('x'), undefined, 10);
      expect(players(all)).toEqual(['a', 'e', 'd', 'b']);
      expect(await store.count(ranking('x'))).toBe(4);
      expect(await store.count(ranking('x', 2))).toBe(0);
      expect(await store.rankOf(ranking('x'), 'x|a')).toBe(0);
      expect(await store.rankOf(ranking('x'), 'x|d')).toBe(2);
      expect(await store.rankOf(ranking('x'), 'x|c')).toBeUndefined();
      expect(await store.rankOf(ranking('x'), 'y|z')).toBeUndefined();
      expect(await store.rankOf(ranking('x', 2), 'x|d')).toBeUndefined();
      expect(players(await store.slice<Score>(ranking('x'), 1, 2))).toEqual(['e', 'd']);
      expect(players(await store.slice<Score>(ranking('x'), 3, 10))).toEqual(['b']);
      expect(await store.slice(ranking('x'), 4, 10)).toEqual([]);
      expect(players(await store.page<Score>(ranking('x'), all[1], 10))).toEqual(['d', 'b']);
      expect(await store.page(ranking('nobody'), undefined, 10)).toEqual([]);
      expect(await store.find(scoreCollection, 'x|c')).toBeUndefined();
    });

    it('pages from a full cursor, a cursor between documents and a prefix cursor', async () => {
      // Ties on points are broken by `at`, ties on both by player.
      await store.commit(
        [
          put(score('t', 'p1', 50, 0, '2026-01-03')),
          put(score('t', 'p2', 50, 0, '2026-01-02')),
          put(score('t', 'p3', 50, 0, '2026-01-02')),
          put(score('t', 'p4', 40, 0, '2026-01-01')),
          put(score('t', 'p5', 60, 0, '2026-01-09')),
        ],
        1,
      );
      const all = await store.page<Score>(ranking('t'), undefined, 10);
      expect(players(all)).toEqual(['p5', 'p2', 'p3', 'p1', 'p4']);
      expect(players(await store.page<Score>(ranking('t'), all[1], 2))).toEqual(['p3', 'p1']);
      const between = { points: 50, at: '2026-01-02', player: 'p2a' };
      expect(players(await store.page<Score>(ranking('t'), between, 10))).toEqual(['p3', 'p1', 'p4']);
      // A prefix cursor skips every document equal to it on that prefix.
      expect(players(await store.page<Score>(ranking('t'), { points: 50 }, 10))).toEqual(['p4']);
      expect(players(await store.page<Score>(ranking('t'), { points: 50, at: '2026-01-02' }, 10))).toEqual([
        'p1',
        'p4',
      ]);
      expect(await store.page<Score>(ranking('t'), { points: 0 }, 10)).toEqual([]);
      // The group-less index.
      const byPlayer: IndexQuery<Score> = { collection: scoreCollection, index: 'byPlayer', group: {} };
      expect(players(await store.page<Score>(byPlayer, { player: 'p3' }, 10))).toEqual(['p4', 'p5']);
      expect(await store.rankOf(byPlayer, 't|p2')).toBe(1);
      expect(await store.count(byPlayer)).toBe(5);
    });

    it('ignores a write whose revision is at or below the stored one (replays change nothing)', async () => {
      await store.commit([put(score('r', 'p1', 30, 5)), put(score('r', 'p2', 20, 5))], 1);
      await store.commit(
        [
          put(score('r', 'p1', 99, 4)), // older
          put(score('r', 'p2', 99, 5)), // the same revision again
          remove('r|p2', 5),
        ],
        2,
      );
      expect(await store.find(scoreCollection, 'r|p1')).toEqual(score('r', 'p1', 30, 5));
      expect(await store.find(scoreCollection, 'r|p2')).toEqual(score('r', 'p2', 20, 5));
      expect(players(await store.page<Score>(ranking('r'), undefined, 10))).toEqual(['p1', 'p2']);
      expect(await store.checkpoint()).toBe(2);

      await store.commit([put(score('r', 'p2', 40, 6)), remove('r|p1', 6)], 3);
      expect(await store.find(scoreCollection, 'r|p1')).toBeUndefined();
      expect(players(await store.page<Score>(ranking('r'), undefined, 10))).toEqual(['p2']);
      expect(await store.rankOf(ranking('r'), 'r|p2')).toBe(0);
    });

    it('agrees with a plain sort on pages, ranks and slices of a larger board', async () => {
      const next = seededRandom(7);
      const docs: Score[] = [];
      for (let i = 0; i < 300; i++) {
        const board = next() < 0.8 ? 'big' : 'other';
        // Few distinct points and days: many ties to break.
        docs.push(
          score(
            board,
            `p${String(i).padStart(3, '0')}`,
            Math.floor(next() * 20) - 5,
            0,
            `2026-01-0${1 + Math.floor(next() * 3)}`,
          ),
        );
      }
      await store.commit(docs.map(put), 1);
      const expected = docs
        .filter((d) => d.board === 'big')
        .sort(
          (a, b) =>
            b.points - a.points || (a.at < b.at ? -1 : a.at > b.at ? 1 : 0) || (a.player < b.player ? -1 : 1),
        );

      expect(await store.count(ranking('big'))).toBe(expected.length);
      expect(players(await store.slice<Score>(ranking('big'), 0, 1000))).toEqual(players(expected));
      expect(players(await store.slice<Score>(ranking('big'), 37, 11))).toEqual(
        players(expected.slice(37, 48)),
      );
      for (let probe = 0; probe < 20; probe++) {
        const rank = Math.floor(next() * expected.length);
        expect(await store.rankOf(ranking('big'), expected[rank]._id)).toBe(rank);
        expect(players(await store.page<Score>(ranking('big'), expected[rank], 5))).toEqual(
          players(expected.slice(rank + 1, rank + 6)),
        );
      }
      // Walking the whole board by cursor visits every entry once, in order.
      const walked: Score[] = [];
      let page = await store.page<Score>(ranking('big'), undefined, 64);
      while (page.length > 0) {
        walked.push(...page);
        page = await store.page<Score>(ranking('big'), page[page.length - 1], 64);
      }
      expect(players(walked)).toEqual(players(expected));
    });

    it('answers the same after a group is frozen, and still applies writes to its documents', async () => {
      const seasons = await open([seasonCollection, scoreCollection] as CollectionDefinition<never>[]);
      try {
        const next = seededRandom(11);
        const season = (board: string, season: number): IndexQuery<Score> => ({
          collection: seasonCollection,
          index: 'ranking',
          group: { board, season },
        });
        const closed = season('s', 1);
        const entry = (board: string, n: number, seasonNumber: number, revision = 1): Score => {
          const player = `p${String(n).padStart(2, '0')}`;
          const doc: Score = {
            _id: `${board}|${seasonNumber}|${player}`,
            board,
            season: seasonNumber,
            player,
            points: Math.floor(next() * 8), // many ties, broken by `at`, then by player
            at: new Date(Date.UTC(2026, 0, 1 + Math.floor(next() * 3))).toISOString(),
            revision,
          };
          return n % 4 === 0 ? { ...doc, metadata: { level: n, mode: 'duel', ranked: n % 8 === 0 } } : doc;
        };
        const docs = [
          ...Array.from({ length: 40 }, (_, n) => entry('s', n, 1)),
          ...Array.from({ length: 10 }, (_, n) => entry('s', n, 2)),
        ];
        const write = (doc: Score, collection = 'seasonScores'): DocumentWrite => ({
          collection,
          id: doc._id,
          doc,
        });
        await seasons.commit(
          [...docs.map((doc) => write(doc)), ...docs.map((doc) => write(doc, 'scores'))],
          1,
        );

        /** Every query of the port on the closed season, and on the collection. */
        const answers = async () => {
          const all = await seasons.page<Score>(closed, undefined, 100);
          const cursors = all
            .filter((_, i) => i % 4 === 1)
            .flatMap((doc) => [{ points: doc.points }, { points: doc.points, at: doc.at }, doc]);
          const ids = [...docs.map((doc) => doc._id), 's|1|nobody'];
          const walked: string[][] = [];
          for await (const batch of seasons.documents(seasonCollection, 7))
            walked.push(batch.map((doc) => doc._id));
          return {
            all,
            pages: await Promise.all(cursors.map((cursor) => seasons.page<Score>(closed, cursor, 3))),
            ranks: await Promise.all(ids.map((id) => seasons.rankOf(closed, id))),
            slices: [await seasons.slice(closed, 0, 5), await seasons.slice(closed, 37, 10)],
            counts: [await seasons.count(closed), await seasons.count(season('s', 2))],
            found: await Promise.all(ids.map((id) => seasons.find(seasonCollection, id))),
            many: await seasons.findMany(seasonCollection, ids),
            walked,
            otherSeason: await seasons.slice(season('s', 2), 0, 100),
            otherCollection: await seasons.page<Score>(ranking('s'), undefined, 100),
          };
        };
        const before = await answers();
        expect(before.all).toHaveLength(40);
        await seasons.freeze(closed);
        await seasons.freeze(closed); // already frozen
        await seasons.freeze(season('s', 9)); // empty
        await seasons.freeze(ranking('s')); // a collection with more indexes
        expect(await answers()).toEqual(before);

        // Writes to the frozen season: a move to the top, a stale write, a delete, a newcomer.
        const [, second, third] = before.all;
        const moved = { ...second, points: 100, revision: 2 };
        const newcomer = entry('s', 99, 1);
        await seasons.commit(
          [
            write(moved),
            write({ ...third, points: 200, revision: 1 }), // not newer: ignored
            { collection: 'seasonScores', id: third._id, doc: null, revision: 2 },
            write(newcomer),
          ],
          2,
        );
        const expected = [
          moved,
          ...before.all.filter((doc) => doc !== second && doc !== third),
          newcomer,
        ].sort(
          (a, b) =>
            b.points - a.points || (a.at < b.at ? -1 : a.at > b.at ? 1 : 0) || (a.player < b.player ? -1 : 1),
        );
        expect(await seasons.page<Score>(closed, undefined, 100)).toEqual(expected);
        expect(await seasons.count(closed)).toBe(40);
        expect(await seasons.rankOf(closed, moved._id)).toBe(0);
        expect(await seasons.rankOf(closed, third._id)).toBeUndefined();
        expect(await seasons.find(seasonCollection, third._id)).toBeUndefined();
        expect(await seasons.find(seasonCollection, newcomer._id)).toEqual(newcomer);
        expect(await seasons.checkpoint()).toBe(2);
        // Frozen again, as it is now.
        await seasons.freeze(closed);
        expect(await seasons.slice(closed, 0, 100)).toEqual(expected);
        expect(await seasons.rankOf(closed, newcomer._id)).toBe(expected.indexOf(newcomer));
      } finally {
        await seasons.close();
      }
    });

    it('refuses index fields MongoDB would read as a path or an operator', async () => {
      for (const field of ['a.b', '$a']) {
        const collection = { name: 'bad', indexes: { i: { groupBy: [field], orderBy: [['_id', 1]] } } };
        await expect(open([collection as unknown as CollectionDefinition<never>])).rejects.toThrow(
          /field name/,
        );
      }
    });
  });
};
