/**
 * The processes of the benchmark suite (bench/suite.ts forks them with IPC, never by hand), so the load
 * generator never shares a server's event loop and each peak RSS is one process's own:
 * - `api`: the embedded API as `apps/api/src/main.ts` builds it (createApp), instrumented with timestamps
 *   only: when each append returned (durable) and when each read-model commit returned, and how many
 *   appends the store rejected for a wrong expected revision (the retries of the concurrency loop).
 * - `api` with `stubbed`: the same API with the event store left out (commands answered at once), the
 *   framework's floor.
 * - `api` with `trace`: phase timestamps of every command request, GC pauses and event-loop stalls
 *   (support/requestTrace.ts), handed over on `trace` (bench/tail.ts).
 * - `bare`: the baseline, a bare Fastify server answering a fixed small JSON to any GET or POST.
 * - `replay`: rebuilds every read model from a log into a MemoryReadStore (`apply`), or only reads and
 *   JSON-parses the same log, metadata included (`parse`, the baseline); events/s and peak RSS.
 * - `rank`: replays a leaderboard log into a MemoryReadStore, measures the heap it holds, then times the
 *   API's own query handlers (top 10, a player's rank, around-me) against it.
 */
import { benchApiEnv, loopbackUrl } from './support/benchApi';
import { type CommandResult, StreamCommandHandler } from '@app/application';
import { GENESIS_HASH } from '@app/audit';
import { WrongExpectedRevisionError } from '@app/event-store';
import { SqliteEventStore } from '@app/event-store/sqlite';
import {
  boardRanking,
  leaderboardEntryId,
  leaderboardEntryView,
  readModelCollections,
  readModels,
  replay,
} from '@app/projections';
import { MemoryReadStore } from '@app/read-store/memory';
import { CommandBus } from '@nestjs/cqrs';
import Fastify from 'fastify';
import { join } from 'node:path';
import { createApp } from '../apps/api/src/bootstrap';
import { EVENT_STORE, READ_STORE } from '../apps/api/src/persistence/tokens';
import {
  GetEntries,
  GetEntriesHandler,
  GetPlayerRank,
  GetPlayerRankHandler,
} from '../apps/api/src/leaderboards/queries';
import { type TraceReport, traceRequests } from './support/requestTrace';
import { type Distribution, distribution, now } from './support/stats';

export type SuiteWorkerConfig =
  | {
      role: 'api';
      dataDir: string;
      apiKeys: string;
      /** The framework floor: every command answered with a fixed result, no event store work. */
      stubbed?: boolean;
      /** Settings over the benchmark's defaults (benchApiEnv). */
      env?: Record<string, string>;
      /** Trace every command request (support/requestTrace.ts). */
      trace?: boolean;
    }
  | { role: 'bare' }
  | { role: 'replay'; file: string; mode: 'apply' | 'parse'; batchSize: number }
  | { role: 'rank'; file: string; leaderboardId: string; players: number; queries: number };

export type ApiReport = {
  /** Append returned -> the read-model commit covering it returned, one per appended position. */
  lag: number[];
  /** The append itself (group commit + fsync), ms. */
  append: number[];
  appends: number;
  conflicts: number;
};

export type ReplayReport = { events: number; seconds: number; eventsPerSecond: number; peakRssMb: number };

export type RankReport = {
  entries: number;
  /** Heap held by the read store after the replay (gc before and after), per 1,000,000 entries. */
  mbPerMillion: number;
  rssMb: number;
  /** Query times in µs (in-process, sub-millisecond). */
  top10: Distribution;
  rank: Distribution;
  aroundMe: Distribution;
  /** The floor of any query: one document looked up by id (a Map get). */
  baseline: Distribution;
};

export type SuiteWorkerMessage =
  | { type: 'ready'; url: string }
  | { type: 'api'; report: ApiReport }
  | { type: 'replay'; report: ReplayReport }
  | { type: 'rank'; report: RankReport }
  | { type: 'trace'; report: TraceReport };

type Serving = { url: string; stop: () => Promise<void> };

const send = (message: SuiteWorkerMessage) =>
  new Promise<void>((resolve) => (process.send ? process.send(message, () => resolve()) : resolve()));

const peakRssMb = () => process.resourceUsage().maxRSS / 1024;

async function api(config: Extract<SuiteWorkerConfig, { role: 'api' }>): Promise<Serving> {
  const { app } = await createApp({ ...benchApiEnv(config.dataDir, config.apiKeys), ...config.env });
  if (config.stubbed) stubEventSourcing(app.get(StreamCommandHandler));
  const events = app.get<SqliteEventStore>(EVENT_STORE);
  const readStore = app.get<MemoryReadStore>(READ_STORE);
  let appendedAt = new Map<number, number>();
  let lag: number[] = [];
  let appendMs: number[] = [];
  let appends = 0;
  let conflicts = 0;
  const append = events.appendToStream.bind(events);
  events.appendToStream = async (...args) => {
    appends++;
    const start = now();
    try {
      const result = await append(...args);
      const at = now();
      appendedAt.set(result.position, at);
      appendMs.push(at - start);
      return result;
    } catch (error) {
      if (error instanceof WrongExpectedRevisionError) conflicts++;
      throw error;
    }
  };
  // The embedded projector commits each batch through the store's projection target: the store itself.
  const commit = readStore.commitBatch.bind(readStore);
  readStore.commitBatch = async (writes, position, ...rest) => {
    await commit(writes, position, ...rest);
    const at = now();
    for (const [appended, returnedAt] of appendedAt) {
      if (appended > position) continue;
      lag.push(Math.max(0, at - returnedAt));
      appendedAt.delete(appended);
    }
  };
  const tracing =
    config.trace &&
    traceRequests({
      server: app.getHttpServer(),
      commands: app.get(CommandBus),
      streams: app.get(StreamCommandHandler),
      events,
    });
  await app.listen(0, '127.0.0.1');
  process.on('message', (message: { type: string }) => {
    if (message.type === 'trace' && tracing) void send({ type: 'trace', report: tracing.take() });
    if (message.type !== 'report') return;
    void send({ type: 'api', report: { lag, append: appendMs, appends, conflicts } });
    appendedAt = new Map();
    lag = [];
    appendMs = [];
    appends = 0;
    conflicts = 0;
  });
  return { url: loopbackUrl(app.getHttpServer().address()), stop: () => app.close() };
}

