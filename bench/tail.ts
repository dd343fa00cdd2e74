/**
 * Benchmark 2's tail, traced: where the slowest requests' time goes, and A/B comparisons of what might
 * shorten it, interleaved in one run.
 *
 *   npm run bench:tail [-- --seconds 10 --connections 32 --players 1000 --rounds 3
 *                          --variants '[{"name":"now"},{"name":"default young generation","nodeFlags":[]}]']
 *
 * As in the suite (bench/suite.ts, benchmark 2): the embedded api in its own process, set up as for
 * benchmarks 1-3 (one board, one item, `players` funded players), score submissions then purchases, open
 * loop at a fixed rate over `connections` connections, corrected for coordinated omission; bare Fastify at
 * the scores' rate is the baseline. The rates are half of each kind's maximum, measured once with the
 * first variant (closed loop, `seconds`), unless `--rate-scores` / `--rate-purchases` give them.
 *
 * Each round boots a fresh api per variant (its Node flags, settings, or another checkout with the same
 * worker protocol), in the order ABAB.. in odd rounds and ..BABA in even ones, warms it up with
 * `warmupSeconds` of closed-loop load of each kind, and measures both kinds; bare Fastify once per round.
 * The api traces every command request (bench/support/requestTrace.ts: phase timestamps, GC pauses,
 * event-loop stalls, group commits); each request's phases are joined with the load generator's sample by
 * its Idempotency-Key. The table shows, per variant over all its rounds, what the slowest 1% and 0.1%
 * and all requests spent their time on.
 */
import { eventId, requestHash } from '@app/application';
import { GENESIS_HASH, chainEvents } from '@app/audit';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  API_KEYS,
  type Request,
  RESULTS_DIR,
  atRate,
  bareRequest,
  load,
  setUpCommands,
  startWorker,
} from './suite';
import type { TraceReport } from './support/requestTrace';
import {
  type ClientSample,
  PHASES,
  type RequestAnatomy,
  type TailAnatomy,
  type GcPause,
  type LoopStall,
  type LogRead,
  anatomize,
  watchStalls,
  slowest,
  tailAnatomy,
} from './support/requestTrace';
import type { Load } from './support/openLoad';
import { type Machine, integer, machine, ms, runAndReport, runMain } from './support/report';
import type { Cleanup } from './support/servers';
import { now } from './support/stats';

export type Variant = {
  name: string;
  /** The api's Node flags instead of package.json's `config.apiNodeFlags`. */
  nodeFlags?: string[];
  /** Settings over the benchmark's defaults. */
  env?: Record<string, string>;
  /** Another checkout to run the api from (the commit before a change, say). */
  root?: string;
};

export type TailOptions = {
  seconds: number;
  warmupSeconds: number;
  connections: number;
  players: number;
  rounds: number;
  variants: Variant[];
  rates?: { scores: number; purchases: number };
  cleanup: Cleanup;
  log: (line: string) => void;
};

type Kind = 'scores' | 'purchases';

export type TailRun = {
  round: number;
  variant: string;
  /** Load average (1 min) when the variant's measurement started and ended. */
  loadAverage: [number, number];
  loads: Record<Kind, Load>;
  /** Per kind: GC pauses (count, summed ms), the event loop's delay, group commits (count, mean size). */
  server: Record<
    Kind,
    {
      gcPauses: number;
      gcMs: number;
      loopDelay: TraceReport['loopDelay'];
      groups: number;
      meanGroupSize: number;
      meanWriterMs: number;
      maxWriterMs: number;
      /** The anchorer's reads of the log on the main thread: how many, their summed and longest ms. */
      logReads: { count: number; ms: number; maxMs: number };
    }
  >;
  requests: Record<Kind, RequestAnatomy[]>;
  /**
   * Per kind, ms from the load's start: the slowest 1% of requests, the api's GC pauses and event-loop
   * stalls of 5 ms or more, the load generator's, and the anchorer's reads of the log.
   */
  timeline: Record<
    Kind,
    {
      slowest: RequestAnatomy[];
      gc: GcPause[];
      stalls: LoopStall[];
      client: LoopStall[];
      logReads: LogRead[];
    }
  >;
};

/**
 * What a purchase's hashing and serialisation cost the main thread, in-process, µs per command (mean over
 * `iterations` after as many of warm-up): the request's hash (canonical JSON + SHA-256), the event and
 * command ids (SHA-256 each), the event's chain link (canonical JSON + SHA-256), and the JSON the writer
 * thread receives (data and metadata). A purchase's event as the api writes it.
 */
