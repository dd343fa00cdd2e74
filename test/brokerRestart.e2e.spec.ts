import { type KafkaServer, startKafka } from '@test/support/servers';
import { type Cluster, playTraffic, sleep, startCluster } from '@test/support/cluster';
import { readModelDigest, rebuiltReadModels } from '@test/support/readModels';
import { KAFKA, MONGO, describeWith, serverAddress } from '@test/support/servers';

/** A broker of its own: stopping the shared one would break the suites running beside this one. */
describeWith([KAFKA, MONGO], 'Kafka broker stopped and restarted mid-load', () => {
  let broker: KafkaServer;
  let cluster: Cluster;
  beforeAll(async () => {
    broker = await startKafka();
    cluster = await startCluster({ brokers: broker.brokers, mongoUrl: serverAddress(MONGO)! });
  }, 120_000);
  afterAll(async () => {
    await cluster?.close();
    await broker?.destroy();
  }, 60_000);

  it('loses nothing: the relay and projectors retry, resume, and end equal to a clean rebuild', async () => {
    const traffic = playTraffic(cluster.api, { commands: 2000, players: 50 });
    await sleep(1500);
    await broker.stop();
    await sleep(3000); // commands keep arriving: they only need the event store
    broker = await startKafka({ dataDir: broker.dataDir });

    expect(await traffic).toEqual([]);
    // The backlog drains at FerretDB's write speed (docs/performance.md): allow minutes, not seconds.
    await cluster.caughtUp(300_000);
    const live = await readModelDigest(cluster.readStore);
    const rebuilt = await readModelDigest(await rebuiltReadModels(cluster.api.events));
    expect(live).toEqual(rebuilt);
    expect(live.ledger.count).toBeGreaterThan(600);
  }, 420_000);
});
