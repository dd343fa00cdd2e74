import { SHAPES, runStreamBench, toMarkdown } from './stream';
import { Cleanup } from './support/servers';

/** The stream benchmark at a tiny size, so it cannot rot; the figures are never asserted (noisy machines). */
describe('bench/stream.ts at a tiny size', () => {
  const cleanup = new Cleanup();
  afterAll(() => cleanup.runAll());

  it.each(SHAPES)(
    'measures subscribers of the api and of a bare ws broadcast under the same submissions (%s shape)',
    async (shape) => {
      const results = await runStreamBench({
        shape,
        // Boards that just started: their top 10 still changes often in the typical shape.
        prefill: 10,
        connections: 40,
        rate: 20,
        boards: 2,
        seconds: 1,
        sample: 10,
        interval: 20,
        cleanup,
        log: () => undefined,
      });
      for (const server of [results.api, results.baseline]) {
        expect(server.submitted).toBe(20);
        expect(server.closed).toBe(0);
        expect(server.failed).toBe(0);
        expect(server.messages).toBeGreaterThan(40);
        // In the worst shape every submission changes its board's top 10; in the typical one, some do.
        if (shape === 'worst') expect(server.changed).toBe(20);
        else expect(server.changed).toBeGreaterThan(0);
        // Every sampled subscriber (5 per board) received every change of its board's top 10, listed once.
        expect(server.latency.count).toBe(5 * server.changed);
        expect(server.latency.p50).toBeLessThanOrEqual(server.latency.p99);
      }
      expect(toMarkdown(results)).toContain('| api /v1/stream |');
    },
    120_000,
  );
});
