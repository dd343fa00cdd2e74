import { runStreamBench, toMarkdown } from './stream';
import { Cleanup } from './support/servers';

/** The stream benchmark at a tiny size, so it cannot rot; the figures are never asserted (noisy machines). */
describe('bench/stream.ts at a tiny size', () => {
  const cleanup = new Cleanup();
  afterAll(() => cleanup.runAll());

  it('measures subscribers of the api and of a bare ws broadcast under the same submissions', async () => {
    const results = await runStreamBench({
      connections: 40,
      rate: 20,
      boards: 2,
      seconds: 1,
      sample: 10,
      interval: 50,
      cleanup,
      log: () => undefined,
    });
    for (const server of [results.api, results.baseline]) {
      expect(server.submitted).toBe(20);
      expect(server.closed).toBe(0);
      expect(server.failed).toBe(0);
      expect(server.messages).toBeGreaterThan(40);
      // Every sampled subscriber received every submission on its board, each listed once.
      expect(server.latency.count).toBe(10 * 10);
      expect(server.latency.p50).toBeLessThanOrEqual(server.latency.p99);
    }
    expect(toMarkdown(results)).toContain('| api /v1/stream |');
  }, 120_000);
});
