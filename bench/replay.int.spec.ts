import { roundOrder, runReplayBench, toMarkdown } from './replay';
import { Cleanup } from './support/servers';

/** The replay benchmark at a tiny size, so it cannot rot; the figures are never asserted (noisy machines). */
describe('bench/replay.ts at a tiny size', () => {
  const cleanup = new Cleanup();
  afterAll(() => cleanup.runAll());

  it('rotates the order of the three modes by one place per round', () => {
    expect([1, 2, 3, 4].map(roundOrder)).toEqual([
      ['parse', 'apply', 'one-thread'],
      ['apply', 'one-thread', 'parse'],
      ['one-thread', 'parse', 'apply'],
      ['parse', 'apply', 'one-thread'],
    ]);
  });

  it('replays one log in every mode, the boot path on two threads, and tabulates the round and the medians', async () => {
    const events = 3000;
    // Under the api's threshold: the boot path takes two threads only because the threshold is passed through.
    const results = await runReplayBench({
      events,
      rounds: 1,
      built: false,
      minEvents: 1000,
      cleanup,
      log: () => undefined,
    });
    expect(results.log.events).toBe(events);
    const [round] = results.rounds;
    expect(results.rounds).toHaveLength(1);
    expect(round.runs.map(({ mode, threads }) => [mode, threads])).toEqual([
      ['parse', 1],
      ['apply', 2],
      ['one-thread', 1],
    ]);
    for (const run of round.runs) {
      expect(run.events).toBe(events);
      expect(run.eventsPerSecond).toBeCloseTo(events / run.seconds);
      expect(run.cpuSeconds).toBeGreaterThan(0);
      expect(run.peakRssMb).toBeGreaterThan(0);
      expect(run.loadAverage).toHaveLength(2);
    }
    const rate = (mode: string) => round.runs.find((run) => run.mode === mode)!.eventsPerSecond;
    expect(round.figures).toEqual({
      parse: rate('parse'),
      twoThreads: rate('apply'),
      oneThread: rate('one-thread'),
      twoVsOne: rate('apply') / rate('one-thread'),
      twoVsParse: rate('apply') / rate('parse'),
    });
    expect(results.medians).toEqual(round.figures);
    const table = toMarkdown(results);
    expect(table).toContain('| round (load) | parse-only baseline | two threads (boot) | one thread |');
    expect(table).toMatch(
      /\n\| 1 \([\d.]+-[\d.]+\) \| [\d,]+ \| [\d,]+ \| [\d,]+ \| [\d.]+× \| [\d.]+× \|\n/,
    );
    expect(table).toContain('| median |');
    expect(table).toContain('| 1 | 2 | apply | 2 |');
  }, 120_000);
});
