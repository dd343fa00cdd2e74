import { SortedList } from './sortedList';

describe('SortedList', () => {
  // A deterministic pseudo-random sequence, so a failure reproduces.
  const random = (seed: number) => () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };

  it('agrees with a plainly sorted array through thousands of inserts and removes', () => {
    const next = random(42);
    const compare = (a: number, b: number) => a - b;
    const list = new SortedList<number>(compare);
    const model: number[] = [];
    for (let step = 0; step < 20_000; step++) {
      if (model.length > 0 && next() < 0.3) {
        const victim = model[Math.floor(next() * model.length)];
        expect(list.remove(victim)).toBe(true);
        model.splice(model.indexOf(victim), 1);
      } else {
        const value = Math.floor(next() * 1_000_000) + step / 100_000; // distinct values
        list.insert(value);
        model.push(value);
        model.sort(compare);
      }
      if (step % 997 === 0) {
        expect(list.slice(0, list.size)).toEqual(model);
        const probe = model[Math.floor(next() * model.length)];
        if (probe !== undefined) expect(list.rankOf(probe)).toBe(model.indexOf(probe));
      }
    }
    expect(list.size).toBe(model.length);
    expect(list.slice(100, 50)).toEqual(model.slice(100, 150));
    const key = model[500];
    expect(list.countUpTo(key)).toBe(501);
    expect(list.countUpTo(-1)).toBe(0);
    expect(list.countUpTo(Number.MAX_VALUE)).toBe(model.length);
    expect(list.rankOf(-5)).toBeUndefined();
    expect(list.remove(-5)).toBe(false);
  });

  // Entries shaped like a leaderboard's: a key that changes, then an id that makes the order total.
  type Entry = { score: number; id: number };
  const byScoreThenId = (a: Entry, b: Entry) => a.score - b.score || a.id - b.id;
  const byScore = (a: Entry, b: Entry) => a.score - b.score;

  const byScoreDescThenId = (a: Entry, b: Entry) => b.score - a.score || a.id - b.id;
  const byScoreDesc = (a: Entry, b: Entry) => b.score - a.score;
  // The list alone; with the score as a primary key kept beside the items; the same where some items
  // have no numeric key (NaN: their order comes from the items); and descending.
  const variants: [string, () => SortedList<Entry>, (a: Entry, b: Entry) => number, typeof byScore][] = [
    ['no primary key', () => new SortedList(byScoreThenId), byScoreThenId, byScore],
    [
      'primary key',
      () => new SortedList(byScoreThenId, { key: (e) => e.score, direction: 1 }),
      byScoreThenId,
      byScore,
    ],
    [
      'primary key, partly NaN',
      () => new SortedList(byScoreThenId, { key: (e) => (e.id % 7 === 0 ? NaN : e.score), direction: 1 }),
      byScoreThenId,
      byScore,
    ],
    [
      'descending primary key',
      () => new SortedList(byScoreDescThenId, { key: (e) => e.score, direction: -1 }),
      byScoreDescThenId,
      byScoreDesc,
    ],
  ];

  it.each(variants)(
    'agrees with a sorted array under random inserts, removes, replacements, ranks and slices (%s)',
    (_name, create, byScoreThenId, byScore) => {
      for (const [seed, keyRange] of [
        [1, 50], // many equal scores: replacements mostly stay in place
        [2, 1_000_000], // distinct scores: replacements mostly move
        [3, 5_000],
      ]) {
        const next = random(seed);
        const list = create();
        const held = new Map<number, Entry>();
        let model: Entry[] = [];
        const sortModel = () => (model = [...held.values()].sort(byScoreThenId));
        for (let step = 0; step < 12_000; step++) {
          const roll = next();
          const id = Math.floor(next() * 4_000);
          const entry = { score: Math.floor(next() * keyRange), id };
          const previous = held.get(id);
          if (roll < 0.15) {
            // An entry is found only when equal to the one held for its id.
            expect(list.remove(entry)).toBe(previous?.score === entry.score);
            if (previous?.score === entry.score) held.delete(id);
          } else if (roll < 0.25 && previous) {
            expect(list.remove(previous)).toBe(true);
            held.delete(id);
          } else if (previous) {
            // Replacing keeps one entry per id, wherever the new score sorts.
            expect(list.replace(previous, entry)).toBe(true);
            held.set(id, entry);
          } else {
            expect(list.replace(entry, entry)).toBe(false);
            list.insert(entry);
            held.set(id, entry);
          }
          if (step % 250 === 0) {
            sortModel();
            expect(list.size).toBe(model.length);
            expect(list.slice(0, list.size)).toEqual(model);
            const from = Math.floor(next() * (model.length + 20)) - 10;
            const count = Math.floor(next() * 40);
            expect(list.slice(from, count)).toEqual(
              model.slice(Math.max(0, from), Math.max(0, from) + count),
            );
            for (const probe of model.slice(0, 3).concat(model.slice(-3), [model[model.length >> 1]])) {
              if (probe) expect(list.rankOf(probe)).toBe(model.indexOf(probe));
            }
            // A cursor on a prefix of the order: every entry whose score is at or below it.
            const cursor = { score: Math.floor(next() * keyRange), id: -1 };
            expect(list.countUpTo(cursor, byScore)).toBe(model.filter((e) => byScore(e, cursor) <= 0).length);
          }
        }
        sortModel();
        expect(list.slice(0, list.size)).toEqual(model);
      }
    },
  );

  it.each(variants.slice(0, 3))('moves a replacement across chunk boundaries (%s)', (_name, create) => {
    const list = create();
    const entries = Array.from({ length: 5_000 }, (_, id) => ({ score: id * 2, id }));
    for (const entry of entries) list.insert(entry);
    // First of the list to the end, last to the front, and one onto a neighbour's key.
    list.replace(entries[0], { score: 20_000, id: 0 });
    list.replace(entries[4_999], { score: -1, id: 4_999 });
    list.replace(entries[2_048], { score: 4_094, id: 2_048 });
    const expected = [
      { score: -1, id: 4_999 },
      ...entries.slice(1, 4_999).map((e) => (e.id === 2_048 ? { score: 4_094, id: 2_048 } : e)),
      { score: 20_000, id: 0 },
    ].sort(byScoreThenId);
    expect(list.slice(0, list.size)).toEqual(expected);
    expect(list.rankOf({ score: 20_000, id: 0 })).toBe(4_999);
    expect(list.rankOf({ score: -1, id: 4_999 })).toBe(0);
  });

  it.each([undefined, { key: (e: Entry) => e.score, direction: 1 as const }])(
    'builds from items already in order, then changes as if they had been inserted (primary key: %p)',
    (primary) => {
      const entries = Array.from({ length: 5_000 }, (_, id) => ({ score: id * 2, id }));
      const built = SortedList.fromSorted(entries, byScoreThenId, primary);
      const inserted = new SortedList(byScoreThenId, primary);
      for (const entry of entries) inserted.insert(entry);
      for (const list of [built, inserted]) {
        expect(list.rankOf({ score: 4_000, id: 2_000 })).toBe(2_000);
        list.insert({ score: 3, id: -1 });
        expect(list.remove(entries[4_500])).toBe(true);
        list.replace(entries[10], { score: 9_999, id: 10 });
      }
      expect(built.size).toBe(inserted.size);
      expect(built.slice(0, built.size)).toEqual(inserted.slice(0, inserted.size));
      expect(built.countUpTo({ score: 5_000, id: 0 })).toBe(inserted.countUpTo({ score: 5_000, id: 0 }));
      expect(SortedList.fromSorted([], byScoreThenId, primary).slice(0, 10)).toEqual([]);
    },
  );
});
