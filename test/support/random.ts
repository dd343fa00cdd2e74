/** A deterministic pseudo-random sequence in [0, 1), so a failure reproduces from its seed. */
export const seededRandom = (seed: number) => () => {
  seed = (seed * 1103515245 + 12345) % 2 ** 31;
  return seed / 2 ** 31;
};
