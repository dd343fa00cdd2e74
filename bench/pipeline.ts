/**
 * The Kafka pipeline benchmark: relay throughput and end-to-end lag, each beside a kafkajs baseline
 * measured in the same run (these machines are noisy; a figure means something only next to its baseline).
 *
 *   node -r @swc-node/register bench/pipeline.ts [--events 50000] [--rates 200,500] [--seconds 20]
 *        [--warmup 5] [--read-stores memory|mongo|memory,mongo] [--json bench/results/pipeline.json]
 *
 * Starts its own Kafka and FerretDB on loopback unless KAFKA_BROKERS / MONGO_URL are set, and always
 * stops what it started. Prints a markdown table and writes every figure as JSON.
 *
 * 1. Baseline: a kafkajs producer configured as KafkaMessaging's publisher (idempotent, acks -1, one
 *    request in flight) sends N pre-built event messages in batches of 1000 to a fresh 6-partition topic;
 *    measured before and after the relay, the mean is the baseline.
 * 2. Relay throughput: EventRelay publishes a SQLite log pre-filled with the same N events; time from
 *    start until its checkpoint reaches the head.
 * 3. Lag at a steady load: this process appends (as the API would) to a SQLite store (synchronous FULL);
 *    the relay (5 ms poll, as the relay service) and one KafkaProjector run as their own processes
 *    (bench/pipelineWorker.ts), as in production. Baseline, right before each level: kafkajs
 *    produce -> consume latency at the same rate.
 *
 * The projector writes to the in-memory read store by default: the pipeline's own lag, without a
 * database's. `--read-stores mongo` writes to MongoDB instead (a fresh database), which is worth it
 * against a real MongoDB (MONGO_URL). Against FerretDB it measures FerretDB: its SQLite backend reads
 * the whole collection for every guarded write (see mongoReadStore.ts), so a one-event commit took
 * ~50 ms at 100 ledger entries and ~370 ms at 2,000 here, and the projector falls behind at any of
 * these rates; run it there at a few events per second (`--rates 5`).
 */
import { SqliteEventStore } from '@app/event-store/sqlite';
import { type EventMessage, contractTopics, toEventMessage, topicsFor } from '@app/messaging';
import { KafkaMessaging } from '@app/messaging/kafka';
import type { LoggerService } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Message } from 'kafkajs';
import { EventRelay } from '../apps/relay/src/eventRelay';
import { FERRETDB_VERSION } from '../scripts/infra/ferretdb';
import { KAFKA_VERSION } from '../scripts/infra/kafka';
import type { ProjectorWorkerConfig, WorkerConfig, WorkerMessage } from './pipelineWorker';
import { EconomyTraffic, recordedTraffic } from './support/economyTraffic';
import { type ApplyReport, type PublishReport, timePublishes } from './support/instrument';
import {
  createTopic,
  deleteTopics,
  idempotentProducer,
  messageCount,
  partitionOf,
  rawKafka,
} from './support/kafka';
import { type Machine, integer, machine, ms, ratio, runAndReport, runMain } from './support/report';
import { forkWorker } from './support/fork';
import { type BenchServers, Cleanup, benchServers } from './support/servers';
import { type Distribution, distribution, now, sleep, steadily, waitUntil } from './support/stats';

const REPO_ROOT = resolve(__dirname, '..');
const WORKER = join(__dirname, 'pipelineWorker.ts');
export const DEFAULT_RESULTS = join(REPO_ROOT, 'bench', 'results', 'pipeline.json');

/** The relay's production settings: batches of 1000, KAFKA_PARTITIONS 6, a 5 ms SQLite poll. */
const PARTITIONS = 6;
const BATCH_SIZE = 1000;
const RELAY_POLL_MS = 5;
/** Economy streams (players) the traffic is spread over. */
const PLAYERS = 1000;
/** Events per append when pre-filling the log. */
const FILL_CHUNK = 10;

export type ReadStoreKind = 'mongo' | 'memory';

const quiet: LoggerService = {
  log: () => undefined,
  warn: () => undefined,
  error: (...args: unknown[]) => console.error(...args),
};

