/**
 * The live stream benchmark: `connections` WebSocket subscribers on one api process (the clients in
 * another process), each subscribed to one of `boards` boards' top 10, while `rate` score submissions per
 * second arrive spread over the boards for `seconds`. Every submission beats every earlier score, so each
 * one changes its board's top 10: the heaviest load a top-10 subscription can get.
 *
 *   npm run bench:stream [-- --connections 10000 --rate 500 --boards 10 --seconds 20 --interval 50]
 *
 * - load: open loop over 32 keep-alive connections; a submission beyond them waits in the client.
 * - latency: from a submission's slot in the schedule (so a wait for a connection, the append and its
 *   fsync are inside) to the moment a subscriber receives a message listing its position, over every change received by a sample of the
 *   subscribers (`sample`, spread over the boards); p50/p99/p99.9/max.
 * - cost: the server process's resident memory per 1,000 connections (subscribed and idle, against the
 *   same process before they connected), and its CPU per 1,000 connections under the load.
 * - baseline, same run, same clients and load generator: a bare `ws` server (bench/streamWorker.ts
 *   `bare`) that sends the same messages as the api: it keeps each board's best scores in memory and
 *   applies the api's delivery rule - a board's top 10 computed at most once per `interval` ms (at once
 *   after a quiet interval), sent only when it changed, as one prebuilt frame of the api's shape and size
 *   to every subscriber of the board - with no event store, read model, query or back-pressure. So both
 *   send about the same number of messages per subscriber, and the comparison is of the delivery
 *   machinery, not of the message volume.
 */
import { randomUUID } from 'node:crypto';
import { Agent, request } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { RESULTS_DIR } from './suite';
import { type ClientsReport, STREAM_WORKER, type StreamWorkerConfig, type Usage } from './streamWorker';
import { type ForkedWorker, forkWorker } from './support/fork';
import { type Machine, integer, machine, ms, ratio, runAndReport, runMain } from './support/report';
import type { Cleanup } from './support/servers';
import { type Distribution, distribution, now, sleep, steadily } from './support/stats';

const GAME_KEY = 'bench-game-server-0123456789';
const ADMIN_KEY = 'bench-live-ops-0123456789';
const API_KEYS = `live-ops:${ADMIN_KEY}:admin,read;game-server:${GAME_KEY}:scores,read`;
/** Keep-alive connections the submissions share, as a game server's pool would (one request each at once). */
const SUBMIT_CONNECTIONS = 32;

export type StreamBenchOptions = {
  connections: number;
  rate: number;
  boards: number;
  seconds: number;
  /** The least time between two updates of one topic (the api's STREAM_TOPIC_INTERVAL_MS), ms. */
  interval: number;
  /** Subscribers that timestamp what they receive (the others only count it). */
  sample: number;
  cleanup: Cleanup;
  log: (line: string) => void;
};

export type ServerResult = {
  latency: Distribution;
  /** From a submission's slot in the schedule to its answer (the api: appended, durable). */
  submission: Distribution;
  submitted: number;
  /** Submissions that got no 201. */
  failed: number;
  /** Submissions per second achieved. */
  rate: number;
  /** Messages the subscribers received during the load. */
  messages: number;
  /** Connections closed during the run (a slow reader closed, or a refusal). */
  closed: number;
  /** Resident memory per 1,000 subscribed idle connections, MB. */
  rssMbPer1000: number;
  heapMbPer1000: number;
  /** CPU (share of one core) per 1,000 connections under the load. */
  cpuPer1000: number;
};

export type StreamBenchResults = {
  date: string;
  machine: Machine;
  options: Omit<StreamBenchOptions, 'cleanup' | 'log'>;
  api: ServerResult;
  baseline: ServerResult;
};

const reply = <T>(worker: ForkedWorker, type: string, request?: string): Promise<T> =>
  new Promise<T>((resolve, reject) => {
    const onMessage = (message: { type: string } & T) => {
      if (message.type !== type) return;
      worker.child.off('message', onMessage);
      resolve(message);
    };
    worker.child.on('message', onMessage);
    void worker.exited.then(() => reject(new Error(`a stream bench worker exited before its ${type}`)));
    if (request) worker.child.send({ type: request });
  });