export type HashingCost = {
  requestHash: number;
  ids: number;
  chain: number;
  serialise: number;
  total: number;
};

export function measureHashing(iterations: number): HashingCost {
  const body = { sku: 'potion', quantity: 1, currency: 'GOLD' };
  const data = {
    playerId: 'bench-player-17',
    sku: 'potion',
    quantity: 1,
    unitPrice: { currency: 'GOLD', amount: 1 },
    totalPrice: { currency: 'GOLD', amount: 1 },
    balanceAfter: 999_999_123,
    quantityAfter: 877,
  };
  const context = { actor: 'game-server', idempotencyKey: '0b7c5a0e-4f5e-4d8e-9a51-3c1f2b7d9e10' };
  const occurredAt = '2026-12-08T01:50:00.000Z';
  let sink = 0;
  const steps = {
    requestHash: () => (sink += requestHash('POST /v1/players/bench-player-17/purchases', body).length),
    ids: () => (sink += eventId(context, -1).length + eventId(context, 0).length),
    chain: () =>
      (sink += chainEvents('playerEconomy-bench-player-17', 877, occurredAt, GENESIS_HASH, [
        { type: 'ItemPurchased', data },
      ])[0].hash.length),
    serialise: () =>
      (sink +=
        JSON.stringify(data).length +
        JSON.stringify({
          schemaVersion: 1,
          commandId: context.idempotencyKey,
          requestHash: 'x'.repeat(43),
          correlationId: 'req-1',
          causationId: context.idempotencyKey,
          actor: context.actor,
          previousHash: GENESIS_HASH,
          hash: GENESIS_HASH,
        }).length),
  };
  const cost = {} as HashingCost;
  for (const [name, step] of Object.entries(steps)) {
    for (let i = 0; i < iterations; i++) step();
    const start = performance.now();
    for (let i = 0; i < iterations; i++) step();
    cost[name as keyof typeof steps] = ((performance.now() - start) * 1000) / iterations;
  }
  cost.total = cost.requestHash + cost.ids + cost.chain + cost.serialise;
  if (sink === 0) throw new Error('unreachable: keeps the steps from being optimised away');
  return cost;
}

export type TailResults = {
  date: string;
  hashing: HashingCost;
  machine: Machine;
  settings: Omit<TailOptions, 'cleanup' | 'log' | 'rates'>;
  rates: { scores: number; purchases: number };
  baseline: { round: number; load: Load }[];
  runs: Omit<TailRun, 'requests'>[];
  /** Per variant and kind, over all its rounds: the slowest 1%, 0.1%, and every request. */
  anatomy: Record<string, Record<Kind, TailAnatomy[]>>;
};

const SHARES = [0.001, 0.01, 1];