const runId = () => randomUUID().replace(/-/g, '').slice(0, 10);

export type ProducerBaseline = {
  messages: number;
  seconds: number;
  messagesPerSecond: number;
  meanValueBytes: number;
  /** Messages the topic holds afterwards (sum of the partitions' end offsets). */
  published: number;
};

export type RelayThroughput = {
  events: number;
  seconds: number;
  eventsPerSecond: number;
  /** Messages the topic holds afterwards: the events plus one watermark per partition per batch. */
  published: number;
  batches: number;
  /** Share of the time spent inside publisher.publish (until the broker acknowledged). */
  publishShare: number;
  fillSeconds: number;
};

export type KafkaLatency = {
  rate: number;
  achievedRate: number;
  sent: number;
  /** Handed to the producer -> received by a consumer-group member (eachBatch). */
  latency: Distribution;
};

export type LagLevel = {
  readStore: ReadStoreKind;
  rate: number;
  seconds: number;
  achievedRate: number;
  appended: number;
  /** Appended events the read models had applied when the level ended (all of them once caught up). */
  applied: number;
  /**
   * The pipeline kept up: every event applied within the catch-up time, and the lag did not grow
   * through the run (last quarter's p50 at most twice the first quarter's + 100 ms).
   */
  keptUp: boolean;
  lagTrend: { firstQuarterP50: number; lastQuarterP50: number };
  /** Append acknowledged -> the read-store commit holding the event (documents, then its partition's checkpoint) returned. */
  eventApplied: Distribution;
  /** Append acknowledged -> every partition's checkpoint at or past the event (what read-after-write waits for). */
  readAfterWrite: Distribution;
  /** The append itself (group commit + fsync), for reference. */
  append: Distribution;
  /** eventApplied split: log -> relay publish start -> the projector's handler has the batch -> committed. */
  stages: { logToRelay: Distribution; kafka: Distribution; apply: Distribution };
  relayBatches: number;
  projectorCommits: number;
  /** After the last append was acknowledged: until every partition's checkpoint had reached it. */
  drainMs: number;
  baseline: KafkaLatency;
};

export type PipelineResults = {
  date: string;
  machine: Machine;
  servers: { kafka: string; mongo: string; startedByBench: string[] };
  settings: {
    events: number;
    partitions: number;
    batchSize: number;
    players: number;
    warmupSeconds: number;
    steady: { rate: number; seconds: number }[];
    readStores: ReadStoreKind[];
    notes: string[];
  };
  throughput: {
    baseline: ProducerBaseline[];
    baselineMessagesPerSecond: number;
    relay: RelayThroughput;
    /** relay events/s divided by the baseline messages/s. */
    ratio: number;
  };
  lag: LagLevel[];
};

// ---------------------------------------------------------------------------------------------------
// 1. Baseline: kafkajs producer throughput

export async function measureProducerBaseline(options: {
  brokers: string;
  events: number;
  partitions?: number;
  batchSize?: number;
  players?: number;
}): Promise<ProducerBaseline> {
  const { brokers, events, partitions = PARTITIONS, batchSize = BATCH_SIZE, players = PLAYERS } = options;
  const messages: EventMessage[] = recordedTraffic(events, players).map(toEventMessage);
  const meanValueBytes = messages.reduce((sum, { value }) => sum + Buffer.byteLength(value), 0) / events;
  const kafka = rawKafka(brokers, 'bench-baseline');
  const admin = kafka.admin();
  const producer = idempotentProducer(kafka);
  const topic = `bench-${runId()}.producer`;
  await admin.connect();
  try {
    await createTopic(admin, topic, partitions);
    await producer.connect();
    // The first send fetches the topic's metadata; the relay's first batch pays the same.
    const start = now();
    for (let i = 0; i < messages.length; i += batchSize) {
      await producer.send({ topic, acks: -1, messages: messages.slice(i, i + batchSize) });
    }
    const seconds = (now() - start) / 1000;
    return {
      messages: events,
      seconds,
      messagesPerSecond: events / seconds,
      meanValueBytes: Math.round(meanValueBytes),
      published: await messageCount(admin, topic),
    };
  } finally {
    await producer.disconnect();
    await deleteTopics(admin, [topic]);
    await admin.disconnect();
  }
}

