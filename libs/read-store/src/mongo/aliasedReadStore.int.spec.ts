import { project } from '@app/projections';
import mongoose from 'mongoose';
import { randomUUID } from 'node:crypto';
import { MONGO, describeWith, serverAddress, testMongoOptions } from '@test/support/servers';
import { tallies, tallyView, ticked } from '@test/support/tallyView';
import type { CollectionDefinition } from '../readStore';
import { readStoreContract } from '@test/support/readStoreContract';
import {
  ALIAS_COLLECTION,
  AliasedReadStore,
  RebuildInProgressError,
  RebuildLostError,
} from './aliasedReadStore';
import { MongoReadStore } from './mongoReadStore';

const collections = [tallies as CollectionDefinition<never>];

const tally = (streamId: string, count: number, revision: number) => ({
  collection: 'tallies',
  id: streamId,
  doc: { _id: streamId, count, history: 'seeded', revision },
});

describeWith([MONGO], 'AliasedReadStore on FerretDB: the read models behind the alias document', () => {
  const url = serverAddress(MONGO)!;
  const databases: string[] = [];
  const opened: { close(): Promise<unknown> }[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((store) => store.close()));
  });
  afterAll(async () => {
    const connection = await mongoose.createConnection(url).asPromise();
    for (const name of databases) await connection.useDb(name).dropDatabase();
    await connection.close();
  });

  /** A database of its own per test; `open` gives one more process's view of it. */
  const database = () => {
    const dbName = `alias_${randomUUID().replaceAll('-', '').slice(0, 20)}`;
    databases.push(dbName);
    const open = async (refreshMs = 100, definitions = collections) => {
      const store = await AliasedReadStore.open({
        url,
        dbName,
        collections: definitions,
        refreshMs,
        ...testMongoOptions,
      });
      opened.push(store);
      return store;
    };
    return { dbName, open };
  };
  const collectionNames = async (store: AliasedReadStore) =>
    (await store.connection.db!.listCollections({}, { nameOnly: true }).toArray())
      .map((info) => info.name)
      .sort();
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  readStoreContract('mongo behind the alias', (definitions) => database().open(100, definitions));

  it("ages a rebuild's heartbeat by the server's clock, not by the claiming host's", async () => {
    const { open } = database();
    const store = await open();
    await store.aliases.claimRebuild('first', 30_000);
    await store.aliases.heartbeat('first');
    // A second rebuild on a host whose clock runs an hour ahead: the first is alive all the same.
    // Only the clock (`Date`) is faked: the driver's timers keep running.
    jest.useFakeTimers({
      now: Date.now() + 3_600_000,
      doNotFake: [
        'setTimeout',
        'clearTimeout',
        'setInterval',
        'clearInterval',
        'setImmediate',
        'clearImmediate',
        'nextTick',
        'queueMicrotask',
        'hrtime',
        'performance',
      ],
    });
    try {
      await expect(store.aliases.claimRebuild('second', 30_000)).rejects.toThrow(RebuildInProgressError);
    } finally {
      jest.useRealTimers();
    }
    expect(await store.aliases.read()).toMatchObject({ rebuildOwner: 'first' });
  });

  it('creates the alias on first use, pointing at rm_v1, where existing deployments kept their read models', async () => {
    const { dbName, open } = database();
    const before = await MongoReadStore.open({
      url,
      dbName,
      collections,
      namespace: 'rm_v1',
      ...testMongoOptions,
    });
    await before.commit([tally('s1', 5, 4)], 9, 'game.events#0');
    await before.close();

    const store = await open();
    expect(await store.alias()).toMatchObject({ live: 'rm_v1', alsoWrite: null, rebuildOwner: null });
    expect(await store.find(tallies, 's1')).toMatchObject({ count: 5 });
    expect(await store.checkpoint('game.events#0')).toBe(9);
    expect(await collectionNames(store)).toEqual([ALIAS_COLLECTION, 'rm_v1_checkpoints', 'rm_v1_tallies']);
  });

  it('dual-writes while a rebuild catches up, each set evolved from its own documents; reads follow the switch', async () => {
    const { open } = database();
    const projector = await open();
    const reader = await open(300);
    const rebuild = projector.aliases;
    await project(projector, [tallyView], [ticked('a', 0, 1), ticked('a', 1, 2)]);

    // The rebuild claims a new namespace and fills it on its own: nobody else writes it yet.
    const claim = await rebuild.claimRebuild('rebuild-1', 30_000);
    expect(claim).toMatchObject({ live: 'rm_v1', rebuildTarget: 'rm_v2' });
    const target = await rebuild.open('rm_v2');
    await target.commit([tally('a', 2, 1)], 2);
    await project(projector, [tallyView], [ticked('a', 2, 3)]);
    expect(await target.find(tallies, 'a')).toMatchObject({ count: 2, revision: 1 });

    // Dual write: the same batch reaches both sets, and each evolves its own document.
    await rebuild.transition('rebuild-1', { alsoWrite: 'rm_v2' });
    await project(projector, [tallyView], [ticked('a', 3, 4), ticked('b', 0, 5)]);
    expect(await target.find(tallies, 'a')).toMatchObject({ count: 3, history: 'seeded+3', revision: 3 });
    expect(await projector.find(tallies, 'a')).toMatchObject({ count: 4, history: 'new+0+1+2+3' });
    expect(await target.find(tallies, 'b')).toMatchObject({ count: 1, revision: 0 });
    expect(await target.checkpoint()).toBe(5);
    // A bare commit (no project()) copies its writes to both.
    await projector.commit([tally('c', 1, 0)], 6, 'game.events#1');
    expect(await target.find(tallies, 'c')).toMatchObject({ count: 1 });
    expect(await target.checkpoint('game.events#1')).toBe(6);

    // Switch: a reader sees the new set once its view of the alias is older than refreshMs.
    expect((await reader.find(tallies, 'a'))?.history).toBe('new+0+1+2+3');
    await rebuild.transition('rebuild-1', { live: 'rm_v2', alsoWrite: null });
    await sleep(350);
    expect((await reader.find(tallies, 'a'))?.history).toBe('seeded+3');
    // Only the live set receives writes from now on.
    await project(projector, [tallyView], [ticked('e', 0, 8)]);
    expect(await (await rebuild.open('rm_v1')).find(tallies, 'e')).toBeUndefined();
    expect(await reader.find(tallies, 'e')).toBeDefined();

    // The old set is dropped; what remains is the alias and the live set.
    await rebuild.drop('rm_v1');
    await rebuild.release('rebuild-1');
    expect(await rebuild.namespaces()).toEqual(['rm_v2']);
    expect(await collectionNames(reader)).toEqual([ALIAS_COLLECTION, 'rm_v2_checkpoints', 'rm_v2_tallies']);
    expect(await rebuild.read()).toMatchObject({ live: 'rm_v2', alsoWrite: null, rebuildOwner: null });
  });

  it('allows one rebuild at a time; a crashed one is taken over once its heartbeat is stale', async () => {
    const { open } = database();
    const aliases = (await open()).aliases;
    await aliases.claimRebuild('first', 30_000);
    await aliases.transition('first', { alsoWrite: 'rm_v2' });
    await aliases.open('rm_v2');

    await expect(aliases.claimRebuild('second', 30_000)).rejects.toThrow(RebuildInProgressError);
    await expect(aliases.claimRebuild('second', 30_000)).rejects.toThrow(/first is building rm_v2/);

    // "first" stops renewing (crashed). Past staleAfterMs, "second" takes over with a fresh namespace
    // and nothing but the live set is written any more.
    await sleep(100);
    const claim = await aliases.claimRebuild('second', 50);
    expect(claim).toMatchObject({
      live: 'rm_v1',
      alsoWrite: null,
      rebuildOwner: 'second',
      rebuildTarget: 'rm_v3',
    });
    await expect(aliases.heartbeat('first')).rejects.toThrow(RebuildLostError);
    await expect(aliases.transition('first', { live: 'rm_v2' })).rejects.toThrow(RebuildLostError);
    await aliases.heartbeat('second');
    expect(await aliases.namespaces()).toEqual(['rm_v1', 'rm_v2']);
  });
});
