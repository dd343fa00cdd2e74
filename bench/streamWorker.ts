/**
 * The processes of the stream benchmark (bench/stream.ts), each forked with its role:
 * - `api`: the embedded api, its /v1/stream serving the subscribers.
 * - `bare`: the baseline, a bare `ws` server on the same port as a bare HTTP server: a submission
 *   (POST /boards/{board}) takes the next position and is broadcast at once, as one message of the api's
 *   shape and size, to every connection subscribed to its board.
 * - `clients`: the subscribers, `connections` WebSocket clients, each subscribed to one board's top 10.
 *   A sample of them timestamps every change each message lists; all count their messages.
 */
import { createServer } from 'node:http';
import { join } from 'node:path';
import WebSocket, { WebSocketServer } from 'ws';
import { createApp } from '../apps/api/src/bootstrap';
import { benchApiEnv, loopbackUrl } from './support/benchApi';
import { now } from './support/stats';

export type StreamWorkerConfig =
  | { role: 'api'; dataDir: string; apiKeys: string }
  | { role: 'bare'; entries: number }
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
    // Every subscriber connects at once, from one address.
    RATE_LIMIT_UNAUTHENTICATED: '999999999',
  });
  await app.listen(0, '127.0.0.1');
  return { url: loopbackUrl(app.getHttpServer().address()), stop: () => app.close() };
}

/** A top-10 page as the api sends it: the same fields, so the same bytes per message. */
const page = (board: string, entries: number) =>
  JSON.stringify({
    leaderboardId: board,
    period: 'all',
    entries: Array.from({ length: entries }, (_, i) => ({
      rank: i + 1,
      playerId: `player-${100000 + i}`,
      score: 1_000_000 - i,
      subscore: 0,
      achievedAt: new Date().toISOString(),
    })),
    nextCursor: null,
  });

async function bare(config: Extract<StreamWorkerConfig, { role: 'bare' }>) {
  const subscribers = new Map<string, Set<{ socket: WebSocket; id: string; last: number }>>();
  let position = 0;
  const server = createServer((request, response) => {
    const board = /^\/boards\/([^/]+)$/.exec(request.url ?? '')?.[1];
    request.resume();
    request.on('end', () => {
      if (request.method !== 'POST' || !board) return response.writeHead(404).end();
      const at = ++position;
      const data = page(board, config.entries);
      for (const subscriber of subscribers.get(board) ?? []) {
        subscriber.socket.send(
          `{"type":"update","id":${JSON.stringify(subscriber.id)},"position":${at},"after":${subscriber.last},"changes":[${at}],"data":${data}}`,
        );
        subscriber.last = at;
      }
      response.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ position: at }));
    });
  });
  // Longer than the load generator keeps idle connections, so it never reuses one the server is closing.
  server.keepAliveTimeout = 60_000;
  const sockets = new WebSocketServer({ server, path: '/v1/stream', perMessageDeflate: false });
  sockets.on('connection', (socket) => {
    socket.on('message', (text) => {
      const { id, topic } = JSON.parse(text.toString());
      const subscriber = { socket, id, last: position };
      let board = subscribers.get(topic.leaderboardId);
      if (!board) subscribers.set(topic.leaderboardId, (board = new Set()));
      board.add(subscriber);
      socket.on('close', () => board.delete(subscriber));
      socket.send(
        `{"type":"snapshot","id":${JSON.stringify(id)},"position":${position},"reason":"subscribed","data":${page(topic.leaderboardId, config.entries)}}`,
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: loopbackUrl(server.address()),
    stop: async () => {
      for (const client of sockets.clients) client.terminate();
      await new Promise((resolve) => sockets.close(resolve));
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

const CHANGES = /"changes":\[([\d,]*)\]/;

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
      const sampled = index < config.sample;
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