// ---------------------------------------------------------------------------------------------------
// 2. Relay throughput

export async function measureRelayThroughput(options: {
  brokers: string;
  events: number;
  dir: string;
  partitions?: number;
  batchSize?: number;
  players?: number;
}): Promise<RelayThroughput> {
  const { brokers, events, partitions = PARTITIONS, batchSize = BATCH_SIZE } = options;
  const streams = Math.min(options.players ?? PLAYERS, Math.max(1, Math.ceil(events / 50)));
  const file = join(options.dir, `relay-${runId()}`, 'events.db');

  // 1. Fill the log: chunks of events per stream at their expected revisions, one group commit per
  //    round over the streams. synchronous=NORMAL here: the fill is not what is measured.
  const fill = new SqliteEventStore(file, { synchronous: 'NORMAL' });
  const traffic = new EconomyTraffic(streams);
  const fillStart = now();
  for (let appended = 0; appended < events;) {
    const round = [];
    for (let player = 0; player < streams && appended < events; player++) {
      const chunk = traffic.nextChunk(player, Math.min(FILL_CHUNK, events - appended));
      round.push(fill.appendToStream(chunk.streamId, chunk.events, chunk.expected));
      appended += chunk.events.length;
    }
    await Promise.all(round);
  }
  await fill.close();
  const fillSeconds = (now() - fillStart) / 1000;

  // 2. Relay it as production does: the store at synchronous=FULL (each checkpoint save is fsynced).
  const store = new SqliteEventStore(file);
  const head = await store.headPosition();
  const topic = `bench-${runId()}.relay`;
  const messaging = new KafkaMessaging({ brokers: [brokers], clientId: 'bench-relay' });
  const admin = rawKafka(brokers, 'bench-relay-admin').admin();
  await admin.connect();
  try {
    await messaging.ensureTopics([{ topic, partitions }]);
    const publishes: PublishReport[] = [];
    const relay = new EventRelay({
      events: store,
      connect: async () => timePublishes(await messaging.publisher(), (report) => publishes.push(report)),
      topic,
      partitions,
      instanceId: 'bench-relay',
      logger: quiet,
      batchSize,
    });
    // From start: the producer's connect and the lease are part of what the relay does.
    const start = now();
    relay.start();
    while ((await store.loadCheckpoint('relay')) < head) await sleep(1);
    const seconds = (now() - start) / 1000;
    await relay.stop();
    const publishing = publishes.reduce((sum, { startedAt, ackedAt }) => sum + ackedAt - startedAt, 0);
    return {
      events: head,
      seconds,
      eventsPerSecond: head / seconds,
      published: await messageCount(admin, topic),
      batches: publishes.length,
      publishShare: publishing / 1000 / seconds,
      fillSeconds,
    };
  } finally {
    await messaging.close();
    await store.close();
    await deleteTopics(admin, [topic]);
    await admin.disconnect();
  }
}

// ---------------------------------------------------------------------------------------------------
// 3a. Baseline of the lag: kafkajs produce -> consume at the same rate