/**
 * What the API costs without event sourcing: the same HTTP stack (Fastify, guard, validation, command
 * bus, handler, response), with the stream command handler answering at once: no read, decision, hash, append,
 * fsync or projection. Bench-only; it shows how much of the gap to bare Fastify is the framework.
 */
function stubEventSourcing(streams: StreamCommandHandler): void {
  const answer: CommandResult = { streamId: 'stub', revision: 0, position: 1, events: [], replayed: false };
  streams.handle = async () => answer;
  // Every stream reads as empty (also the audit stream, so the log anchorer idles as on a new log).
  streams.load = async (_streamId, fold) => ({
    state: fold.initialState(),
    revision: -1,
    position: 0,
    lastHash: GENESIS_HASH,
  });
}

async function bare(): Promise<Serving> {
  const server = Fastify({ logger: false });
  const answer = { ok: true, position: 1 };
  server.get('/*', async () => answer);
  server.post('/*', async (_request, reply) => reply.code(201).send(answer));
  await server.listen({ port: 0, host: '127.0.0.1' });
  return { url: loopbackUrl(server.server.address()), stop: () => server.close() };
}

async function replayLog(config: Extract<SuiteWorkerConfig, { role: 'replay' }>): Promise<ReplayReport> {
  const events = new SqliteEventStore(config.file, { synchronous: 'NORMAL' });
  try {
    const head = await events.headPosition();
    const start = now();
    let count = 0;
    if (config.mode === 'apply') {
      const store = new MemoryReadStore(readModelCollections);
      await replay(events, store, readModels, { batchSize: config.batchSize });
      count = head;
    } else {
      // The baseline: every whole stored event read and JSON-parsed (readAll: data and metadata), nothing
      // applied. It parses more than the replay, which reads the log without metadata (no read model uses it).
      for (let position = 0; position < head;) {
        const batch = await events.readAll(position, config.batchSize);
        if (batch.length === 0) break;
        count += batch.length;
        position = batch[batch.length - 1].position;
      }
    }
    const seconds = (now() - start) / 1000;
    return { events: count, seconds, eventsPerSecond: count / seconds, peakRssMb: peakRssMb() };
  } finally {
    await events.close();
  }
}

const gc = () => (globalThis as { gc?: () => void }).gc?.();

async function rank(config: Extract<SuiteWorkerConfig, { role: 'rank' }>): Promise<RankReport> {
  const events = new SqliteEventStore(config.file, { synchronous: 'NORMAL' });
  gc();
  const before = process.memoryUsage().heapUsed;
  const store = new MemoryReadStore(readModelCollections);
  await replay(events, store, readModels, { batchSize: 5000 });
  await events.close();
  gc();
  const held = process.memoryUsage().heapUsed - before;
  const period = 'all';
  const entries = await store.count(boardRanking(config.leaderboardId, period));

  const entriesHandler = new GetEntriesHandler(store);
  const rankHandler = new GetPlayerRankHandler(store);
  let seed = 11;
  const player = () => {
    seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0;
    return `player-${String(seed % config.players).padStart(6, '0')}`;
  };
  const time = async (run: () => Promise<unknown>) => {
    for (let i = 0; i < Math.min(1000, config.queries); i++) await run();
    const samples: number[] = [];
    for (let i = 0; i < config.queries; i++) {
      const start = performance.now();
      await run();
      samples.push((performance.now() - start) * 1000);
    }
    return distribution(samples);
  };
  const { leaderboardId } = config;
  const top10 = await time(() =>
    entriesHandler.execute(new GetEntries(leaderboardId, undefined, undefined, 10)),
  );
  const rankOf = await time(() =>
    rankHandler.execute(new GetPlayerRank(leaderboardId, player(), undefined, 0)),
  );
  const aroundMe = await time(() =>
    rankHandler.execute(new GetPlayerRank(leaderboardId, player(), undefined, 5)),
  );
  const baseline = await time(() =>
    store.find(leaderboardEntryView.collection, leaderboardEntryId(leaderboardId, period, player())),
  );
  return {
    entries,
    mbPerMillion: (held / 2 ** 20) * (1_000_000 / Math.max(1, entries)),
    rssMb: process.memoryUsage().rss / 2 ** 20,
    top10,
    rank: rankOf,
    aroundMe,
    baseline,
  };
}

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2]) as SuiteWorkerConfig;
  process.on('disconnect', () => process.exit(1));
  process.on('SIGINT', () => undefined);
  if (config.role === 'replay') {
    await send({ type: 'replay', report: await replayLog(config) });
    process.exit(0);
  }
  if (config.role === 'rank') {
    await send({ type: 'rank', report: await rank(config) });
    process.exit(0);
  }
  const { url, stop } = config.role === 'api' ? await api(config) : await bare();
  process.on('message', (message: { type: string }) => {
    if (message.type === 'stop') void stop().then(() => process.exit(0));
  });
  await send({ type: 'ready', url });
}

export const SUITE_WORKER = join(__dirname, 'suiteWorker.ts');

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error('[bench worker] failed:', error);
    process.exit(1);
  });
}