export async function runTailBench(options: TailOptions): Promise<TailResults> {
  const { cleanup, log, connections, seconds, players, variants } = options;
  const work = mkdtempSync(join(tmpdir(), 'bench-tail-'));
  cleanup.add('the work directory', async () => rmSync(work, { recursive: true, force: true }));
  const bare = startWorker({ role: 'bare' }, cleanup);
  await bare.ready;

  let booted = 0;
  const boot = async (variant: Variant) => {
    const api = startWorker(
      {
        role: 'api',
        dataDir: join(work, `api-${booted++}`),
        apiKeys: API_KEYS,
        env: variant.env,
        trace: true,
      },
      cleanup,
      false,
      variant,
    );
    await api.ready;
    const requests = await setUpCommands(api.url, players);
    const warmup = { connections, seconds: options.warmupSeconds };
    if (options.warmupSeconds > 0) {
      await load(api.url, requests.score, warmup);
      await load(api.url, requests.purchase, warmup);
    }
    const trace = async () => {
      api.child.send({ type: 'trace' });
      return ((await api.next('trace')) as { report: TraceReport }).report;
    };
    return { api, requests, trace };
  };

  let rates = options.rates;
  if (!rates) {
    log(`rates: half of each kind's maximum (${variants[0].name})`);
    const { api, requests } = await boot(variants[0]);
    const max = async (request: Request) =>
      (await load(api.url, request, { connections, seconds })).requestsPerSecond;
    rates = {
      scores: Math.max(1, Math.round((await max(requests.score)) / 2)),
      purchases: Math.max(1, Math.round((await max(requests.purchase)) / 2)),
    };
    await api.stop();
  }

  const runs: TailRun[] = [];
  const baseline: TailResults['baseline'] = [];
  for (let round = 1; round <= options.rounds; round++) {
    const order = round % 2 === 1 ? variants : [...variants].reverse();
    for (const variant of order) {
      log(`round ${round}: ${variant.name}`);
      const { api, requests, trace } = await boot(variant);
      const started = loadavg()[0];
      await trace(); // what setup and warm-up left
      const measure = async (kind: Kind) => {
        const samples: ClientSample[] = [];
        const request = kind === 'scores' ? requests.score : requests.purchase;
        const client: LoopStall[] = [];
        const watch = watchStalls((stall) => client.push(stall));
        const startAt = now();
        const measured = await atRate(api.url, request, { connections, seconds, rate: rates[kind], samples });
        watch.stop();
        const report = await trace();
        const { groups } = report;
        const anatomies = anatomize(samples, report, client);
        const long = (stall: LoopStall) => stall.ms >= 5;
        const timeline = {
          slowest: slowest(anatomies, 0.01).map((request) => ({
            ...request,
            dueAt: request.dueAt - startAt,
          })),
          gc: report.gc
            .filter((pause) => pause.ms >= 5)
            .map((pause) => ({ ...pause, startAt: pause.startAt - startAt })),
          stalls: report.stalls.filter(long).map((stall) => ({ ...stall, dueAt: stall.dueAt - startAt })),
          logReads: report.logReads.map((read) => ({ ...read, startAt: read.startAt - startAt })),
          client: client.filter(long).map((stall) => ({ ...stall, dueAt: stall.dueAt - startAt })),
        };
        return {
          load: measured,
          server: {
            gcPauses: report.gc.length,
            gcMs: report.gc.reduce((sum, pause) => sum + pause.ms, 0),
            loopDelay: report.loopDelay,
            groups: groups.length,
            meanGroupSize: groups.reduce((sum, group) => sum + group.appends, 0) / Math.max(1, groups.length),
            meanWriterMs: groups.reduce((sum, group) => sum + group.writerMs, 0) / Math.max(1, groups.length),
            maxWriterMs: Math.max(0, ...groups.map((group) => group.writerMs)),
            logReads: {
              count: report.logReads.length,
              ms: report.logReads.reduce((sum, read) => sum + read.ms, 0),
              maxMs: Math.max(0, ...report.logReads.map((read) => read.ms)),
            },
          },
          requests: anatomies,
          timeline,
        };
      };
      const scores = await measure('scores');
      const purchases = await measure('purchases');
      runs.push({
        round,
        variant: variant.name,
        loadAverage: [started, loadavg()[0]],
        loads: { scores: scores.load, purchases: purchases.load },
        server: { scores: scores.server, purchases: purchases.server },
        requests: { scores: scores.requests, purchases: purchases.requests },
        timeline: { scores: scores.timeline, purchases: purchases.timeline },
      });
      await api.stop();
    }
    baseline.push({
      round,
      load: await atRate(bare.url, bareRequest, { connections, seconds, rate: rates.scores }),
    });
  }
  await bare.stop();

  const anatomy: TailResults['anatomy'] = {};
  for (const { name } of variants) {
    const mine = runs.filter((run) => run.variant === name);
    const of = (kind: Kind) => {
      const requests = mine.flatMap((run) => run.requests[kind]);
      return SHARES.map((share) => tailAnatomy(requests, share));
    };
    anatomy[name] = { scores: of('scores'), purchases: of('purchases') };
  }
  const settings = { ...options } as Partial<TailOptions>;
  delete settings.cleanup;
  delete settings.log;
  delete settings.rates;
  return {
    date: new Date().toISOString(),
    hashing: measureHashing(20_000),
    machine: machine(),
    settings: settings as TailResults['settings'],
    rates,
    baseline,
    runs: runs.map((run) => {
      const kept: Partial<TailRun> = { ...run };
      delete kept.requests;
      return kept as Omit<TailRun, 'requests'>;
    }),
    anatomy,
  };
}

const tail = ({ latency: l }: Load) => `${ms(l.p50)} / ${ms(l.p99)} / ${ms(l.p99_9)} / ${ms(l.max)}`;

const reads = ({ count, ms: total, maxMs }: { count: number; ms: number; maxMs: number }) =>
  `${count}, ${ms(total)} / ${ms(maxMs)}`;

const shareName = (share: number) => (share === 1 ? 'all' : `slowest ${share * 100}%`);