export async function measureKafkaLatency(options: {
  brokers: string;
  rate: number;
  seconds: number;
  warmupSeconds: number;
  partitions?: number;
  players?: number;
}): Promise<KafkaLatency> {
  const { brokers, rate, seconds, warmupSeconds, partitions = PARTITIONS, players = PLAYERS } = options;
  const templates = recordedTraffic(
    Math.round(rate * warmupSeconds) + Math.round(rate * seconds),
    players,
  ).map(toEventMessage);
  const kafka = rawKafka(brokers, 'bench-latency');
  const admin = kafka.admin();
  const producer = idempotentProducer(kafka);
  // The consumer settings of KafkaMessaging.consume, and KafkaProjector's concurrency of 2.
  const consumer = kafka.consumer({
    groupId: `bench-${runId()}.latency`,
    allowAutoTopicCreation: false,
    sessionTimeout: 10_000,
    heartbeatInterval: 1000,
  });
  const topic = `bench-${runId()}.latency`;
  await admin.connect();
  try {
    await createTopic(admin, topic, partitions);
    await producer.connect();
    const received: number[] = [];
    let delivered = 0;
    const joined = new Promise((done) => consumer.on(consumer.events.GROUP_JOIN, done));
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      partitionsConsumedConcurrently: 2,
      eachBatch: async ({ batch }) => {
        const at = now();
        for (const message of batch.messages) {
          const seq = Number(message.headers?.['bench-seq']);
          if (received[seq] === undefined) delivered++;
          received[seq] = at;
        }
      },
    });
    await joined;

    // As the relay does: one send at a time, each taking everything that fell due meanwhile.
    const sentAt: number[] = [];
    const queue: Message[] = [];
    let sending: Promise<void> | undefined;
    let failure: unknown;
    const pump = async () => {
      while (queue.length > 0) {
        await producer.send({ topic, acks: -1, messages: queue.splice(0, BATCH_SIZE) });
      }
    };
    const emit = (count: number) => {
      for (let i = 0; i < count; i++) {
        const seq = sentAt.length;
        const { key, value, headers } = templates[seq];
        sentAt.push(now());
        queue.push({ key, value, headers: { ...headers, 'bench-seq': String(seq) } });
      }
      sending ??= pump().then(
        () => (sending = undefined),
        (error: unknown) => {
          failure ??= error;
        },
      );
    };
    await steadily(rate, warmupSeconds, emit);
    const from = sentAt.length;
    const load = await steadily(rate, seconds, emit);
    if (
      !(await waitUntil(
        () => delivered >= sentAt.length,
        60_000,
        () => failure,
      ))
    ) {
      throw new Error(`kafkajs baseline: ${sentAt.length - delivered} messages not consumed within 60 s`);
    }
    const latencies = sentAt.slice(from).map((at, i) => received[from + i] - at);
    return {
      rate,
      achievedRate: load.count / load.seconds,
      sent: load.count,
      latency: distribution(latencies),
    };
  } finally {
    await consumer.disconnect();
    await producer.disconnect();
    await deleteTopics(admin, [topic]);
    await admin.disconnect();
  }
}

// ---------------------------------------------------------------------------------------------------
// 3b. End-to-end lag: append -> relay process -> Kafka -> projector process -> read store

type Worker = { stop(): Promise<void> };

type Reports = {
  published: PublishReport[];
  applied: ApplyReport[];
  /** Each partition's checkpoint as last reported. */
  reached: number[];
  failure?: Error;
};

/** Forks bench/pipelineWorker.ts from source (as test/support/workers.ts runs the apps); resolves once ready. */
function startWorker(config: WorkerConfig, reports: Reports, cleanup: Cleanup): Promise<Worker> {
  const { child, exited, stop: stopWorker } = forkWorker(WORKER, config, cleanup);
  let stopping = false;
  const stop = async () => {
    stopping = true;
    // A projector in the middle of a slow read-store commit gets 30 s to finish it.
    await stopWorker(30_000);
  };
  return new Promise<Worker>((ready, fail) => {
    child.on('message', (message: WorkerMessage) => {
      if (message.type === 'ready') ready({ stop });
      else if (message.type === 'published') reports.published.push(...message.reports);
      else if (message.type === 'applied') {
        for (const report of message.reports) {
          reports.applied.push(report);
          reports.reached[report.partition] = Math.max(reports.reached[report.partition], report.position);
        }
      }
    });
    void exited.then(() => {
      const error = new Error(`the ${config.role} worker exited (${child.exitCode ?? child.signalCode})`);
      if (!stopping) reports.failure ??= error;
      fail(error);
    });
  });
}

type Append = { position: number; partition: number; requestedAt: number; ackedAt: number };
type Visible = { position: number; at: number };
type Row = { append: Append; publish: PublishReport; applied: ApplyReport; visible: Visible };

/**
 * Per event: when its relay batch was published, when the batch of its partition holding it reached
 * the projector's handler and was committed, and when every partition's checkpoint had passed it.
 */
