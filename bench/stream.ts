/**
 * The live stream benchmark: `connections` WebSocket subscribers on one api process (the clients in
 * another process), each subscribed to one of `boards` boards' top 10, while `rate` score submissions per
 * second arrive spread over the boards for `seconds`, in one or both load shapes:
 * - `worst`: every submission beats every earlier score, so each one changes its board's top 10: the
 *   heaviest load a top-10 subscription can get.
 * - `typical`: a live game: each submission is a player drawn from a pool of 5,000 per board with a score
 *   drawn uniformly from [0, 10^9) (a seeded sequence, the same for both servers), the board keeping each
 *   player's best; a board's top 10 changes only when a submission enters it. The boards hold 200 such
 *   scores each before the load (a game under way): at first about one submission in 20 enters, fewer
 *   as the boards fill.
 *
 *   npm run bench:stream [-- --shape worst,typical --connections 10000 --rate 500 --boards 10 --seconds 20
 *                           --interval 20 --profile <dir>]
 *
 * - load: open loop over 32 keep-alive connections; a submission beyond them waits in the client.
 * - latency: for each change that altered its board's top 10, from the submission's slot in the schedule
 *   (so a wait for a connection, the append and its fsync are inside) to a subscriber receiving the
 *   message that lists its position, over a sample of the subscribers (`sample`, spread over the boards
 *   and over each board's subscribers); p50/p99/p99.9/max. Which changes altered a top 10 the bench
 *   works out itself, replaying the submissions in log order. A change that left the top 10 as it was
 *   sends nothing (there is no new state to see); the next message lists it, and timing it would measure
 *   the wait for the next change that does alter the top 10. In the worst shape every change alters it,
 *   so there this is every listed change.
 * - cost: the server process's resident memory per 1,000 connections (subscribed and idle, against the
 *   same process before they connected), its CPU per 1,000 connections under the load, and that CPU
 *   (submissions included) per message the subscribers received.
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
import { seededRandom } from '../test/support/random';

const GAME_KEY = 'bench-game-server-0123456789';
const ADMIN_KEY = 'bench-live-ops-0123456789';
const API_KEYS = `live-ops:${ADMIN_KEY}:admin,read;game-server:${GAME_KEY}:scores,read`;
/** Keep-alive connections the submissions share, as a game server's pool would (one request each at once). */
const SUBMIT_CONNECTIONS = 32;
/** Players per board in the typical shape, and its scores' range. */
const PLAYERS = 5000;
const SCORES = 1e9;
/** Scores per board before anyone subscribes: top-10 pages of full size; in the typical shape, a game under way. */
const PREFILL = { worst: 10, typical: 200 };

export const SHAPES = ['worst', 'typical'] as const;
export type Shape = (typeof SHAPES)[number];

type Submission = { board: number; playerId: string; score: number };

/** The `i`th submission of a shape (the first ones fill the boards before the load). */
function submissions(shape: Shape, boards: number): (i: number) => Submission {
  if (shape === 'worst') return (i) => ({ board: i % boards, playerId: `player-${i % PLAYERS}`, score: i });
  const random = seededRandom(42);
  return (i) => ({
    board: i % boards,
    playerId: `player-${Math.floor(random() * PLAYERS)}`,
    score: Math.floor(random() * SCORES),
  });
}

/**
 * The positions of the submissions that changed their board's top 10 (operator best, descending, ties
 * to the earlier achievement), replaying them in log order. A player's best only rises, so a board's top
 * 10 is enough to know whether a new best enters it.
 */
function topTenChanges(appended: ReadonlyMap<number, Submission>): Set<number> {
  const best = new Map<string, number>();
  const tops = new Map<number, { playerId: string; score: number }[]>();
  const changed = new Set<number>();
  for (const position of [...appended.keys()].sort((a, b) => a - b)) {
    const { board, playerId, score } = appended.get(position)!;
    const key = `${board}|${playerId}`;
    if (score <= (best.get(key) ?? -Infinity)) continue;
    best.set(key, score);
    const top = tops.get(board) ?? [];
    tops.set(board, top);
    if (top.length === 10 && score <= top[9].score) continue;
    const entries = top.filter((entry) => entry.playerId !== playerId);
    entries.push({ playerId, score });
    // Stable: a tie keeps the earlier achievement first.
    entries.sort((a, b) => b.score - a.score);
    top.splice(0, top.length, ...entries.slice(0, 10));
    changed.add(position);
  }
  return changed;
}

export type StreamBenchOptions = {
  shape: Shape;
  /** Scores per board before the load (PREFILL of the shape when not given). */
  prefill?: number;
  connections: number;
  rate: number;
  boards: number;
  seconds: number;
  /** The least time between two updates of one topic (the api's STREAM_TOPIC_INTERVAL_MS), ms. */
  interval: number;
  /** Subscribers that timestamp what they receive (the others only count it). */
  sample: number;
  /** A folder for a V8 CPU profile of each server process (node --cpu-prof), when given. */
  profile?: string;
  cleanup: Cleanup;
  log: (line: string) => void;
};