async function measure(kind: 'api' | 'bare', options: StreamBenchOptions): Promise<ServerResult> {
  const { cleanup, log } = options;
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-stream-'));
  cleanup.add('the stream benchmark data', async () => rmSync(dataDir, { recursive: true, force: true }));
  const serverConfig: StreamWorkerConfig =
    kind === 'api'
      ? { role: 'api', dataDir, apiKeys: API_KEYS, intervalMs: options.interval }
      : { role: 'bare', intervalMs: options.interval };
  const server = forkWorker(STREAM_WORKER, serverConfig, cleanup, ['--expose-gc']);
  const { url } = await reply<{ url: string }>(server, 'ready');
  const boards = Array.from({ length: options.boards }, (_, i) => `bench-board-${i}`);
  const { hostname, port } = new URL(url);
  const agent = new Agent({ keepAlive: true, maxSockets: SUBMIT_CONNECTIONS });
  const post = (path: string, body: object, key: string, method = 'POST') =>
    new Promise<{ position: number }>((resolve, reject) => {
      const headers = {
        authorization: `Bearer ${key}`,
        'content-type': 'application/json',
        'idempotency-key': randomUUID(),
      };
      const outgoing = request({ agent, hostname, port, method, path, headers }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.once('end', () => {
          const answer = Buffer.concat(chunks).toString();
          if (response.statusCode === 201) return resolve(JSON.parse(answer) as { position: number });
          reject(new Error(`${method} ${path}: ${response.statusCode} ${answer}`));
        });
      });
      outgoing.once('error', reject);
      outgoing.end(JSON.stringify(body));
    });
  if (kind === 'api')
    for (const board of boards)
      await post(
        `/v1/leaderboards/${board}`,
        { sortOrder: 'desc', operator: 'best', resetSchedule: 'never' },
        ADMIN_KEY,
        'PUT',
      );
  const submit = (i: number) =>
    post(
      kind === 'api'
        ? `/v1/leaderboards/${boards[i % boards.length]}/scores`
        : `/boards/${boards[i % boards.length]}`,
      { playerId: `player-${i % 5000}`, score: i },
      GAME_KEY,
    );
  // Boards with entries before anyone subscribes: top-10 pages of full size.
  await Promise.all(Array.from({ length: boards.length * 10 }, (_, i) => submit(i)));

  const idle = (await reply<{ usage: Usage }>(server, 'usage', 'usage')).usage;
  log(`${kind}: connecting ${integer(options.connections)} subscribers`);
  const clientsConfig: StreamWorkerConfig = {
    role: 'clients',
    url,
    key: GAME_KEY,
    connections: options.connections,
    boards,
    sample: options.sample,
  };
  const clients = forkWorker(STREAM_WORKER, clientsConfig, cleanup);
  await reply(clients, 'connected');
  await sleep(1000);
  const connected = (await reply<{ usage: Usage }>(server, 'usage', 'usage')).usage;

  log(`${kind}: ${options.rate} submissions/s for ${options.seconds} s`);
  const sentAt = new Map<number, number>();
  const answered: number[] = [];
  let failed = 0;
  const inFlight: Promise<void>[] = [];
  const first = boards.length * 10;
  let next = first;
  const started = now();
  const run = await steadily(options.rate, options.seconds, (count) => {
    for (let i = 0; i < count; i++) {
      // Its slot in the schedule: a submission that waits for a connection waits on the clock.
      const at = started + ((next - first) * 1000) / options.rate;
      inFlight.push(
        submit(next++).then(
          ({ position }) => {
            sentAt.set(position, at);
            answered.push(now() - at);
          },
          () => void failed++,
        ),
      );
    }
  });
  await Promise.all(inFlight);
  agent.destroy();
  const loaded = (await reply<{ usage: Usage }>(server, 'usage', 'usage')).usage;
  const wall = now() - started;
  // Time for the last messages to arrive (no figure depends on it: latencies are per change).
  await sleep(2000);
  const { report } = await reply<{ report: ClientsReport }>(clients, 'report', 'report');
  await clients.stop(5000);
  await server.stop(10_000);

  const latencies: number[] = [];
  for (let i = 0; i < report.received.length; i += 2) {
    const sent = sentAt.get(report.received[i]);
    if (sent !== undefined) latencies.push(report.received[i + 1] - sent);
  }
  const thousands = options.connections / 1000;
  return {
    latency: distribution(latencies),
    submission: distribution(answered),
    submitted: run.count,
    failed,
    rate: run.count / run.seconds,
    messages: report.messages,
    closed: report.closed,
    rssMbPer1000: (connected.rssMb - idle.rssMb) / thousands,
    heapMbPer1000: (connected.heapMb - idle.heapMb) / thousands,
    cpuPer1000: (loaded.cpuMs - connected.cpuMs) / wall / thousands,
  };
}