function analyse(appends: Append[], reports: Reports, partitions: number) {
  const published = reports.published;
  const byPartition = Array.from({ length: partitions }, () => [] as ApplyReport[]);
  for (const report of reports.applied) byPartition[report.partition].push(report);
  // The slowest partition's checkpoint over time: what read-after-write waits on.
  const checkpoints = new Array<number>(partitions).fill(0);
  const slowest: Visible[] = [...reports.applied]
    .sort((a, b) => a.appliedAt - b.appliedAt)
    .map((report) => {
      checkpoints[report.partition] = Math.max(checkpoints[report.partition], report.position);
      return { position: Math.min(...checkpoints), at: report.appliedAt };
    });

  let p = 0;
  let s = 0;
  const cursor = new Array<number>(partitions).fill(0);
  const rows = [...appends]
    .sort((a, b) => a.position - b.position)
    .map((append) => {
      const own = byPartition[append.partition];
      while (p < published.length && published[p].position < append.position) p++;
      while (
        cursor[append.partition] < own.length &&
        own[cursor[append.partition]].position < append.position
      ) {
        cursor[append.partition]++;
      }
      while (s < slowest.length && slowest[s].position < append.position) s++;
      return { append, publish: published[p], applied: own[cursor[append.partition]], visible: slowest[s] };
    })
    // Only events the read models reached (all of them, unless the pipeline fell behind for good).
    .filter(
      (row): row is Row =>
        row.publish !== undefined && row.applied !== undefined && row.visible !== undefined,
    );

  // Falling behind shows as lag that grows through the run; keeping up, as lag that does not.
  const lagOf = (row: Row) => row.applied.appliedAt - row.append.ackedAt;
  const quarter = Math.floor(rows.length / 4);
  return {
    applied: rows.length,
    lagTrend: {
      firstQuarterP50: distribution(rows.slice(0, quarter).map(lagOf)).p50,
      lastQuarterP50: distribution(rows.slice(rows.length - quarter).map(lagOf)).p50,
    },
    /** When every partition's checkpoint had reached `position`. */
    visibleAt: (position: number) => slowest.find((entry) => entry.position >= position)?.at ?? NaN,
    eventApplied: distribution(rows.map(lagOf)),
    readAfterWrite: distribution(rows.map((row) => row.visible.at - row.append.ackedAt)),
    append: distribution(rows.map((row) => row.append.ackedAt - row.append.requestedAt)),
    stages: {
      logToRelay: distribution(rows.map((row) => row.publish.startedAt - row.append.ackedAt)),
      kafka: distribution(rows.map((row) => row.applied.receivedAt - row.publish.startedAt)),
      apply: distribution(rows.map((row) => row.applied.appliedAt - row.applied.receivedAt)),
    },
  };
}

