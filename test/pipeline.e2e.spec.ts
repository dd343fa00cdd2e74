import { type DecodedMessage, decodeEventMessage } from '@app/messaging';
import { type Cluster, playTraffic, sleep, startCluster } from '@test/support/cluster';
import { readModelDigest, rebuiltReadModels } from '@test/support/readModels';
import { KAFKA, MONGO, describeWith, serverAddress } from '@test/support/servers';
import { keys } from '@test/support/testApp';

/**
 * Cluster mode as separate processes: the API appends to SQLite, the relay publishes the log to Kafka,
 * two projectors apply it to MongoDB (FerretDB), and the API serves reads from MongoDB.
 */
describeWith(
  [KAFKA, MONGO],
  'Kafka pipeline end to end: api -> relay -> Kafka -> projectors -> MongoDB',
  () => {
    let cluster: Cluster;
    beforeAll(async () => {
      cluster = await startCluster({ brokers: serverAddress(KAFKA)!, mongoUrl: serverAddress(MONGO)! });
    }, 60_000);
    afterAll(() => cluster?.close(), 60_000);

    it('serves what HTTP commands did, read from MongoDB after the relay and a projector applied it', async () => {
      const { api } = cluster;
      await api.command('PUT', '/v1/catalog/items/e2e-sword', {
        name: 'Sword',
        prices: { GOLD: 40 },
        stackable: false,
      });
      await api.command(
        'POST',
        '/v1/players/e2e-hero/grants',
        { currency: 'GOLD', amount: 100, reason: 'quest' },
        keys.game,
      );
      const purchase = await api.command(
        'POST',
        '/v1/players/e2e-hero/purchases',
        { sku: 'e2e-sword', quantity: 1 },
        keys.game,
      );
      expect(purchase.status).toBe(201);

      // Read-after-write across processes: the API waits for every partition's checkpoint.
      const wallet = await api.query(`/v1/players/e2e-hero/wallet?minPosition=${purchase.body.position}`);
      expect(wallet.status).toBe(200);
      expect(wallet.body.balances).toEqual({ GOLD: 60 });
      const inventory = await api.query(
        `/v1/players/e2e-hero/inventory?minPosition=${purchase.body.position}`,
      );
      expect(inventory.body.items).toEqual([{ sku: 'e2e-sword', quantity: 1 }]);
    }, 60_000);

    it('kill -9 of the relay and the projectors under load: read models equal a clean rebuild', async () => {
      let loading = true;
      const kills: string[] = [];
      const chaos = (async () => {
        while (loading) {
          await sleep(200 + Math.random() * 500);
          const victim = cluster.workers[Math.floor(Math.random() * cluster.workers.length)];
          await victim.kill9();
          kills.push(victim.app);
          await sleep(Math.random() * 400);
          victim.start();
        }
      })();
      const failures = await playTraffic(cluster.api, { commands: 3000, players: 60 });
      loading = false;
      await chaos;

      expect(failures).toEqual([]);
      expect(kills.length).toBeGreaterThanOrEqual(3);
      await cluster.caughtUp();
      const live = await readModelDigest(cluster.readStore);
      const rebuilt = await readModelDigest(await rebuiltReadModels(cluster.api.events));
      expect(live).toEqual(rebuilt);
      expect(live.ledger.count).toBeGreaterThan(1000);
    }, 180_000);

    it('publishes only messages the AsyncAPI contract accepts, every event at least once', async () => {
      const head = await cluster.caughtUp();
      // Each message decoded once, as it arrives; reading stops when every position has been seen.
      const decoded: DecodedMessage[] = [];
      const positions = new Set<number>();
      await cluster.readTopic((all) => {
        for (const message of all.slice(decoded.length)) {
          const result = decodeEventMessage(message.value, message.headers);
          decoded.push(result);
          if (result.kind === 'event') positions.add(result.event.position);
        }
        return positions.size >= head;
      });
      expect(decoded.filter((d) => d.kind === 'poison')).toEqual([]);
      expect(positions.size).toBe(head);
      // Kills between publish and checkpoint may repeat a batch; consumers dedupe by stream revision.
      const events = decoded.flatMap((d) => (d.kind === 'event' ? [d.event] : []));
      expect(new Set(events.map((e) => `${e.streamId}@${e.revision}`)).size).toBe(head);
    }, 60_000);
  },
);
