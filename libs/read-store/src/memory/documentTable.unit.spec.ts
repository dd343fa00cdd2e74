import { DocumentTable } from './documentTable';

describe('DocumentTable', () => {
  // A deterministic pseudo-random sequence, so a failure reproduces.
  const random = (seed: number) => () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };

  it('agrees with a Map through random sets, replacements, deletes and lookups', () => {
    for (const [seed, idRange] of [
      [1, 300], // few ids: long runs of replacements and deletes, the table shrinks and grows
      [2, 20_000],
      [3, 5],
    ]) {
      const next = random(seed);
      const table = new DocumentTable<{ n: number }>();
      const model = new Map<string, { n: number }>();
      // Ids of a few shapes, built anew each time (equal strings, not the same string object).
      const id = () =>
        ['p', String(Math.floor(next() * idRange)), 'x'.repeat(Math.floor(next() * 3))].join('');
      for (let step = 0; step < 30_000; step++) {
        const roll = next();
        const key = id();
        if (roll < 0.3) {
          expect(table.delete(key)).toBe(model.delete(key));
        } else if (roll < 0.7) {
          const value = { n: step };
          table.set(key, value);
          model.set(key, value);
        } else {
          expect(table.get(key)).toBe(model.get(key));
        }
        expect(table.size).toBe(model.size);
        if (step % 1_000 === 0) {
          expect(table.keys().sort()).toEqual([...model.keys()].sort());
          for (const [key, value] of model) expect(table.get(key)).toBe(value);
        }
      }
      table.clear();
      expect(table.size).toBe(0);
      expect(table.keys()).toEqual([]);
    }
  });

  it('finds every entry after deletes from the middle of colliding runs', () => {
    // Many ids in a small table: long probe runs that wrap around the end of the arrays.
    const table = new DocumentTable<number>();
    const ids = Array.from({ length: 2_000 }, (_, i) => `id-${i}`);
    ids.forEach((id, i) => table.set(id, i));
    const kept = new Map(ids.map((id, i) => [id, i]));
    for (let i = 0; i < ids.length; i += 3) {
      expect(table.delete(ids[i])).toBe(true);
      kept.delete(ids[i]);
      expect(table.delete(ids[i])).toBe(false);
    }
    for (const id of ids) expect(table.get(id)).toBe(kept.get(id));
    expect(table.size).toBe(kept.size);
  });
});
