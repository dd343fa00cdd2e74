import { PHASES, type TraceReport, anatomize, tailAnatomy } from './support/requestTrace';
import { Cleanup } from './support/servers';
import { runTailBench, toMarkdown } from './tail';

describe('bench/tail.ts', () => {
  const cleanup = new Cleanup();
  afterAll(() => cleanup.runAll());

  it('joins the load generator with the api trace by key: every phase of every request, its group and what it overlapped', () => {
    // One request, 30 ms from due to done; its append waited for group 1 and went out in group 2.
    const report: TraceReport = {
      requests: [
        {
          key: 'k',
          receivedAt: 103,
          handlerAt: 104,
          streamAt: 105,
          turnAt: 106,
          loadedAt: 107,
          enqueuedAt: 108,
          durableAt: 124,
          writtenAt: 126,
        },
      ],
      logReads: [{ startAt: 90, ms: 12, events: 1000 }],
      groups: [
        { appends: 3, snapshots: 0, sentAt: 100, repliedAt: 115, writerMs: 10 },
        { appends: 2, snapshots: 0, sentAt: 115, repliedAt: 123, writerMs: 5 },
        { appends: 1, snapshots: 0, sentAt: 140, repliedAt: 150, writerMs: 5 },
      ],
      gc: [
        { startAt: 95, ms: 10, kind: 'scavenge' },
        { startAt: 200, ms: 10, kind: 'scavenge' },
      ],
      stalls: [{ dueAt: 95, ms: 10, cpuMs: 4 }],
      loopDelay: { p50: 1, p99: 2, max: 3 },
    };
    const samples = [
      { key: 'k', dueAt: 100, sentAt: 101, doneAt: 130 },
      { key: 'untraced', dueAt: 100, sentAt: 100, doneAt: 101 },
    ];
    const [traced, untraced] = anatomize(samples, report, [{ dueAt: 128, ms: 5, cpuMs: 5 }]);
    expect(Object.values(traced.phases)).toEqual([1, 2, 1, 1, 1, 1, 1, 7, 8, 1, 2, 4]);
    expect(Object.keys(traced.phases)).toEqual(PHASES.map(([name]) => name));
    expect(traced).toMatchObject({
      latency: 30,
      gcMs: 5,
      stallMs: 5,
      stallCpuMs: 2,
      clientStallMs: 2,
      logReadMs: 2,
      waitedForGroup: true,
      groupSize: 2,
    });
    expect(untraced.phases['queued in the client']).toBe(0);
    expect(untraced.phases['HTTP pipeline']).toBeNaN();

    const slowest = tailAnatomy([traced, untraced], 0.5);
    expect(slowest).toMatchObject({
      requests: 1,
      fromMs: 30,
      meanMs: 30,
      overlappedGc: 1,
      waitedForGroup: 1,
    });
    const all = tailAnatomy([traced, untraced], 1);
    expect(all.requests).toBe(2);
    // An untraced request's server phases are left out of the means, not counted as 0.
    expect(all.phases['group commit']).toBe(8);
    expect(all.phases['queued in the client']).toBe(0.5);
  });

  it('runs variants in alternating order, traces every request of each and tabulates the slowest', async () => {
    const results = await runTailBench({
      seconds: 1,
      warmupSeconds: 0,
      connections: 4,
      players: 10,
      rounds: 2,
      variants: [{ name: 'shipped' }, { name: 'no flags', nodeFlags: [] }],
      rates: { scores: 40, purchases: 40 },
      cleanup,
      log: () => undefined,
    });
    expect(results.runs.map(({ round, variant }) => [round, variant])).toEqual([
      [1, 'shipped'],
      [1, 'no flags'],
      [2, 'no flags'],
      [2, 'shipped'],
    ]);
    expect(results.baseline.map(({ round }) => round)).toEqual([1, 2]);
    for (const run of results.runs) {
      for (const kind of ['scores', 'purchases'] as const) {
        expect(run.loads[kind].requests).toBe(40);
        expect(run.loads[kind].non2xx + run.loads[kind].errors).toBe(0);
        expect(run.server[kind].groups).toBeGreaterThan(0);
        expect(run.timeline[kind].slowest).toHaveLength(1);
      }
    }
    for (const variant of ['shipped', 'no flags']) {
      for (const kind of ['scores', 'purchases'] as const) {
        const [slowest, slow, all] = results.anatomy[variant][kind];
        expect([slowest.share, slow.share, all.share]).toEqual([0.001, 0.01, 1]);
        expect(all.requests).toBe(80);
        // Every request was traced through every phase.
        for (const [phase] of PHASES) expect(all.phases[phase]).toBeGreaterThanOrEqual(0);
        expect(all.meanGroupSize).toBeGreaterThanOrEqual(1);
      }
    }
    const { requestHash, ids, chain, serialise, total } = results.hashing;
    expect([requestHash, ids, chain, serialise].every((micros) => micros > 0)).toBe(true);
    expect(total).toBeCloseTo(requestHash + ids + chain + serialise);
    const table = toMarkdown(results);
    expect(table).toContain('| waiting for the group before |');
    expect(table).toContain('purchases, no flags: mean ms per phase');
  }, 180_000);
});
