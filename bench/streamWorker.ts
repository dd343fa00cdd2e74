/**
 * The processes of the stream benchmark (bench/stream.ts), each forked with its role:
 * - `api`: the embedded api, its /v1/stream serving the subscribers.
 * - `bare`: the baseline, a bare `ws` server on the same port as a bare HTTP server, with the api's
 *   delivery rule and nothing else: a submission (POST /boards/{board}) takes the next position and
 *   updates the board's best scores in memory; each board's top 10 is computed again at most once per
 *   `intervalMs` (at once after a quiet interval), and when it changed, sent as one prebuilt frame of the
 *   api's shape (same topic key, fields and entries) to every connection subscribed to the board.
 * - `clients`: the subscribers, `connections` WebSocket clients, each subscribed to one board's top 10.
 *   A sample of them, spread over each board's subscribers, timestamps every change each message lists;
 *   all count their messages.
 */
import { createServer } from 'node:http';
import { join } from 'node:path';
import WebSocket, { WebSocketServer } from 'ws';
import { createApp } from '../apps/api/src/bootstrap';
import { benchApiEnv, loopbackUrl } from './support/benchApi';
import { now } from './support/stats';

export type StreamWorkerConfig =
  | { role: 'api'; dataDir: string; apiKeys: string; intervalMs: number }
  | { role: 'bare'; intervalMs: number }
  | { role: 'clients'; url: string; key: string; connections: number; boards: string[]; sample: number };

/** What a server process costs: resident memory, heap and CPU time so far. */
export type Usage = { rssMb: number; heapMb: number; cpuMs: number };
export type ClientsReport = {
  /** [position, receivedAt] for every change listed in a message to a sampled connection. */
  received: number[];
  messages: number;
  closed: number;
};

export const STREAM_WORKER = join(__dirname, 'streamWorker.ts');

const send = (message: unknown): Promise<void> =>
  new Promise<void>((resolve) => (process.send ? process.send(message, () => resolve()) : resolve()));

/** Measured after a full collection (the worker runs with --expose-gc), so garbage does not count. */
const usage = (): Usage => {
  (globalThis as { gc?: () => void }).gc?.();
  const cpu = process.cpuUsage();
  const memory = process.memoryUsage();
  return {
    rssMb: memory.rss / 2 ** 20,
    heapMb: memory.heapUsed / 2 ** 20,
    cpuMs: (cpu.user + cpu.system) / 1000,
  };
};

async function api(config: Extract<StreamWorkerConfig, { role: 'api' }>) {
  const { app } = await createApp({
    ...benchApiEnv(config.dataDir, config.apiKeys),
    STREAM_TOPIC_INTERVAL_MS: String(config.intervalMs),
    // Every subscriber connects at once, from one address.
    RATE_LIMIT_UNAUTHENTICATED: '999999999',
  });
  await app.listen(0, '127.0.0.1');
  return { url: loopbackUrl(app.getHttpServer().address()), stop: () => app.close() };
}

type BareBoard = {
  id: string;
  topic: string;
  best: Map<string, { score: number; achievedAt: string }>;
  subscribers: Set<WebSocket>;
  /** Positions since the last computation, and those computed since the last message. */
  changes: number[];
  unsent: number[];
  /** The last message's position and page, when the last computation started, the one scheduled. */
  position: number;
  page: string;
  computedAt: number;
  timer: NodeJS.Timeout | undefined;
};

/** A board's top 10 as the api answers GET /v1/leaderboards/{id}/entries?limit=10. */
const topTen = (board: BareBoard): string =>
  JSON.stringify({
    leaderboardId: board.id,
    period: 'all',
    entries: [...board.best]
      .sort(([, a], [, b]) => b.score - a.score || a.achievedAt.localeCompare(b.achievedAt))
      .slice(0, 10)
      .map(([playerId, { score, achievedAt }], i) => ({
        rank: i + 1,
        playerId,
        score,
        subscore: 0,
        achievedAt,
      })),
    nextCursor: null,
  });