export type ServerResult = {
  /** Over the changes that altered their board's top 10 (see the header). */
  latency: Distribution;
  /** Submissions during the load that changed their board's top 10. */
  changed: number;
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
  /** The server's CPU time under the load (submissions included) per message received, µs. */
  cpuUsPerMessage: number;
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
  const profile = options.profile ? ['--cpu-prof', `--cpu-prof-dir=${options.profile}`] : [];
  const server = forkWorker(STREAM_WORKER, serverConfig, cleanup, ['--expose-gc', ...profile]);
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
  const draw = submissions(options.shape, boards.length);
  /** Every submission appended, by position, and when each one of the load was due. */
  const appended = new Map<number, Submission>();
  const sentAt = new Map<number, number>();
  const submit = async (i: number) => {
    const submission = draw(i);
    const board = boards[submission.board];
    const { playerId, score } = submission;
    const path = kind === 'api' ? `/v1/leaderboards/${board}/scores` : `/boards/${board}`;
    const { position } = await post(path, { playerId, score }, GAME_KEY);
    appended.set(position, submission);
    return position;
  };
  const first = boards.length * (options.prefill ?? PREFILL[options.shape]);
  await Promise.all(Array.from({ length: first }, (_, i) => submit(i)));

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

  log(`${kind}: ${options.shape} shape, ${options.rate} submissions/s for ${options.seconds} s`);
  const answered: number[] = [];
  let failed = 0;
  const inFlight: Promise<void>[] = [];
  let next = first;
  const started = now();
  const run = await steadily(options.rate, options.seconds, (count) => {
    for (let i = 0; i < count; i++) {
      // Its slot in the schedule: a submission that waits for a connection waits on the clock.
      const at = started + ((next - first) * 1000) / options.rate;
      inFlight.push(
        submit(next++).then(
          (position) => {
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

  const changed = topTenChanges(appended);
  const latencies: number[] = [];
  for (let i = 0; i < report.received.length; i += 2) {
    const sent = sentAt.get(report.received[i]);
    if (sent !== undefined && changed.has(report.received[i])) latencies.push(report.received[i + 1] - sent);
  }
  const thousands = options.connections / 1000;
  return {
    latency: distribution(latencies),
    changed: [...sentAt.keys()].filter((position) => changed.has(position)).length,
    submission: distribution(answered),
    submitted: run.count,
    failed,
    rate: run.count / run.seconds,
    messages: report.messages,
    closed: report.closed,
    rssMbPer1000: (connected.rssMb - idle.rssMb) / thousands,
    heapMbPer1000: (connected.heapMb - idle.heapMb) / thousands,
    cpuPer1000: (loaded.cpuMs - connected.cpuMs) / wall / thousands,
    cpuUsPerMessage: ((loaded.cpuMs - connected.cpuMs) * 1000) / report.messages,
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
    `${integer(r.changed)} | ${integer(r.messages)} (${(r.messages / options.connections).toFixed(1)}) | ` +
    `${r.closed} | ${r.failed} | ${ms(r.submission.p50)} / ${ms(r.submission.p99)} | ${((r.rssMbPer1000 * 1024) / 1000).toFixed(1)} KB | ${(r.cpuPer1000 * 100).toFixed(1)}% | ${r.cpuUsPerMessage.toFixed(1)} |`;
  return [
    `Stream benchmark, ${options.shape} shape, ${results.date.slice(0, 10)}, ${results.machine.cpus} cores (${results.machine.cpuModel}), ` +
      `Node ${results.machine.node}: ${integer(options.connections)} subscribers over ${options.boards} boards, ` +
      `${options.rate} submissions/s for ${options.seconds} s, topic interval ${options.interval} ms, latency over ` +
      `${options.sample} sampled subscribers, of the changes that altered a top 10`,
    '',
    '| server | p50 ms | p99 ms | p99.9 ms | max ms | submissions/s | top-10 changes | messages received (per subscriber) | closed | submissions failed | submission answered p50 / p99 ms | RSS per connection | CPU per 1,000 connections | CPU µs per message |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
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
        shape: { type: 'string', default: SHAPES.join(',') },
        connections: { type: 'string', default: '10000' },
        rate: { type: 'string', default: '500' },
        boards: { type: 'string', default: '10' },
        seconds: { type: 'string', default: '20' },
        sample: { type: 'string', default: '200' },
        interval: { type: 'string', default: '20' },
        profile: { type: 'string' },
      },
    });
    const shapes = values.shape.split(',') as Shape[];
    const unknown = shapes.find((shape) => !SHAPES.includes(shape));
    if (unknown) throw new Error(`--shape: ${unknown} is not one of ${SHAPES.join(', ')}`);
    await runAndReport(
      join(RESULTS_DIR, 'stream.json'),
      async (cleanup, log) => {
        const results: StreamBenchResults[] = [];
        for (const shape of shapes)
          results.push(
            await runStreamBench({
              shape,
              connections: Number(values.connections),
              rate: Number(values.rate),
              boards: Number(values.boards),
              seconds: Number(values.seconds),
              sample: Number(values.sample),
              interval: Number(values.interval),
              profile: values.profile,
              cleanup,
              log,
            }),
          );
        return results;
      },
      (results) => results.map(toMarkdown).join('\n\n'),
    );
  });
}