export async function measureEndToEndLag(options: {
  brokers: string;
  readStore: ReadStoreKind;
  /** Required for the mongo read store: the projector writes to a fresh database there. */
  mongoUrl?: string;
  /** The mongo read store's maxWritesPerCall (FerretDB needs one). */
  mongoWritesPerCall?: number;
  dir: string;
  cleanup: Cleanup;
  levels: { rate: number; seconds: number }[];
  warmupSeconds: number;
  /** Drop the read models' database afterwards (for a MongoDB the bench did not start). */
  dropDatabase?: boolean;
  partitions?: number;
  players?: number;
  log?: (line: string) => void;
}): Promise<LagLevel[]> {
  const { brokers, cleanup, partitions = PARTITIONS, players = PLAYERS, log = () => undefined } = options;
  const id = runId();
  const topics = topicsFor(`bench-${id}.`);
  const messaging = new KafkaMessaging({ brokers: [brokers], clientId: 'bench' });
  const admin = rawKafka(brokers, 'bench-lag-admin').admin();
  const file = join(options.dir, `lag-${id}`, 'events.db');
  // The API's store: synchronous=FULL, one fsync per group commit.
  const events = new SqliteEventStore(file);
  const reports: Reports = { published: [], applied: [], reached: new Array<number>(partitions).fill(0) };
  if (options.readStore === 'mongo' && !options.mongoUrl)
    throw new Error('the mongo read store needs mongoUrl');
  const readStore: ProjectorWorkerConfig['readStore'] =
    options.readStore === 'memory'
      ? { kind: 'memory' }
      : {
          kind: 'mongo',
          mongoUrl: options.mongoUrl!,
          dbName: `bench_${id}`,
          maxWritesPerCall: options.mongoWritesPerCall,
        };
  const workers: Worker[] = [];
  await admin.connect();
  try {
    await messaging.ensureTopics(contractTopics(topics, partitions));
    workers.push(
      ...(await Promise.all([
        startWorker(
          { role: 'relay', file, brokers, topic: topics.events, partitions, pollIntervalMs: RELAY_POLL_MS },
          reports,
          cleanup,
        ),
        startWorker(
          {
            role: 'projector',
            brokers,
            readStore,
            topic: topics.events,
            deadLetterTopic: topics.deadLetters,
            groupId: `bench-${id}.projector`,
            partitions,
            dropDatabase: options.dropDatabase ?? false,
          },
          reports,
          cleanup,
        ),
      ])),
    );

    const traffic = new EconomyTraffic(players);
    const partition = partitionOf(partitions);
    const levels: LagLevel[] = [];
    for (const { rate, seconds } of options.levels) {
      const name = `lag at ${rate}/s (${options.readStore} read store)`;
      log(`${name}: kafkajs baseline, ${seconds} s`);
      const baseline = await measureKafkaLatency({
        brokers,
        rate,
        seconds,
        warmupSeconds: options.warmupSeconds,
        partitions,
        players,
      });

      log(`${name}: pipeline, ${seconds} s`);
      const appends: Append[] = [];
      let inFlight = 0;
      let failure: unknown;
      // Each append is one command's event, as the API appends it; those due together share a group commit.
      const emit = (measured: boolean) => (count: number) => {
        for (let i = 0; i < count; i++) {
          const { streamId, expected, event } = traffic.next();
          const requestedAt = now();
          inFlight++;
          events.appendToStream(streamId, [event], expected).then(
            ({ position }) => {
              inFlight--;
              if (!measured) return;
              appends.push({ position, partition: partition(streamId), requestedAt, ackedAt: now() });
            },
            (error: unknown) => (failure ??= error),
          );
        }
      };
      await steadily(rate, options.warmupSeconds, emit(false));
      const publishedBefore = reports.published.length;
      const appliedBefore = reports.applied.length;
      const load = await steadily(rate, seconds, emit(true));
      if (
        !(await waitUntil(
          () => inFlight === 0,
          30_000,
          () => failure,
        ))
      ) {
        throw new Error(`${inFlight} appends not acknowledged within 30 s`);
      }
      const lastAck = Math.max(...appends.map((append) => append.ackedAt));
      const head = Math.max(...appends.map((append) => append.position));
      const caughtUp = await waitUntil(
        () => Math.min(...reports.reached) >= head,
        Math.max(30_000, seconds * 3000),
        () => reports.failure,
      );
      // The relay sends its reports every 100 ms: wait for the one of the last batch too.
      await waitUntil(
        () => (reports.published.at(-1)?.position ?? 0) >= head,
        5000,
        () => reports.failure,
      );
      const result = analyse(appends, reports, partitions);
      const { firstQuarterP50, lastQuarterP50 } = result.lagTrend;
      levels.push({
        readStore: options.readStore,
        rate,
        seconds,
        achievedRate: load.count / load.seconds,
        appended: appends.length,
        applied: result.applied,
        keptUp: caughtUp && lastQuarterP50 <= 2 * firstQuarterP50 + 100,
        lagTrend: result.lagTrend,
        eventApplied: result.eventApplied,
        readAfterWrite: result.readAfterWrite,
        append: result.append,
        stages: result.stages,
        relayBatches: reports.published.length - publishedBefore,
        projectorCommits: reports.applied.length - appliedBefore,
        drainMs: result.visibleAt(head) - lastAck,
        baseline,
      });
      if (!caughtUp) {
        // Its backlog would be measured as the next level's lag.
        log(`${name}: the read models did not catch up; no higher rate on this read store`);
        break;
      }
    }
    return levels;
  } finally {
    await Promise.all(workers.map((worker) => worker.stop()));
    await events.close();
    await messaging.close();
    await deleteTopics(admin, [topics.events, topics.deadLetters]);
    await admin.disconnect();
  }
}