async function bare(config: Extract<StreamWorkerConfig, { role: 'bare' }>) {
  const boards = new Map<string, BareBoard>();
  let position = 0;
  const board = (id: string): BareBoard => {
    let found = boards.get(id);
    if (!found) {
      const topic = `board|${id}||10`;
      found = {
        id,
        topic,
        best: new Map(),
        subscribers: new Set(),
        changes: [],
        unsent: [],
        position: 0,
        page: '',
        computedAt: -Infinity,
        timer: undefined,
      };
      found.page = topTen(found);
      boards.set(id, found);
    }
    return found;
  };
  const compute = (target: BareBoard) => {
    target.computedAt = Date.now();
    target.unsent.push(...target.changes);
    target.changes = [];
    const page = topTen(target);
    if (page === target.page) return;
    const frame = Buffer.from(
      `{"type":"update","topic":${JSON.stringify(target.topic)},"position":${position},"after":${target.position},` +
        `"changes":${JSON.stringify(target.unsent)},"data":${page}}`,
    );
    for (const socket of target.subscribers) socket.send(frame, { binary: false });
    target.unsent = [];
    target.position = position;
    target.page = page;
  };
  const schedule = (target: BareBoard) => {
    if (target.timer) return;
    const wait = target.computedAt + config.intervalMs - Date.now();
    if (wait <= 0) return compute(target);
    target.timer = setTimeout(() => {
      target.timer = undefined;
      compute(target);
    }, wait);
  };
  const server = createServer((request, response) => {
    const id = /^\/boards\/([^/]+)$/.exec(request.url ?? '')?.[1];
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (request.method !== 'POST' || !id) return response.writeHead(404).end();
      const { playerId, score } = JSON.parse(Buffer.concat(chunks).toString()) as {
        playerId: string;
        score: number;
      };
      const target = board(id);
      const at = ++position;
      const previous = target.best.get(playerId);
      if (!previous || score > previous.score)
        target.best.set(playerId, { score, achievedAt: new Date().toISOString() });
      target.changes.push(at);
      schedule(target);
      response.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ position: at }));
    });
  });
  // Longer than the load generator keeps idle connections, so it never reuses one the server is closing.
  server.keepAliveTimeout = 60_000;
  const sockets = new WebSocketServer({ server, path: '/v1/stream', perMessageDeflate: false });
  sockets.on('connection', (socket) => {
    socket.on('message', (text) => {
      const { id, topic } = JSON.parse(text.toString());
      const target = board(topic.leaderboardId);
      target.subscribers.add(socket);
      socket.on('close', () => target.subscribers.delete(socket));
      socket.send(
        `{"type":"snapshot","id":${JSON.stringify(id)},"topic":${JSON.stringify(target.topic)},"position":${target.position},"reason":"subscribed","data":${target.page}}`,
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: loopbackUrl(server.address()),
    stop: async () => {
      for (const target of boards.values()) clearTimeout(target.timer);
      for (const client of sockets.clients) client.terminate();
      await new Promise((resolve) => sockets.close(resolve));
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

const CHANGES = /"changes":\[([\d,]*)\]/;

/**
 * About `sample` subscribers, as many of each board, spread over the order they connected in: a board's
 * messages go out in that order, so the first ones connected would see the least delay.
 */
function isSampled(index: number, config: { connections: number; boards: string[]; sample: number }) {
  const boards = config.boards.length;
  const perBoard = Math.max(1, Math.floor(config.sample / boards));
  const step = Math.max(1, Math.floor(config.connections / boards / perBoard));
  const row = Math.floor(index / boards);
  return row % step === 0 && row / step < perBoard;
}

async function clients(config: Extract<StreamWorkerConfig, { role: 'clients' }>): Promise<void> {
  const received: number[] = [];
  let messages = 0;
  let closed = 0;
  const sockets: WebSocket[] = [];
  const url = `${config.url.replace(/^http/, 'ws')}/v1/stream`;
  const open = (index: number) =>
    new Promise<void>((resolve, reject) => {
      const socket = new WebSocket(url, { headers: { authorization: `Bearer ${config.key}` } });
      sockets.push(socket);
      const sampled = isSampled(index, config);
      socket.on('error', reject);
      socket.on('close', () => closed++);
      socket.on('open', () => {
        const leaderboardId = config.boards[index % config.boards.length];
        socket.send(
          JSON.stringify({
            type: 'subscribe',
            id: 'top',
            topic: { kind: 'board', leaderboardId, limit: 10 },
          }),
        );
      });
      socket.on('message', (data) => {
        const at = now();
        messages++;
        // The first message, a snapshot, lists no change.
        const changes = sampled ? CHANGES.exec(data.toString())?.[1] : undefined;
        if (changes) for (const position of changes.split(',')) received.push(Number(position), at);
        resolve();
      });
    });
  // A few hundred handshakes at a time: the listen backlog holds them.
  for (let next = 0; next < config.connections;) {
    const batch = [];
    for (let i = 0; i < 250 && next < config.connections; i++) batch.push(open(next++));
    await Promise.all(batch);
  }
  process.on('message', (message: { type: string }) => {
    if (message.type === 'report') void send({ type: 'report', report: { received, messages, closed } });
    if (message.type === 'stop') {
      for (const socket of sockets) socket.terminate();
      process.exit(0);
    }
  });
  await send({ type: 'connected' });
}

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2]) as StreamWorkerConfig;
  process.on('disconnect', () => process.exit(1));
  process.on('SIGINT', () => undefined);
  if (config.role === 'clients') return clients(config);
  const { url, stop } = config.role === 'api' ? await api(config) : await bare(config);
  process.on('message', (message: { type: string }) => {
    if (message.type === 'usage') void send({ type: 'usage', usage: usage() });
    if (message.type === 'stop') void stop().then(() => process.exit(0));
  });
  await send({ type: 'ready', url });
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error('[stream bench worker] failed:', error);
    process.exit(1);
  });
}
