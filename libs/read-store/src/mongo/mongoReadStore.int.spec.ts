import mongoose, { type mongo } from 'mongoose';
import { randomUUID } from 'node:crypto';
import {
  type FerretDbServer,
  ferretDbUnavailable,
  startFerretDb,
  testMongoOptions,
} from '@test/support/servers';
import type { CollectionDefinition, DocumentWrite } from '../readStore';
import { readStoreContract, scoreCollection } from '@test/support/readStoreContract';
import { MongoReadStore, type MongoReadStoreOptions } from './mongoReadStore';

/**
 * The MongoDB adapter on a real FerretDB v1: the shared one jest's global setup started
 * (MONGO_TEST_URL), else one of its own. Without either (no Go to build FerretDB) it skips and says
 * so, except in CI, where it fails.
 */
const sharedUrl = process.env.MONGO_TEST_URL;
const unavailable = sharedUrl ? undefined : (process.env.MONGO_TEST_URL_SKIP ?? ferretDbUnavailable());
if (unavailable && process.env.CI === 'true') {
  throw new Error(`the MongoDB read store suite needs FerretDB in CI: ${unavailable}`);
}
if (unavailable) console.warn(`SKIPPED: MongoDB read store on FerretDB - ${unavailable}`);

(unavailable ? describe.skip : describe)('MongoReadStore on FerretDB', () => {
  let server: FerretDbServer | undefined;
  let url: string;
  const databases: string[] = [];

  beforeAll(async () => {
    if (sharedUrl) url = sharedUrl;
    else {
      server = await startFerretDb(); // builds FerretDB first when .infra has no binary yet
      url = server.url;
    }
  }, 300_000);

  afterAll(async () => {
    if (server) await server.destroy();
    else if (url) {
      const connection = await mongoose.createConnection(url).asPromise();
      for (const name of databases) await connection.useDb(name).dropDatabase();
      await connection.close();
    }
  });

  /** Every store gets a database of its own, so tests never see each other's documents. */
  const open = (options: Omit<MongoReadStoreOptions, 'url'>) => {
    const dbName = options.dbName ?? `rs_${randomUUID().replaceAll('-', '').slice(0, 20)}`;
    databases.push(dbName);
    return MongoReadStore.open({ ...testMongoOptions, ...options, url, dbName });
  };

  readStoreContract('mongo', (collections) => open({ collections }));

  describe('mongo specifics', () => {
    const collections = [scoreCollection as CollectionDefinition<never>];
    const score = (player: string, points: number, revision: number): DocumentWrite => {
      const doc = { _id: `b|${player}`, board: 'b', season: 1, player, points, at: '2026-01-01', revision };
      return { collection: 'scores', id: doc._id, doc };
    };
    const ranking = { collection: scoreCollection, index: 'ranking', group: { board: 'b', season: 1 } };
    let store: MongoReadStore;
    afterEach(() => store.close());

    it('declares one compound index per index definition: group fields, then order fields', async () => {
      store = await open({ collections, namespace: 'rm_v7' });
      const indexes = await store.connection.db!.collection('rm_v7_scores').indexes();
      const keys = Object.fromEntries(indexes.map((index) => [index.name, Object.entries(index.key)]));
      expect(keys.ranking).toEqual([
        ['board', 1],
        ['season', 1],
        ['points', -1],
        ['at', 1],
        ['player', 1],
      ]);
      expect(keys.byPlayer).toEqual([
        ['player', 1],
        ['_id', 1],
      ]);
    });

    it('creates its indexes and drops none: another version of the code and an operator keep theirs', async () => {
      const dbName = `rs_${randomUUID().replaceAll('-', '').slice(0, 20)}`;
      const indexNames = async () =>
        (await store.connection.db!.collection('rm_v1_scores').indexes()).map((index) => index.name).sort();
      // The running version, then an operator's index, then the next version opening the same namespace
      // (another process of a rolling deploy), then the running version restarting.
      store = await open({ collections, dbName });
      await store.connection.db!.collection('rm_v1_scores').createIndex({ at: 1 }, { name: 'byTime' });
      const next = {
        name: 'scores',
        indexes: {
          ranking: scoreCollection.indexes!.ranking,
          bySeason: { groupBy: ['season'], orderBy: [['points', -1]] },
        },
      } as unknown as CollectionDefinition<never>;
      const nextVersion = await open({ collections: [next], dbName });
      await nextVersion.close();
      await store.close();
      store = await open({ collections, dbName });
      expect(await indexNames()).toEqual(['_id_', 'byPlayer', 'bySeason', 'byTime', 'ranking']);
    });

    it('writes a batch of 1000 documents as one bulk write, then the checkpoint', async () => {
      store = await open({ collections, connectOptions: { monitorCommands: true } });
      const server = await store.connection.db!.admin().command({ buildInfo: 1 });
      const commands: { name: string; collection: unknown; size: number }[] = [];
      store.connection.getClient().on('commandStarted', (event: mongo.CommandStartedEvent) => {
        const command = event.command as Record<string, unknown>;
        if (['update', 'insert', 'delete'].includes(event.commandName)) {
          const size = ((command.updates ?? command.documents ?? command.deletes) as unknown[]).length;
          commands.push({ name: event.commandName, collection: command[event.commandName], size });
        }
      });
      await store.commit(
        Array.from({ length: 1000 }, (_, i) => score(`p${i}`, i, 0)),
        1000,
      );
      // FerretDB gets the same bulk write in calls of 50 (testMongoOptions.maxWritesPerCall).
      const calls = 'ferretdbVersion' in server ? 20 : 1;
      expect(commands).toEqual([
        ...Array.from({ length: calls }, () => ({
          name: 'update',
          collection: 'rm_v1_scores',
          size: 1000 / calls,
        })),
        { name: 'update', collection: 'rm_v1_checkpoints', size: 1 },
      ]);
      expect(await store.count(ranking)).toBe(1000);
      expect(await store.checkpoint()).toBe(1000);
    }, 120_000);

    it('writes with majority write concern and reads the primary at majority, whatever the URL says', async () => {
      const dbName = `rs_${randomUUID().replaceAll('-', '').slice(0, 20)}`;
      databases.push(dbName);
      store = await MongoReadStore.open({
        ...testMongoOptions,
        url: `${url}?readPreference=secondaryPreferred&w=1&readConcernLevel=local`,
        dbName,
        collections,
        timeouts: { operationMs: 4000 },
        connectOptions: { monitorCommands: true },
      });
      const client = store.connection.getClient();
      expect(client.options.readPreference.mode).toBe('primary');
      const sent: Record<string, unknown>[] = [];
      client.on('commandStarted', (event: mongo.CommandStartedEvent) => {
        if (['update', 'find', 'aggregate'].includes(event.commandName)) sent.push(event.command);
      });
      await store.commit([score('p1', 5, 0)], 3);
      await store.find(scoreCollection, 'b|p1');
      await store.rankOf(ranking, 'b|p1');
      await store.checkpoint();

      const writes = sent.filter((command) => 'update' in command);
      const reads = sent.filter((command) => !('update' in command));
      expect(writes).toHaveLength(2); // the document, then the checkpoint
      for (const write of writes) expect(write.writeConcern).toEqual({ w: 'majority', wtimeout: 4000 });
      expect(reads).toHaveLength(4); // find, the rank's findOne and count, the checkpoint
      for (const read of reads) {
        expect(read.readConcern).toEqual({ level: 'majority' });
        expect(read.maxTimeMS).toBe(4000);
      }
    });

    it('updates hundreds of existing documents in one commit (FerretDB hangs on 100 per update command)', async () => {
      store = await open({ collections });
      await store.commit(
        Array.from({ length: 200 }, (_, i) => score(`p${i}`, i, 0)),
        1,
      );
      await store.commit(
        Array.from({ length: 200 }, (_, i) => score(`p${i}`, -i, 1)),
        2,
      );
      const top = await store.page(ranking, undefined, 2);
      expect(top.map((doc) => doc.player)).toEqual(['p0', 'p1']);
    }, 120_000);

    it('does not let a replayed older write overwrite a newer document, nor stop the rest of its batch', async () => {
      store = await open({ collections });
      await store.commit([score('p1', 50, 3)], 10);
      await store.commit([score('p1', 10, 2), score('p2', 20, 0), score('p1', 11, 3)], 12);
      expect(await store.find(scoreCollection, 'b|p1')).toMatchObject({ points: 50, revision: 3 });
      expect(await store.find(scoreCollection, 'b|p2')).toMatchObject({ points: 20 });
      expect(await store.checkpoint()).toBe(12);
      await store.commit([score('p1', 70, 4)], 13);
      expect(await store.find(scoreCollection, 'b|p1')).toMatchObject({ points: 70, revision: 4 });
    });

    it('keeps namespaces apart: a rebuild can write a new version beside the live one', async () => {
      const dbName = `rs_${randomUUID().replaceAll('-', '').slice(0, 20)}`;
      const live = await open({ collections, dbName, namespace: 'rm_v1' });
      store = await open({ collections, dbName, namespace: 'rm_v2' });
      await live.commit([score('p1', 5, 0)], 9);
      expect(await store.find(scoreCollection, 'b|p1')).toBeUndefined();
      expect(await store.checkpoint()).toBe(0);
      expect(await live.checkpoint()).toBe(9);
      await live.close();
    });
  });
});