// ---------------------------------------------------------------------------------------------------
// The whole run

export async function runPipelineBench(options: {
  events: number;
  levels: { rate: number; seconds: number }[];
  warmupSeconds: number;
  readStores: ReadStoreKind[];
  cleanup: Cleanup;
  log: (line: string) => void;
  /** Servers to use as they are; by default benchServers() (the environment's, or its own). */
  servers?: { brokers: string; mongoUrl?: string; mongoWritesPerCall?: number };
}): Promise<PipelineResults> {
  const { events, levels, warmupSeconds, readStores, cleanup, log } = options;
  const servers: BenchServers = options.servers
    ? { ...options.servers, started: [] }
    : await benchServers(cleanup, log, { mongo: readStores.includes('mongo') });
  const dir = mkdtempSync(join(tmpdir(), 'bench-pipeline-'));
  cleanup.add('the temp dir', async () => rmSync(dir, { recursive: true, force: true }));
  const { brokers, mongoUrl, mongoWritesPerCall } = servers;

  // Unmeasured: kafkajs's encoding is JIT-compiled before the first measured run, not during it.
  log(`throughput: warming kafkajs up`);
  await measureProducerBaseline({ brokers, events: Math.min(events, 10_000) });
  log(`throughput: kafkajs producer baseline, ${events} messages`);
  const before = await measureProducerBaseline({ brokers, events });
  log(`throughput: relay, ${events} events`);
  const relay = await measureRelayThroughput({ brokers, events, dir });
  log(`throughput: kafkajs producer baseline again`);
  const after = await measureProducerBaseline({ brokers, events });
  const baselineMessagesPerSecond = (before.messagesPerSecond + after.messagesPerSecond) / 2;

  const lag: LagLevel[] = [];
  for (const readStore of readStores) {
    lag.push(
      ...(await measureEndToEndLag({
        brokers,
        readStore,
        mongoUrl,
        mongoWritesPerCall,
        dir,
        cleanup,
        levels,
        warmupSeconds,
        dropDatabase: !servers.started.includes('ferretdb'),
        log,
      })),
    );
  }

  return {
    date: new Date().toISOString(),
    machine: machine(),
    servers: {
      kafka: servers.started.includes('kafka')
        ? `Apache Kafka ${KAFKA_VERSION} (KRaft, 1 node, loopback)`
        : `Kafka at ${brokers}`,
      mongo: !mongoUrl
        ? 'no MongoDB (not asked for)'
        : servers.started.includes('ferretdb')
          ? `FerretDB ${FERRETDB_VERSION} (SQLite backend, loopback)`
          : 'MongoDB at MONGO_URL',
      startedByBench: servers.started,
    },
    settings: {
      events,
      partitions: PARTITIONS,
      batchSize: BATCH_SIZE,
      players: PLAYERS,
      warmupSeconds,
      steady: levels,
      readStores,
      notes: [
        'relay throughput: log pre-filled at synchronous=NORMAL (not measured); the relay runs on synchronous=FULL',
        'lag: appends in the bench process at synchronous=FULL; relay (SQLite poll 5 ms) and projector (concurrency 2) in their own processes',
        'lag is measured from the acknowledged append; the projector timestamps each read-store commit as it returns',
        'baselines: kafkajs with the producer and consumer settings of KafkaMessaging, in the same run',
      ],
    },
    throughput: {
      baseline: [before, after],
      baselineMessagesPerSecond,
      relay,
      ratio: relay.eventsPerSecond / baselineMessagesPerSecond,
    },
    lag,
  };
}

const STORE_NAMES: Record<ReadStoreKind, string> = { mongo: 'MongoDB', memory: 'in-memory read store' };

