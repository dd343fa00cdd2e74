import { KafkaMessaging, type ReceivedMessage, partitionCheckpoint, topicsFor } from '@app/messaging';
import { readModelCollections } from '@app/projections';
import { MongoReadStore } from '@app/read-store';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readTopic } from './kafka';
import { keys, startApp, type Response, type TestApp } from './testApp';
import { WorkerProcess } from './workers';

export type Cluster = {
  api: TestApp;
  relay: WorkerProcess;
  projectors: WorkerProcess[];
  workers: WorkerProcess[];
  /** The projectors' MongoDB read models, read directly. */
  readStore: MongoReadStore;
  topics: { events: string; deadLetters: string };
  /** Resolves with the head position once every partition's checkpoint has reached it. */
  caughtUp(timeoutMs?: number): Promise<number>;
  /** Every message on the events topic so far, read by a throwaway consumer group. */
  readTopic(until: (messages: ReceivedMessage[]) => boolean): Promise<ReceivedMessage[]>;
  close(): Promise<void>;
};

/**
 * Cluster mode on one machine: the API in this process (SQLite event store, reads from MongoDB), the
 * relay and the projectors as OS processes, all on a topic prefix and database of their own so suites
 * can share one broker and one FerretDB.
 */
export async function startCluster(options: {
  brokers: string;
  mongoUrl: string;
  projectors?: number;
  partitions?: number;
}): Promise<Cluster> {
  const partitions = options.partitions ?? 4;
  const suffix = randomUUID().replace(/-/g, '').slice(0, 10);
  const prefix = `e2e-${suffix}.`;
  const topics = topicsFor(prefix);
  const dataDir = mkdtempSync(join(tmpdir(), 'cluster-'));
  const env = {
    DATA_DIR: dataDir,
    KAFKA_BROKERS: options.brokers,
    KAFKA_TOPIC_PREFIX: prefix,
    KAFKA_PARTITIONS: String(partitions),
    MONGO_URL: `${options.mongoUrl}cluster_${suffix}`,
    RELAY_LEASE_TTL_MS: '1500',
    // The workers start cold (compiled from source, joining the consumer group) while the first test runs.
    READ_AFTER_WRITE_TIMEOUT_MS: '20000',
  };
  const relay = new WorkerProcess('relay', env);
  const projectors = Array.from(
    { length: options.projectors ?? 2 },
    () => new WorkerProcess('projector', env),
  );
  const workers = [relay, ...projectors];
  workers.forEach((worker) => worker.start());
  const api = await startApp({ dataDir, env });
  const readStore = await MongoReadStore.open({ url: env.MONGO_URL, collections: readModelCollections });
  const checkpointNames = Array.from({ length: partitions }, (_, p) => partitionCheckpoint(topics.events, p));

  return {
    api,
    relay,
    projectors,
    workers,
    readStore,
    topics,
    caughtUp: async (timeoutMs = 90_000) => {
      const head = await api.events.headPosition();
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const stored = await readStore.checkpoints(prefix);
        if (checkpointNames.every((name) => (stored.get(name) ?? 0) >= head)) return head;
        if (Date.now() > deadline) {
          const output = workers.map((w) => `[${w.app}] ${w.output.slice(-3000)}`).join('\n');
          throw new Error(`read models behind head ${head}: ${JSON.stringify([...stored])}\n${output}`);
        }
        await sleep(100);
      }
    },
    readTopic: async (until) => {
      const messaging = new KafkaMessaging({ brokers: [options.brokers], clientId: 'e2e-reader' });
      try {
        return await readTopic(messaging, topics.events, until);
      } finally {
        await messaging.close();
      }
    },
    close: async () => {
      await Promise.all(workers.map((worker) => worker.stop()));
      await api.close();
      await readStore.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * A game's traffic over HTTP: grants, purchases and score submissions spread over many players, run
 * `concurrency` at a time. Returns the bodies of responses that were neither 201 nor a business 409.
 */
export async function playTraffic(
  api: TestApp,
  { commands, players, concurrency = 16 }: { commands: number; players: number; concurrency?: number },
): Promise<unknown[]> {
  const run = randomUUID().slice(0, 8);
  const sku = `gem-${run}`;
  const board = `board-${run}`;
  await api.command('PUT', `/v1/catalog/items/${sku}`, { name: 'Gem', prices: { GOLD: 7 }, stackable: true });
  await api.command('PUT', `/v1/leaderboards/${board}`, {
    sortOrder: 'desc',
    operator: 'best',
    resetSchedule: 'never',
  });
  const send = (i: number): Promise<Response> => {
    const player = `player-${run}-${i % players}`;
    switch (i % 3) {
      case 0:
        return api.command(
          'POST',
          `/v1/players/${player}/grants`,
          { currency: 'GOLD', amount: 10, reason: 'match' },
          keys.game,
        );
      case 1:
        return api.command('POST', `/v1/players/${player}/purchases`, { sku, quantity: 1 }, keys.game);
      default:
        return api.command(
          'POST',
          `/v1/leaderboards/${board}/scores`,
          { playerId: player, score: (i * 7919) % 1000 },
          keys.game,
        );
    }
  };
  const failures: unknown[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < commands) {
        const response = await send(next++);
        // Purchases may be refused for lack of gold; nothing may fail on the server.
        if (response.status !== 201 && response.status !== 409) failures.push(response.body);
      }
    }),
  );
  return failures;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
