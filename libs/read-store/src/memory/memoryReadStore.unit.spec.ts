import type { CollectionDefinition, IndexQuery, ReadModelDocument } from '../readStore';
import { MemoryReadStore } from './memoryReadStore';

type Entry = ReadModelDocument & { board: string; score: number };

const entries: CollectionDefinition<Entry> = {
  name: 'entries',
  indexes: {
    ranking: {
      groupBy: ['board'],
      orderBy: [
        ['score', -1],
        ['_id', 1],
      ],
    },
  },
};

describe('MemoryReadStore commit with what project() read', () => {
  const open = () => new MemoryReadStore([entries as CollectionDefinition<never>]);
  const entry = (revision: number, score: number): Entry => ({ _id: 'a', board: 'b', score, revision });
  const ranking: IndexQuery<Entry> = { collection: entries, index: 'ranking', group: { board: 'b' } };
  /** What project() does: read the batch's documents, then commit with what each write started from. */
  const readForBatch = async (store: MemoryReadStore) => {
    const [target] = await store.projectionTargets();
    const read = await target.read(() => new Map([['entries', new Set(['a'])]]));
    return { target, read, previous: read.get('entries', 'a') };
  };

  it('uses the documents read at the current version instead of looking them up', async () => {
    const store = open();
    await store.commit([{ collection: 'entries', id: 'a', doc: entry(1, 10) }], 1);
    const { target, read, previous } = await readForBatch(store);
    await target.commitBatch([{ collection: 'entries', id: 'a', doc: entry(2, 20) }], 2, undefined, read, [
      previous,
    ]);
    expect(await store.find(entries, 'a')).toEqual(entry(2, 20));
    expect(await store.slice(ranking, 0, 10)).toEqual([entry(2, 20)]);
  });

  it('looks the documents up again when another commit came after the read', async () => {
    const store = open();
    await store.commit([{ collection: 'entries', id: 'a', doc: entry(1, 10) }], 1);
    const { target, read, previous } = await readForBatch(store);
    await store.commit([{ collection: 'entries', id: 'a', doc: entry(3, 30) }], 3);
    // Evolved from revision 1, but revision 3 is stored now: the guard must see revision 3.
    await target.commitBatch([{ collection: 'entries', id: 'a', doc: entry(2, 20) }], 2, undefined, read, [
      previous,
    ]);
    expect(await store.find(entries, 'a')).toEqual(entry(3, 30));
    expect(await store.slice(ranking, 0, 10)).toEqual([entry(3, 30)]);
    expect(await store.count(ranking)).toBe(1);
  });
});