/** docs/performance.md's table: every figure beside its baseline from the same run. */
export function toMarkdown(results: PipelineResults): string {
  const { throughput, machine } = results;
  const rows: string[][] = [
    [
      `relay throughput, events/s (${integer(results.settings.events)} events, batches of ${results.settings.batchSize})`,
      integer(throughput.relay.eventsPerSecond),
      `${integer(throughput.baselineMessagesPerSecond)} msgs/s (kafkajs producer)`,
      ratio(throughput.relay.eventsPerSecond, throughput.baselineMessagesPerSecond),
    ],
  ];
  for (const level of results.lag) {
    const base = level.baseline.latency;
    const at = `${level.rate}/s, ${STORE_NAMES[level.readStore]}${level.keptUp ? '' : ', fell behind'}`;
    for (const q of ['p50', 'p95', 'p99', 'max'] as const) {
      rows.push([
        `lag ${q}, ms (${at})`,
        ms(level.eventApplied[q]),
        `${ms(base[q])} (kafkajs produce → consume)`,
        ratio(level.eventApplied[q], base[q]),
      ]);
    }
    for (const q of ['p50', 'p99'] as const) {
      rows.push([
        `read-after-write ${q}, ms (${at})`,
        ms(level.readAfterWrite[q]),
        `${ms(base[q])} (kafkajs produce → consume)`,
        ratio(level.readAfterWrite[q], base[q]),
      ]);
    }
  }
  const pair = (d: Distribution) => `${ms(d.p50)} / ${ms(d.p99)}`;
  const stages = results.lag.map(
    (level) =>
      `| ${level.rate}/s, ${STORE_NAMES[level.readStore]} | ${pair(level.stages.logToRelay)} | ` +
      `${pair(level.stages.kafka)} | ${pair(level.stages.apply)} | ${pair(level.append)} | ` +
      `${integer(level.achievedRate)} | ${level.keptUp ? 'yes' : 'no'} |`,
  );
  return [
    `Pipeline benchmark, ${results.date.slice(0, 10)}: ${machine.cpus} cores (${machine.cpuModel}), ` +
      `Node ${machine.node}; ${results.servers.kafka}` +
      (results.settings.readStores.includes('mongo') ? `; ${results.servers.mongo}.` : '.'),
    '',
    '| metric | value | baseline | ratio |',
    '| --- | ---: | ---: | ---: |',
    ...rows.map((row) => `| ${row.join(' | ')} |`),
    '',
    'Where the lag goes, p50 / p99 ms:',
    '',
    '| load | log → relay publish | publish → projector handler | apply + checkpoint | append itself | achieved events/s | kept up |',
    '| --- | ---: | ---: | ---: | ---: | ---: | --- |',
    ...stages,
  ].join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      events: { type: 'string', default: '50000' },
      rates: { type: 'string', default: '200,500' },
      seconds: { type: 'string', default: '20' },
      warmup: { type: 'string', default: '5' },
      'read-stores': { type: 'string', default: 'memory' },
      json: { type: 'string', default: DEFAULT_RESULTS },
    },
  });
  const events = Number(values.events);
  const seconds = Number(values.seconds);
  const warmupSeconds = Number(values.warmup);
  const rates = values.rates.split(',').map(Number);
  const readStores = values['read-stores'].split(',') as ReadStoreKind[];
  if (
    !Number.isInteger(events) ||
    events < 1 ||
    !(seconds > 0) ||
    !(warmupSeconds >= 0) ||
    rates.some((rate) => !(rate > 0)) ||
    readStores.some((kind) => kind !== 'mongo' && kind !== 'memory')
  ) {
    throw new Error(
      'usage: bench/pipeline.ts [--events N] [--rates R1,R2] [--seconds S] [--warmup S] ' +
        '[--read-stores mongo,memory] [--json FILE]',
    );
  }
  await runAndReport(
    resolve(values.json),
    (cleanup, log) =>
      runPipelineBench({
        events,
        levels: rates.map((rate) => ({ rate, seconds })),
        warmupSeconds,
        readStores,
        cleanup,
        log,
      }),
    toMarkdown,
  );
}

if (require.main === module) runMain(main);
