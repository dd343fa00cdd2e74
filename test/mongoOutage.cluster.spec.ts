import { ClusterWorkers, clusterDeployment, sharedServers } from '@test/support/clusterWorkers';
import { type FerretDbServer, startFerretDb } from '@test/support/servers';
import { type TestApp, keys, startApi } from '@test/support/testApp';
import mongoose from 'mongoose';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * MongoDB stops answering while the api serves (a frozen primary, an election): requests fail within the
 * configured MongoDB timeouts with a 503 problem, instead of hanging until the proxy gives up, and the api
 * serves again once MongoDB answers. The deployment has a FerretDB of its own, frozen with SIGSTOP (its
 * sockets stay open and silent, the worst case for a client).
 */
describe('the api while MongoDB does not answer (cluster)', () => {
  jest.setTimeout(120_000);

  let mongo: FerretDbServer;
  let workers: ClusterWorkers;
  let api: TestApp;
  let dataDir: string;

  beforeAll(async () => {
    const shared = sharedServers();
    if ('missing' in shared) throw new Error(shared.missing);
    mongo = await startFerretDb();
    dataDir = mkdtempSync(join(tmpdir(), 'mongo-outage-'));
    const deployment = clusterDeployment(
      { brokers: shared.servers.brokers, mongoUrl: mongo.url },
      { dataDir, partitions: 1 },
    );
    workers = await ClusterWorkers.start(deployment, 1);
    api = await startApi({
      dataDir,
      env: {
        ...deployment.env,
        MONGO_SERVER_SELECTION_TIMEOUT_MS: '1000',
        MONGO_WAIT_QUEUE_TIMEOUT_MS: '500',
        MONGO_OPERATION_TIMEOUT_MS: '1000',
        READ_AFTER_WRITE_TIMEOUT_MS: '5000',
      },
    });
    await workers.ready();
  });

  afterAll(async () => {
    if (mongo) process.kill(mongo.pid, 'SIGCONT');
    await api?.close();
    await workers?.stop();
    await mongo?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** The api's MongoDB connections (it runs in this process; the relay and the projector do not). */
  const apiConnections = () =>
    mongoose.connections.filter((connection) => connection.port === Number(new URL(mongo.url).port));

  it('answers 503 problem+json while MongoDB is frozen, and serves again once it answers', async () => {
    const playerId = `outage-${randomUUID().slice(0, 8)}`;
    const granted = await api.command(
      'POST',
      `/v1/players/${playerId}/grants`,
      {
        currency: 'GOLD',
        amount: 5,
        reason: 'before the outage',
      },
      keys.game,
    );
    expect(granted.status).toBe(201);
    const wallet = `/v1/players/${playerId}/wallet`;
    const before = await api.query(`${wallet}?minPosition=${granted.body.position}`);
    expect(before.status).toBe(200);

    // Frozen as the api sends the wallet's read to it (mongoose's debug hook runs just before the
    // driver sends): that read waits on a socket that never answers. The next request meets it frozen.
    let frozen = false;
    for (const connection of apiConnections()) {
      connection.set('debug', (collection: string, method: string) => {
        if (frozen || !collection.endsWith('_wallets') || method !== 'findOne') return;
        frozen = true;
        process.kill(mongo.pid, 'SIGSTOP');
      });
    }
    const answers = [await api.query(wallet)];
    expect(frozen).toBe(true);
    answers.push(await api.query(wallet));
    for (const answer of answers) {
      expect(answer.status).toBe(503);
      expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(answer.headers.get('retry-after')).toBe('1');
      expect(answer.body).toMatchObject({ type: '/problems/service-unavailable', status: 503 });
    }

    // ...as the OpenAPI document says the route may answer.
    const doc = (await api.request('GET', '/docs/openapi.json', { key: null })).body;
    const documented = doc.paths['/v1/players/{playerId}/wallet'].get.responses['503'];
    expect(documented.content['application/problem+json'].schema.properties.type.enum).toContain(
      '/problems/service-unavailable',
    );

    process.kill(mongo.pid, 'SIGCONT');
    for (const connection of apiConnections()) connection.set('debug', false);
    const after = await api.query(wallet);
    expect(after.status).toBe(200);
    expect(after.body).toMatchObject({ balances: { GOLD: 5 } });
  });
});
