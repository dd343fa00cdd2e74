/**
 * One clock for every process of a run (the bench, its relay and projector children): the wall-clock
 * origin of the process plus its monotonic offset, in ms with sub-millisecond resolution. Timestamps
 * taken in different processes on the same machine compare directly.
 */
export const now = (): number => performance.timeOrigin + performance.now();

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export type Distribution = {
  count: number;
  mean: number;
  p50: number;
  p95: number;
  p97_5: number;
  p99: number;
  p99_9: number;
  max: number;
};

/** Nearest-rank percentiles of `values` (ms), rounded to 0.1; NaN everywhere when there are none. */
export const distribution = (values: readonly number[]): Distribution => {
  const sorted = Float64Array.from(values).sort();
  const round = (value: number) => Math.round(value * 10) / 10;
  const rank = (q: number) => round(sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] ?? NaN);
  const sum = sorted.reduce((total, value) => total + value, 0);
  return {
    count: sorted.length,
    mean: round(sorted.length ? sum / sorted.length : NaN),
    p50: rank(0.5),
    p95: rank(0.95),
    p97_5: rank(0.975),
    p99: rank(0.99),
    p99_9: rank(0.999),
    max: round(sorted.length ? sorted[sorted.length - 1] : NaN),
  };
};

/**
 * Calls `emit(n)` so that, at every moment, `rate` per second have been emitted since the start, for
 * `seconds`. Checks every millisecond or so; a late check emits what fell due meanwhile in one call.
 */
export async function steadily(
  rate: number,
  seconds: number,
  emit: (count: number) => void,
): Promise<{ count: number; seconds: number }> {
  const total = Math.round(rate * seconds);
  const start = now();
  let emitted = 0;
  while (emitted < total) {
    const due = Math.min(total, Math.floor(((now() - start) / 1000) * rate)) - emitted;
    if (due > 0) {
      emit(due);
      emitted += due;
    }
    await sleep(1);
  }
  return { count: emitted, seconds: (now() - start) / 1000 };
}

/** Polls `condition` every 2 ms: false if `timeoutMs` passed first; throws whatever `failure` returns. */
export async function waitUntil(
  condition: () => boolean,
  timeoutMs: number,
  failure?: () => unknown,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    const failed = failure?.();
    if (failed) throw failed;
    if (Date.now() > deadline) return false;
    await sleep(2);
  }
  return true;
}