/** The A/B table (every round) and the anatomy table (per variant and kind). */
export function toMarkdown(results: TailResults): string {
  const { machine: m, rates } = results;
  const lines = [
    `Tail benchmark, ${results.date.slice(0, 10)}: ${m.cpus} cores (${m.cpuModel}), ${m.memoryGb} GiB, Node ${m.node}, ${m.platform}; ` +
      `scores at ${integer(rates.scores)} req/s, purchases at ${integer(rates.purchases)} req/s, ${results.settings.connections} connections.`,
    '',
    `A purchase's hashing and serialisation on the main thread, in-process: ${Object.entries(results.hashing)
      .map(([step, micros]) => `${step} ${micros.toFixed(1)} µs`)
      .join(', ')}.`,
    '',
    "| round | variant | load avg | scores p50 / p99 / p99.9 / max, ms | purchases p50 / p99 / p99.9 / max, ms | bare Fastify, same round | GC pauses, ms (scores; purchases) | loop delay p99, ms | groups: mean size, writer ms mean / max | the anchorer's reads of the log: count, ms summed / longest |",
    '| ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const run of results.runs) {
    const bare = results.baseline.find(({ round }) => round === run.round);
    const { scores: s, purchases: p } = run.server;
    lines.push(
      `| ${run.round} | ${run.variant} | ${run.loadAverage.map((value) => value.toFixed(1)).join(' → ')} | ${tail(run.loads.scores)} | ${tail(run.loads.purchases)} | ${bare ? tail(bare.load) : ''} | ${s.gcPauses}: ${ms(s.gcMs)}; ${p.gcPauses}: ${ms(p.gcMs)} | ${ms(s.loopDelay.p99)}; ${ms(p.loopDelay.p99)} | ${s.meanGroupSize.toFixed(1)}, ${ms(s.meanWriterMs)} / ${ms(s.maxWriterMs)}; ${p.meanGroupSize.toFixed(1)}, ${ms(p.meanWriterMs)} / ${ms(p.maxWriterMs)} | ${reads(s.logReads)}; ${reads(p.logReads)} |`,
    );
  }
  for (const [variant, kinds] of Object.entries(results.anatomy)) {
    for (const [kind, shares] of Object.entries(kinds)) {
      lines.push(
        '',
        `${kind}, ${variant}: mean ms per phase`,
        '',
        `| phase | ${shares.map((share) => `${shareName(share.share)} (${integer(share.requests)}, ≥ ${ms(share.fromMs)} ms)`).join(' | ')} |`,
        `| --- | ${shares.map(() => '---:').join(' | ')} |`,
        ...PHASES.map(
          ([phase]) => `| ${phase} | ${shares.map((share) => ms(share.phases[phase])).join(' | ')} |`,
        ),
        `| **latency** | ${shares.map((share) => ms(share.meanMs)).join(' | ')} |`,
        `| overlapped a GC pause | ${shares.map((share) => `${share.overlappedGc} (${ms(share.meanGcMs)} ms)`).join(' | ')} |`,
        `| overlapped an event-loop stall of the api (mean ms stalled; the api's CPU ms meanwhile) | ${shares.map((share) => `${share.overlappedStall} (${ms(share.meanStallMs)}; ${ms(share.meanStallCpuMs)})`).join(' | ')} |`,
        `| overlapped one of the load generator (mean ms stalled) | ${shares.map((share) => `${share.overlappedClientStall} (${ms(share.meanClientStallMs)})`).join(' | ')} |`,
        `| overlapped the anchorer's read of the log | ${shares.map((share) => share.overlappedLogRead).join(' | ')} |`,
        `| waited for a group commit in flight | ${shares.map((share) => share.waitedForGroup).join(' | ')} |`,
        `| mean group size | ${shares.map((share) => share.meanGroupSize.toFixed(1)).join(' | ')} |`,
      );
    }
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string', default: '10' },
      'warmup-seconds': { type: 'string', default: '3' },
      connections: { type: 'string', default: '32' },
      players: { type: 'string', default: '1000' },
      rounds: { type: 'string', default: '3' },
      variants: { type: 'string', default: JSON.stringify([{ name: 'as shipped' }]) },
      'rate-scores': { type: 'string' },
      'rate-purchases': { type: 'string' },
      json: { type: 'string', default: join(RESULTS_DIR, 'tail.json') },
    },
  });
  const rates =
    values['rate-scores'] && values['rate-purchases']
      ? { scores: Number(values['rate-scores']), purchases: Number(values['rate-purchases']) }
      : undefined;
  await runAndReport(
    resolve(values.json),
    (cleanup, log) =>
      runTailBench({
        seconds: Number(values.seconds),
        warmupSeconds: Number(values['warmup-seconds']),
        connections: Number(values.connections),
        players: Number(values.players),
        rounds: Number(values.rounds),
        variants: JSON.parse(values.variants) as Variant[],
        rates,
        cleanup,
        log,
      }),
    toMarkdown,
  );
}

if (require.main === module) runMain(main);
