import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type SuiteResults, runSuite, toMarkdown, writeCharts } from './suite';
import type { Load } from './support/openLoad';
import { Cleanup } from './support/servers';
import type { Distribution } from './support/stats';

/**
 * Every benchmark of the suite at a tiny size, so none can rot: each runs end to end (its own server
 * processes, autocannon, the log generator, the replay and rank workers) and produces sane figures
 * beside their baselines. What the figures are is never asserted: these machines are too noisy.
 */
describe('bench/suite.ts at a tiny size', () => {
  const cleanup = new Cleanup();
  let results: SuiteResults;

  beforeAll(async () => {
    results = await runSuite({
      seconds: 1,
      connections: 4,
      players: 10,
      hotPurchases: 40,
      replayEvents: 2000,
      rankPlayers: 500,
      rankQueries: 200,
      closedPeriodEntries: 20_000,
      longStream: 2000,
      longCommands: 20,
      sweep: [2, 8],
      cleanup,
      log: () => undefined,
    });
  }, 180_000);
  afterAll(() => cleanup.runAll());

  const sane = (figure: number) => Number.isFinite(figure) && figure >= 0;
  const saneLoad = (load: Load) => {
    expect(load.requests).toBeGreaterThan(0);
    expect(load.requestsPerSecond).toBeGreaterThan(0);
    expect(load.non2xx + load.errors + load.timeouts).toBe(0);
    const { p50, p99, max } = load.latency;
    expect([p50, p99, max].every(sane) && p50 <= p99 && p99 <= max).toBe(true);
  };
  const saneDistribution = (d: Distribution) => {
    expect(d.count).toBeGreaterThan(0);
    expect([d.p50, d.p99, d.max].every(sane) && d.p50 <= d.p99 && d.p99 <= d.max).toBe(true);
  };

  it('1-2: loads both command kinds and the bare baseline without a failed request, at 50% rate too', () => {
    const { throughput, latency } = results;
    [...throughput.baseline, throughput.scores, throughput.purchases].forEach(saneLoad);
    [throughput.floor.scores, throughput.floor.purchases].forEach(saneLoad);
    [latency.scores, latency.purchases, latency.baseline].forEach(saneLoad);
    expect(latency.scores.targetRate).toBe(Math.max(1, Math.round(throughput.scores.requestsPerSecond / 2)));
  });

  it('3: the hot wallet loses and doubles no purchase', () => {
    const hot = results.hotWallet;
    saneLoad(hot.load);
    expect(hot).toMatchObject({
      succeeded: 40,
      balanceAfter: 0,
      inventoryAfter: 40,
      purchasesInStream: 40,
      ok: true,
    });
    expect(sane(hot.retriesPerCommand)).toBe(true);
  });

  it('4: measures the lag of the appends made at the steady load', () => {
    saneDistribution(results.lag.lag);
    saneDistribution(results.lag.append);
    expect(results.lag.lag.count).toBeGreaterThan(0);
    expect(results.lag.lag.count).toBeLessThanOrEqual(results.lag.appends);
  });

  it('7: commands a player with a long history and one with 10 events, cold and steady', () => {
    const { events, firstCommandMs, fromSnapshot, long, short } = results.longHistory;
    expect(events).toEqual({ long: 2000, short: 10 });
    expect(sane(firstCommandMs.long) && sane(firstCommandMs.short)).toBe(true);
    expect(sane(fromSnapshot.firstCommandMs.long) && sane(fromSnapshot.firstCommandMs.short)).toBe(true);
    // The first boot snapshotted the long stream: the second folded fewer events than a snapshot interval.
    expect(fromSnapshot.tailEvents).toBeGreaterThan(0);
    expect(fromSnapshot.tailEvents).toBeLessThan(1000);
    for (const cost of [long, short]) {
      expect(cost.loads).toHaveLength(4);
      cost.loads.forEach(saneLoad);
      expect(cost.loads.every((load) => load.requests === 20)).toBe(true);
    }
  });

  it('5: replays and parses every event of the generated log', () => {
    const { log, apply, oneThread, parse } = results.replay;
    expect(log.events).toBe(2000);
    expect(Object.keys(log.byType).sort()).toEqual([
      'CurrencyGranted',
      'ItemPurchased',
      'LeaderboardDefined',
      'ScoreSubmitted',
    ]);
    for (const run of [apply, oneThread, ...parse]) {
      expect(run.events).toBe(2000);
      expect(run.eventsPerSecond > 0 && run.peakRssMb > 0).toBe(true);
    }
  });

  it('6: ranks every player of the board in-process and over HTTP', () => {
    const { inProcess, http } = results.rank;
    expect(inProcess.entries).toBe(500);
    [inProcess.top10, inProcess.rank, inProcess.aroundMe, inProcess.baseline].forEach(saneDistribution);
    expect(Number.isFinite(inProcess.mbPerMillion)).toBe(true);
    [http.top10, http.rank, http.aroundMe, http.baseline].forEach(saneLoad);
    expect(sane(http.idleAfterSeconds)).toBe(true);
  });

  it('8: holds the board as a live and as a closed period, and queries each', () => {
    const { entries, memoryMb, latency, layout } = results.closedPeriod;
    expect(entries).toBe(20_000);
    expect(memoryMb.live > 0 && memoryMb.frozen > 0).toBe(true);
    for (const { live, frozen } of Object.values(latency)) {
      [live, frozen].forEach(saneDistribution);
      expect([live.count, frozen.count]).toEqual([200, 200]);
    }
    // The board and period are one value for the whole group; metadata, on a tenth of the entries, sparse.
    expect(layout).toMatchObject({
      leaderboardId: 'constant',
      period: 'constant',
      metadata: expect.stringMatching(/^sparse/),
    });
  });

  it('draws each latency benchmark against its baseline, and throughput against connections, as SVG', () => {
    const dir = mkdtempSync(join(tmpdir(), 'suite-charts-'));
    try {
      const charts = writeCharts(dir, results);
      expect(results.throughput.sweep.map(({ connections }) => connections)).toEqual([2, 8]);
      const series = {
        'suite-throughput.svg': ['bare Fastify (baseline)', 'score submissions', 'purchases'],
        'suite-latency-commands.svg': ['bare Fastify (baseline)', 'score submissions', 'purchases'],
        'suite-latency-hot-wallet.svg': ['spread over players (baseline)', 'one player'],
        'suite-latency-rank.svg': ['bare Fastify (baseline)', 'top 10', 'player rank', 'around-me (±5)'],
      };
      expect(Object.keys(charts).sort()).toEqual(Object.keys(series).sort());
      for (const [name, names] of Object.entries(series)) {
        const svg = readFileSync(join(dir, name), 'utf8');
        expect(svg).toBe(charts[name]);
        expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"[^>]*>\n[\s\S]*<\/svg>\n$/);
        expect(svg).not.toMatch(/NaN|Infinity|undefined/);
        // Every element written is closed: self-closed, or opened and closed as often.
        for (const element of ['g', 'text', 'title', 'svg']) {
          const opened = svg.match(new RegExp(`<${element}[ >]`, 'g'))?.length ?? 0;
          expect([element, opened]).toEqual([
            element,
            svg.match(new RegExp(`</${element}>`, 'g'))?.length ?? 0,
          ]);
        }
        for (const element of ['line', 'polyline', 'circle', 'rect']) {
          for (const tag of svg.match(new RegExp(`<${element} [^>]*>`, 'g')) ?? [])
            expect(tag).toMatch(/\/>$/);
        }
        // One series per measured run and baseline, each a polyline with a point per figure.
        const groups = [...svg.matchAll(/<g data-series="([^"]*)">\n<polyline points="([^"]*)"/g)];
        expect(groups.map((group) => group[1])).toEqual(names);
        const points = name === 'suite-throughput.svg' ? 3 : 5;
        for (const group of groups) expect(group[2].split(' ')).toHaveLength(points);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('renders the table with a baseline and a target beside every figure', () => {
    const table = toMarkdown(results);
    expect(table).toContain('| benchmark | value | same-run baseline | ratio | target |');
    expect(table).toMatch(/2 cores|\d+ cores/);
    expect(table).not.toContain('NaN');
    expect(table.split('\n').filter((line) => line.startsWith('| ')).length).toBeGreaterThan(15);
  });
});
