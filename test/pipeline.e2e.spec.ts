import { partitionCheckpoint, topicsFor } from '@app/messaging';
import { readModelCollections } from '@app/projections';
import { MongoReadStore } from '@app/read-store';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readModelDigest, rebuiltReadModels } from './support/readModels';
import { KAFKA, MONGO, describeWith, serverAddress } from './support/servers';
import { keys, startApp, type TestApp } from './support/testApp';
import { WorkerProcess } from './support/workers';

const PARTITIONS = 4;

/**
 * Cluster mode as separate processes: the API appends to SQLite, the relay publishes the log to Kafka,
 * two projectors apply it to MongoDB (FerretDB). The API serves reads from MongoDB.
 */
describeWith(
  [KAFKA, MONGO],
  'Kafka pipeline end to end: api -> relay -> Kafka -> projectors -> MongoDB',
  () => {
    const suffix = randomUUID().slice(0, 8);
    const prefix = `e2e-${suffix}.`;
    const dataDir = mkdtempSync(join(tmpdir(), 'pipeline-'));
    const env = {
      DATA_DIR: dataDir,
      KAFKA_BROKERS: serverAddress(KAFKA)!,
      KAFKA_TOPIC_PREFIX: prefix,
      KAFKA_PARTITIONS: String(PARTITIONS),
      MONGO_URL: `${serverAddress(MONGO)}pipeline_${suffix.replace(/-/g, '')}`,
      RELAY_LEASE_TTL_MS: '1500',
      // The workers start cold (compiled from source, joining the consumer group) during the first test.
      READ_AFTER_WRITE_TIMEOUT_MS: '20000',
    };
    let api: TestApp;
    let readStore: MongoReadStore;
    const relay = new WorkerProcess('relay', env);
    const projectors = [new WorkerProcess('projector', env), new WorkerProcess('projector', env)];
    const workers = [relay, ...projectors];

    beforeAll(async () => {
      workers.forEach((worker) => worker.start());
      api = await startApp({ dataDir, env });
      readStore = await MongoReadStore.open({ url: env.MONGO_URL, collections: readModelCollections });
    }, 60_000);

    afterAll(async () => {
      await Promise.all(workers.map((worker) => worker.stop()));
      await api?.close();
      await readStore?.close();
      rmSync(dataDir, { recursive: true, force: true });
    });

    /** Resolves once every partition's checkpoint has passed the event store's head. */
    const caughtUp = async (timeoutMs = 60_000) => {
      const head = await api.events.headPosition();
      const names = Array.from({ length: PARTITIONS }, (_, p) =>
        partitionCheckpoint(topicsFor(prefix).events, p),
      );
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const stored = await readStore.checkpoints(prefix);
        if (names.every((name) => (stored.get(name) ?? 0) >= head)) return head;
        if (Date.now() > deadline) {
          throw new Error(
            `read models behind head ${head}: ${JSON.stringify([...stored])}\n--- worker output ---\n${workers
              .map((w) => `[${w.app}] ${w.output.slice(-3000)}`)
              .join('\n')}`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };

    it('serves what HTTP commands did, read from MongoDB after the relay and a projector applied it', async () => {
      await api.command('PUT', '/v1/catalog/items/e2e-sword', {
        name: 'Sword',
        prices: { GOLD: 40 },
        stackable: false,
      });
      const player = `e2e-${suffix}`;
      await api.command(
        'POST',
        `/v1/players/${player}/grants`,
        { currency: 'GOLD', amount: 100, reason: 'quest' },
        keys.game,
      );
      const purchase = await api.command(
        'POST',
        `/v1/players/${player}/purchases`,
        { sku: 'e2e-sword', quantity: 1 },
        keys.game,
      );
      expect(purchase.status).toBe(201);

      // Read-after-write across processes: the API waits for every partition's checkpoint.
      const wallet = await api.query(`/v1/players/${player}/wallet?minPosition=${purchase.body.position}`);
      expect(wallet.status).toBe(200);
      expect(wallet.body.balances).toEqual({ GOLD: 60 });
      const inventory = await api.query(
        `/v1/players/${player}/inventory?minPosition=${purchase.body.position}`,
      );
      expect(inventory.body.items).toEqual([{ sku: 'e2e-sword', quantity: 1 }]);
    }, 60_000);

    it('kill -9 of the relay and the projectors under load: read models equal a clean rebuild', async () => {
      const players = Array.from({ length: 60 }, (_, i) => `load-${suffix}-${i}`);
      await api.command('PUT', '/v1/catalog/items/load-gem', {
        name: 'Gem',
        prices: { GOLD: 7 },
        stackable: true,
      });
      await api.command('PUT', `/v1/leaderboards/load-${suffix}`, {
        sortOrder: 'desc',
        operator: 'best',
        resetSchedule: 'never',
      });
      const commands = Array.from({ length: 3000 }, (_, i) => {
        const player = players[i % players.length];
        switch (i % 3) {
          case 0:
            return () =>
              api.command(
                'POST',
                `/v1/players/${player}/grants`,
                { currency: 'GOLD', amount: 10, reason: 'match' },
                keys.game,
              );
          case 1:
            return () =>
              api.command(
                'POST',
                `/v1/players/${player}/purchases`,
                { sku: 'load-gem', quantity: 1 },
                keys.game,
              );
          default:
            return () =>
              api.command(
                'POST',
                `/v1/leaderboards/load-${suffix}/scores`,
                { playerId: player, score: (i * 7919) % 1000 },
                keys.game,
              );
        }
      });

      let loading = true;
      const kills: string[] = [];
      const chaos = (async () => {
        while (loading) {
          await sleep(200 + Math.random() * 500);
          const victim = workers[Math.floor(Math.random() * workers.length)];
          await victim.kill9();
          kills.push(victim.app);
          await sleep(Math.random() * 400);
          victim.start();
        }
      })();

      const failures: unknown[] = [];
      let next = 0;
      await Promise.all(
        Array.from({ length: 16 }, async () => {
          while (next < commands.length) {
            const response = await commands[next++]();
            if (response.status !== 201 && response.status !== 409) failures.push(response.body);
          }
        }),
      );
      loading = false;
      await chaos;

      // Purchases may be refused for lack of gold; nothing may fail on the server.
      expect(failures).toEqual([]);
      expect(kills.length).toBeGreaterThanOrEqual(3);
      await caughtUp();

      const live = await readModelDigest(readStore);
      const rebuilt = await readModelDigest(await rebuiltReadModels(api.events));
      expect(live).toEqual(rebuilt);
      expect(live.ledger.count).toBeGreaterThan(1000);
    }, 180_000);
  },
);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
