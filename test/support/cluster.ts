import { type ReceivedMessage } from '@app/messaging';
import { KafkaMessaging } from '@app/messaging/kafka';
import { readModelCollections } from '@app/projections';
import { AliasedReadStore } from '@app/read-store/mongo';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClusterWorkers, checkpointsReached, clusterDeployment } from './clusterWorkers';
import { testMongoOptions } from './servers';
import { readTopic } from './kafka';
import { keys, startApi, type Response, type TestApp } from './testApp';
import type { WorkerProcess } from './workers';

export { sleep } from './clusterWorkers';

export type Cluster = {
  api: TestApp;
  relay: WorkerProcess;
  projectors: WorkerProcess[];
  workers: WorkerProcess[];
  /** The projectors' MongoDB read models, read directly. */
  readStore: AliasedReadStore;
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
  const dataDir = mkdtempSync(join(tmpdir(), 'cluster-'));
  const deployment = clusterDeployment(options, { dataDir, partitions: options.partitions ?? 4 });
  const workers = await ClusterWorkers.start(deployment, options.projectors ?? 2);
  const api = await startApi({
    dataDir,
    // The workers start cold (compiled from source, joining the consumer group) while the first test runs.
    env: { ...deployment.env, READ_AFTER_WRITE_TIMEOUT_MS: '20000' },
  });
  const readStore = await AliasedReadStore.open({
    url: deployment.env.MONGO_URL,
    collections: readModelCollections,
    ...testMongoOptions,
  });

  return {
    api,
    relay: workers.relay,
    projectors: workers.projectors,
    workers: workers.workers,
    readStore,
    topics: deployment.topics,
    caughtUp: async (timeoutMs = 90_000) =>
      checkpointsReached(readStore, deployment, await api.events.headPosition(), {
        timeoutMs,
        explain: () => workers.output(),
      }),
    readTopic: async (until) => {
      const messaging = new KafkaMessaging({ brokers: [options.brokers], clientId: 'e2e-reader' });
      try {
        return await readTopic(messaging, deployment.topics.events, until);
      } finally {
        await messaging.close();
      }
    },
    close: async () => {
      await workers.stop();
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