export async function runStreamBench(options: StreamBenchOptions): Promise<StreamBenchResults> {
  const baseline = await measure('bare', options);
  const api = await measure('api', options);
  const { cleanup: _cleanup, log: _log, ...settings } = options;
  return { date: new Date().toISOString(), machine: machine(), options: settings, api, baseline };
}

export const toMarkdown = (results: StreamBenchResults): string => {
  const { api, baseline, options } = results;
  const row = (name: string, r: ServerResult) =>
    `| ${name} | ${ms(r.latency.p50)} | ${ms(r.latency.p99)} | ${ms(r.latency.p99_9)} | ${ms(r.latency.max)} | ${integer(r.rate)} | ` +
    `${integer(r.messages)} (${(r.messages / options.connections).toFixed(1)}) | ` +
    `${r.closed} | ${r.failed} | ${ms(r.submission.p50)} / ${ms(r.submission.p99)} | ${((r.rssMbPer1000 * 1024) / 1000).toFixed(1)} KB | ${(r.cpuPer1000 * 100).toFixed(1)}% |`;
  return [
    `Stream benchmark, ${results.date.slice(0, 10)}, ${results.machine.cpus} cores (${results.machine.cpuModel}), ` +
      `Node ${results.machine.node}: ${integer(options.connections)} subscribers over ${options.boards} boards, ` +
      `${options.rate} submissions/s for ${options.seconds} s, topic interval ${options.interval} ms, latency over ` +
      `${options.sample} sampled subscribers`,
    '',
    '| server | p50 ms | p99 ms | p99.9 ms | max ms | submissions/s | messages received (per subscriber) | closed | submissions failed | submission answered p50 / p99 ms | RSS per connection | CPU per 1,000 connections |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    row('api /v1/stream', api),
    row('baseline: bare ws broadcast', baseline),
    '',
    `p99 vs baseline: ${ratio(api.latency.p99, baseline.latency.p99)}; ` +
      `targets: p99 under 50 ms (${api.latency.p99 < 50 ? 'met' : 'missed'}), ` +
      `under 50 KB per idle connection (${(api.rssMbPer1000 * 1024) / 1000 < 50 ? 'met' : 'missed'})`,
  ].join('\n');
};

if (require.main === module) {
  runMain(async () => {
    const { values } = parseArgs({
      options: {
        connections: { type: 'string', default: '10000' },
        rate: { type: 'string', default: '500' },
        boards: { type: 'string', default: '10' },
        seconds: { type: 'string', default: '20' },
        sample: { type: 'string', default: '200' },
        interval: { type: 'string', default: '50' },
      },
    });
    await runAndReport(
      join(RESULTS_DIR, 'stream.json'),
      (cleanup, log) =>
        runStreamBench({
          connections: Number(values.connections),
          rate: Number(values.rate),
          boards: Number(values.boards),
          seconds: Number(values.seconds),
          sample: Number(values.sample),
          interval: Number(values.interval),
          cleanup,
          log,
        }),
      toMarkdown,
    );
  });
}
