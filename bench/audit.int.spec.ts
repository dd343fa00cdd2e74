import { runAuditBench } from './audit';
import { Cleanup } from './support/servers';

/** The audit benchmark at a tiny size, so it cannot rot; the figures are never asserted (noisy machines). */
describe('bench/audit.ts at a tiny size', () => {
  const cleanup = new Cleanup();
  afterAll(() => cleanup.runAll());

  it('verifies a generated hash-chained log and replay-checks the read models served from it', async () => {
    const results = await runAuditBench({ events: 3000, cleanup, log: () => undefined });
    expect(results.events).toBe(3000);
    expect(results.parse.events).toBe(3000);
    expect(results.verify).toMatchObject({ ok: true, events: 3000 });
    expect(results.replayCheck).toMatchObject({ ok: true, events: 3000 });
    expect(results.replayCheck.documents).toBeGreaterThan(0);
    for (const report of [results.parse, results.verify, results.replayCheck]) {
      expect(report.eventsPerSecond).toBeGreaterThan(0);
      expect(report.peakRssMb).toBeGreaterThan(0);
    }
  }, 120_000);
});
