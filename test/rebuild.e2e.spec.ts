import { partitionCheckpoint } from '@app/messaging';
import { type WalletView, readModelCollections, walletView } from '@app/projections';
import { AliasedReadStore } from '@app/read-store/mongo';
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { type Cluster, playTraffic, sleep, startCluster } from '@test/support/cluster';
import { readModelDigest, rebuiltReadModels } from '@test/support/readModels';
import {
  KAFKA,
  MONGO,
  describeWith,
  serverAddress,
  testMongoOptions,
  FERRETDB_CLIENT_ENV,
} from '@test/support/servers';
import { keys } from '@test/support/testApp';
import { rebuildReadModels } from '../apps/rebuild/src/rebuild';

const PARTITIONS = 4;

/** Runs `npm run rebuild`'s entry point from source as its own process; resolves with its exit and output. */
const runRebuildCli = (env: Record<string, string>, args: string[]) =>
  new Promise<{ code: number | null; output: string }>((done) => {
    const child = spawn(process.execPath, ['-r', '@swc-node/register', 'apps/rebuild/src/main.ts', ...args], {
      cwd: resolve(__dirname, '..'),
      env: { ...process.env, LOG_LEVEL: 'info', ...env },
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('exit', (code) => done({ code, output }));
  });

/**
 * Blue/green rebuild in cluster mode: the rebuild CLI builds a new set of read models from the event log
 * while the api keeps taking commands and the projectors keep writing, switches every reader over
 * through the alias document and drops the old set.
 */
describeWith([KAFKA, MONGO], 'Rebuild read models (blue/green) while commands keep arriving', () => {
  let cluster: Cluster;
  let live: AliasedReadStore;
  let mongoUrl: string;
  beforeAll(async () => {
    cluster = await startCluster({
      brokers: serverAddress(KAFKA)!,
      mongoUrl: serverAddress(MONGO)!,
      partitions: PARTITIONS,
    });
    // The deployment's database, as every process of the cluster reads it: through the alias.
    const { host, port, name } = cluster.readStore.connection;
    mongoUrl = `mongodb://${host}:${port}/${name}`;
    live = await AliasedReadStore.open({
      url: mongoUrl,
      collections: readModelCollections,
      ...testMongoOptions,
    });
  }, 60_000);
  afterAll(async () => {
    await live?.close();
    await cluster?.close();
  }, 60_000);

  /** Every partition's checkpoint in the live set has reached the log's head. */
  const caughtUp = async (timeoutMs = 120_000) => {
    const head = await cluster.api.events.headPosition();
    const names = Array.from({ length: PARTITIONS }, (_, p) => partitionCheckpoint(cluster.topics.events, p));
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const stored = await live.checkpoints();
      if (names.every((name) => (stored.get(name) ?? 0) >= head)) return head;
      if (Date.now() > deadline)
        throw new Error(`live read models behind ${head}: ${JSON.stringify([...stored])}`);
      await sleep(200);
    }
  };

  /** Traffic a test started; stopped after it whatever happened, so no command outlives the cluster. */
  const started: { stop(): Promise<unknown> }[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((traffic) => traffic.stop()));
  });

  /** A pace FerretDB's projectors keep up with, until stopped; returns the failures and the count. */
  const steadyTraffic = () => {
    let running = true;
    let commands = 0;
    const failures: unknown[] = [];
    const loop = (async () => {
      while (running) {
        failures.push(...(await playTraffic(cluster.api, { commands: 6, players: 30, concurrency: 1 })));
        commands += 6;
        await sleep(700);
      }
    })();
    const traffic = {
      stop: async () => {
        running = false;
        await loop;
        return { failures, commands };
      },
    };
    started.push(traffic);
    return traffic;
  };

  /** The live read models (through the alias) once caught up, and a clean rebuild from the log. */
  const expectEqualToCleanRebuild = async () => {
    const head = await caughtUp();
    const clean = await rebuiltReadModels(cluster.api.events);
    expect(await readModelDigest(live)).toEqual(await readModelDigest(clean));
    return { head, clean };
  };

  const collectionNames = async () =>
    (await live.connection.db!.listCollections({}, { nameOnly: true }).toArray()).map((info) => info.name);

  it('the CLI, under traffic: read models equal a clean rebuild, a new namespace, the old one gone, the api serving them', async () => {
    // 1. History to rebuild.
    expect(await playTraffic(cluster.api, { commands: 300, players: 30, concurrency: 4 })).toEqual([]);
    await caughtUp();
    expect(await live.alias()).toMatchObject({ live: 'rm_v1', alsoWrite: null });

    // 2. `npm run rebuild` while commands keep arriving, and for a while after it switched.
    const traffic = steadyTraffic();
    await sleep(1500);
    const rebuild = await runRebuildCli(
      { ...FERRETDB_CLIENT_ENV, MONGO_URL: mongoUrl, DATA_DIR: cluster.api.dataDir },
      ['--grace-ms', '3000', '--batch-size', '200'],
    );
    await sleep(2000);
    const { failures, commands } = await traffic.stop();

    if (process.env.REBUILD_E2E_VERBOSE) console.log(rebuild.output);
    expect(rebuild).toMatchObject({ code: 0 });
    expect(failures).toEqual([]);
    expect(commands).toBeGreaterThanOrEqual(30);
    expect(rebuild.output).toMatch(/events\/s/);
    const finished = rebuild.output
      .split('\n')
      .filter((line) => line.includes('rebuild finished'))
      .map((line) => JSON.parse(line).result)[0];
    expect(finished).toMatchObject({ previous: 'rm_v1', live: 'rm_v2' });

    // 3. Equal to a clean rebuild; events kept arriving after the switch point.
    const { head, clean } = await expectEqualToCleanRebuild();
    expect(head).toBeGreaterThan(finished.position);

    // 4. The namespace changed and the old set is gone.
    expect(await live.aliases.read()).toMatchObject({ live: 'rm_v2', alsoWrite: null, rebuildOwner: null });
    const collections = await collectionNames();
    expect(collections.filter((name) => name.startsWith('rm_v1_'))).toEqual([]);
    expect(collections).toContain('rm_v2_wallets');

    // 5. The api (which opened rm_v1 at start) now answers from the new set, read-after-write included.
    const wallets: WalletView[] = [];
    for await (const batch of clean.documents(walletView.collection, 5)) {
      wallets.push(...batch);
      break;
    }
    expect(wallets.length).toBeGreaterThan(0);
    for (const wallet of wallets) {
      const response = await cluster.api.query(`/v1/players/${wallet._id}/wallet?minPosition=${head}`);
      expect(response.status).toBe(200);
      expect(response.body.balances).toEqual(wallet.balances);
    }
    const grant = await cluster.api.command(
      'POST',
      `/v1/players/${wallets[0]._id}/grants`,
      { currency: 'GOLD', amount: 1, reason: 'after rebuild' },
      keys.game,
    );
    expect(grant.status).toBe(201);
    const after = await cluster.api.query(
      `/v1/players/${wallets[0]._id}/wallet?minPosition=${grant.body.position}`,
    );
    expect(after.body.balances.GOLD).toBe(wallets[0].balances.GOLD + 1);
  }, 300_000);

  it('dual writes: projector commits reach the new set while the rebuild holds before switching', async () => {
    const traffic = steadyTraffic();
    const partitions = `${cluster.topics.events}#`;
    let heldAt = 0;
    let dualWritten = new Map<string, number>();
    const result = await rebuildReadModels({
      events: cluster.api.events,
      aliases: live.aliases,
      graceMs: 2000,
      // Only a projector's dual write moves a partition checkpoint of the new set past `position`: wait
      // for one, so the switch happens with dual-written documents in the new set.
      beforeSwitch: async ({ target, position }) => {
        heldAt = position;
        const deadline = Date.now() + 60_000;
        while (![...dualWritten.values()].some((reached) => reached > position)) {
          if (Date.now() > deadline)
            throw new Error(`no projector commit reached the new set past ${position}`);
          await sleep(200);
          dualWritten = await target.checkpoints(partitions);
        }
      },
    });
    await sleep(1000);
    const { failures } = await traffic.stop();

    expect(failures).toEqual([]);
    expect(result).toMatchObject({ previous: 'rm_v2', live: 'rm_v3', position: heldAt });
    await expectEqualToCleanRebuild();
    expect(await live.aliases.namespaces()).toEqual(['rm_v3']);
  }, 300_000);
});
