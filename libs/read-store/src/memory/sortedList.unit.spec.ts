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
});
