/**
 * The relay or the projector of the lag benchmark as its own OS process, as in production, wired as
 * apps/relay and apps/projector wire them. Started by bench/pipeline.ts (fork + IPC), never by hand.
 *
 * It adds only timestamps: the relay reports when each publish started and was acknowledged, the
 * projector when each partition batch reached it and when its read-store commit (documents, then the
 * checkpoint) returned. Reports go to the parent in bulk every 100 ms; the times are taken when things
 * happen, so the bulk sending delays nothing that is measured.
 */
import { SqliteEventStore } from '@app/event-store/sqlite';
import { partitionCheckpoint } from '@app/messaging';
import { KafkaMessaging } from '@app/messaging/kafka';
import { readModelCollections, readModels } from '@app/projections';
import type { ProjectionTarget } from '@app/read-store';
import { MemoryReadStore } from '@app/read-store/memory';
import { MongoReadStore } from '@app/read-store/mongo';
import type { LoggerService } from '@nestjs/common';
import { KafkaProjector } from '../apps/projector/src/kafkaProjector';
import { EventRelay } from '../apps/relay/src/eventRelay';
import { type ApplyReport, type PublishReport, timePublishes } from './support/instrument';
import { now, sleep } from './support/stats';

export type RelayWorkerConfig = {
  role: 'relay';
  file: string;
  brokers: string;
  topic: string;
  partitions: number;
  /** The relay service's SQLite poll (apps/relay/src/relay.service.ts). */
  pollIntervalMs: number;
};

export type ProjectorWorkerConfig = {
  role: 'projector';
  brokers: string;
  /** MongoDB (a fresh database `dbName` at `mongoUrl`), or memory: the projector without a database's cost. */
  readStore:
    { kind: 'mongo'; mongoUrl: string; dbName: string; maxWritesPerCall?: number } | { kind: 'memory' };
  topic: string;
  deadLetterTopic: string;
  groupId: string;
  partitions: number;
  /** Drop the database on stop (a server the bench did not start keeps no leftovers). */
  dropDatabase: boolean;
};

export type WorkerConfig = RelayWorkerConfig | ProjectorWorkerConfig;

export type WorkerMessage =
  | { type: 'ready' }
  | { type: 'published'; reports: PublishReport[] }
  | { type: 'applied'; reports: ApplyReport[] };

const logger: LoggerService = {
  log: () => undefined,
  warn: () => undefined,
  error: (...args: unknown[]) => console.error('[bench worker]', ...args),
};

const send = (message: WorkerMessage) =>
  new Promise<void>((resolve) => (process.send ? process.send(message, () => resolve()) : resolve()));

/** Collects reports and sends them to the bench in bulk every 100 ms, and once more on close. */
function reporter<R>(sendAll: (reports: R[]) => Promise<void>) {
  let pending: R[] = [];
  const flush = async () => {
    if (pending.length === 0) return;
    const reports = pending;
    pending = [];
    await sendAll(reports);
  };
  const timer = setInterval(() => void flush(), 100);
  return {
    report: (report: R) => void pending.push(report),
    close: async () => {
      clearInterval(timer);
      await flush();
    },
  };
}

async function startRelay(config: RelayWorkerConfig): Promise<() => Promise<void>> {
  const events = new SqliteEventStore(config.file, { pollIntervalMs: config.pollIntervalMs });
  const messaging = new KafkaMessaging({ brokers: [config.brokers], clientId: 'relay' });
  const published = reporter<PublishReport>((reports) => send({ type: 'published', reports }));
  const relay = new EventRelay({
    events,
    connect: async () => timePublishes(await messaging.publisher(), published.report),
    topic: config.topic,
    partitions: config.partitions,
    instanceId: `bench-relay-${process.pid}`,
    logger,
  });
  relay.start();
  return async () => {
    await relay.stop();
    await published.close();
    await messaging.close();
    await events.close();
  };
}

async function startProjector(config: ProjectorWorkerConfig): Promise<() => Promise<void>> {
  const mongo =
    config.readStore.kind === 'mongo'
      ? await MongoReadStore.open({
          url: config.readStore.mongoUrl,
          dbName: config.readStore.dbName,
          collections: readModelCollections,
          maxWritesPerCall: config.readStore.maxWritesPerCall,
        })
      : undefined;
  const readStore = mongo ?? new MemoryReadStore(readModelCollections);
  const messaging = new KafkaMessaging({ brokers: [config.brokers], clientId: 'projector' });

  // KafkaProjector commits once per partition batch, inside handleBatch, through the store's projection
  // target: the store itself.
  const target: ProjectionTarget = readStore;
  const committed = new Map<string, { position: number; at: number }>();
  const commit = target.commitBatch.bind(target);
  target.commitBatch = async (writes, position, checkpoint, ...rest) => {
    await commit(writes, position, checkpoint, ...rest);
    committed.set(checkpoint ?? '', { position, at: now() });
  };
  const applied = reporter<ApplyReport>((reports) => send({ type: 'applied', reports }));
  const consume = messaging.consume.bind(messaging);
  messaging.consume = (options) =>
    consume({
      ...options,
      handleBatch: async (batch) => {
        const receivedAt = now();
        await options.handleBatch(batch);
        const last = committed.get(partitionCheckpoint(batch.topic, batch.partition));
        if (last) {
          applied.report({
            partition: batch.partition,
            position: last.position,
            receivedAt,
            appliedAt: last.at,
          });
        }
      },
    });
  const projector = new KafkaProjector({
    messaging,
    readStore,
    projections: readModels,
    topic: config.topic,
    deadLetterTopic: config.deadLetterTopic,
    groupId: config.groupId,
    logger,
  });
  await projector.start();
  // Ready once the group has given this member every partition: nothing published later waits for a join.
  const deadline = Date.now() + 60_000;
  while (projector.assignment().length < config.partitions) {
    if (Date.now() > deadline) throw new Error('the projector was not assigned every partition within 60 s');
    await sleep(20);
  }
  return async () => {
    await projector.stop();
    await applied.close();
    await messaging.close();
    if (mongo && config.dropDatabase) await mongo.connection.dropDatabase();
    await readStore.close();
  };
}

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2]) as WorkerConfig;
  // Orphaned (the bench died): stop at once rather than keep a broker connection and a lease.
  process.on('disconnect', () => process.exit(1));
  // Ctrl-C reaches the whole process group: leave stopping to the bench.
  process.on('SIGINT', () => undefined);
  const stop = config.role === 'relay' ? await startRelay(config) : await startProjector(config);
  process.on('message', (message: { type: string }) => {
    if (message.type !== 'stop') return;
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('[bench worker] stop failed:', error);
        process.exit(1);
      },
    );
  });
  await send({ type: 'ready' });
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error('[bench worker] failed:', error);
    process.exit(1);
  });
}
