import type { CollectionDefinition, ReadModelDocument, ReadStore } from '../readStore';

type Score = ReadModelDocument & { board: string; player: string; points: number };

export const scoreCollection: CollectionDefinition<Score> = {
  name: 'scores',
  indexes: {
    ranking: {
      groupOf: (doc) => doc.board,
      compare: (a, b) => b.points - a.points || (a.player < b.player ? -1 : a.player > b.player ? 1 : 0),
    },
  },
};

/** What every read-store adapter must do; `open` gets the collections the suite uses. */
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

    const score = (board: string, player: string, points: number, revision = 0): Score => ({
      _id: `${board}|${player}`,
      board,
      player,
      points,
      revision,
    });
    const ranking = (board: string) => ({ collection: 'scores', index: 'ranking', group: board });

    it('commits documents with the checkpoint and finds them', async () => {
      expect(await store.checkpoint()).toBe(0);
      await store.commit([{ collection: 'scores', id: 'b|p1', doc: score('b', 'p1', 5) }], 7);
      expect(await store.checkpoint()).toBe(7);
      expect(await store.find('scores', 'b|p1')).toMatchObject({ points: 5 });
      expect(await store.find('scores', 'nope')).toBeUndefined();
      const many = await store.findMany('scores', ['b|p1', 'nope']);
      expect([...many.keys()]).toEqual(['b|p1']);
    });

    it('keeps each index group in order through updates and deletes', async () => {
      await store.commit(
        ['a', 'b', 'c', 'd', 'e'].map((p, i) => ({
          collection: 'scores',
          id: `x|${p}`,
          doc: score('x', p, i * 10),
        })),
        1,
      );
      await store.commit([{ collection: 'scores', id: 'y|z', doc: score('y', 'z', 1000) }], 2);
      // e=40 d=30 c=20 b=10 a=0; move a to the top, delete c.
      await store.commit(
        [
          { collection: 'scores', id: 'x|a', doc: score('x', 'a', 99, 1) },
          { collection: 'scores', id: 'x|c', doc: null },
        ],
        3,
      );
      const all = await store.page<Score>(ranking('x'), undefined, 10);
      expect(all.map((d) => d.player)).toEqual(['a', 'e', 'd', 'b']);
      expect(await store.count(ranking('x'))).toBe(4);
      expect(await store.rankOf(ranking('x'), 'x|d')).toBe(2);
      expect(await store.rankOf(ranking('x'), 'x|c')).toBeUndefined();
      expect(await store.rankOf(ranking('x'), 'y|z')).toBeUndefined();
      expect((await store.slice<Score>(ranking('x'), 1, 2)).map((d) => d.player)).toEqual(['e', 'd']);
      const afterE = await store.page<Score>(ranking('x'), all[1], 10);
      expect(afterE.map((d) => d.player)).toEqual(['d', 'b']);
      expect(await store.page(ranking('nobody'), undefined, 10)).toEqual([]);
    });
  });
};
