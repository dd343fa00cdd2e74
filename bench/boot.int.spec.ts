import { runBootBench, toMarkdown } from './boot';
import { Cleanup } from './support/servers';

/** The boot benchmark at a tiny size, so it cannot rot; the figures are never asserted (noisy machines). */
describe('bench/boot.ts at a tiny size', () => {
  const cleanup = new Cleanup();
  afterAll(() => cleanup.runAll());

  it('boots the api from a snapshot and by a full replay, and queries each from the moment it serves', async () => {
    const results = await runBootBench({
      events: 3000,
      seconds: 2,
      rate: 20,
      rounds: 1,
      cleanup,
      log: () => undefined,
    });
    expect(results.boots.map(({ kind, leftSnapshot }) => [kind, leftSnapshot])).toEqual([
      ['full replay', false],
      ['first boot', true],
      ['snapshot', true],
    ]);
    for (const boot of results.boots) {
      expect(boot.toServingMs).toBeGreaterThan(0);
      expect(boot.windows).toHaveLength(2);
      for (const window of boot.windows) {
        expect(window.requests).toBe(20);
        expect(window.non2xx + window.errors + window.timeouts).toBe(0);
        expect(window.latency.p50).toBeLessThanOrEqual(window.latency.p99);
      }
    }
    const { file } = results;
    expect(file.documents).toBeGreaterThan(3000 * 0.5);
    expect(file.bytes).toBeGreaterThan(file.documents * 20);
    expect(file.longestStepMs).toBeLessThanOrEqual(file.writeMs);
    expect([file.replayMs, file.writeMs, file.loadMs].every((figure) => figure > 0)).toBe(true);
    expect(toMarkdown(results)).toContain('| to serving, s |');
  }, 120_000);
});
