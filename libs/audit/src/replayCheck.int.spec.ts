import { SqliteEventStore } from '@app/event-store/sqlite';
import { project, replay } from '@app/projections';
import { MemoryReadStore } from '@app/read-store/memory';
import { AliasedReadStore } from '@app/read-store/mongo';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tallies, tallyView } from '@test/support/tallyView';
import { MONGO, describeWith, serverAddress, testMongoOptions } from '@test/support/servers';
import { type ReplayCheckReport, replayCheck } from './replayCheck';

const projections = [tallyView];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The replay check against read models in MongoDB (FerretDB), corrupted with the driver behind the
 * store's back, and while a projector keeps writing them.
 */
describeWith([MONGO], 'replayCheck: the read models in MongoDB against a replay of the log', () => {
  const url = serverAddress(MONGO)!;
  let dir: string;
  let events: SqliteEventStore;
  let live: AliasedReadStore;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'replay-check-'));
    events = new SqliteEventStore(join(dir, 'events.db'), { synchronous: 'NORMAL' });
    const dbName = `replaycheck_${randomUUID().replaceAll('-', '').slice(0, 20)}`;
    live = await AliasedReadStore.open({ url, dbName, collections: [tallies as never], ...testMongoOptions });
  });
  afterEach(async () => {
    await live.connection.dropDatabase();
    await live.close();
    await events.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const tick = (streamId: string) =>
    events.appendToStream(
      streamId,
      [
        {
          id: randomUUID(),
          type: 'Ticked',
          data: {},
          metadata: { schemaVersion: 1 },
          occurredAt: new Date(),
        },
      ],
      'any',
    );
  const append = async (count: number, streams = 20) => {
    for (let i = 0; i < count; i++) await tick(`tally-${String(i % streams).padStart(2, '0')}`);
  };
  const check = (): Promise<ReplayCheckReport> =>
    replayCheck(events, live, {
      scratchStore: (collections) => new MemoryReadStore(collections),
      projections,
      batchSize: 7,
      waitForLive: async (position) => {
        for (let waited = 0; waited < 20_000; waited += 50) {
          if ((await live.checkpoint()) >= position) return true;
          await sleep(50);
        }
        return false;
      },
    });
  const raw = () => live.connection.collection('rm_v1_tallies');

  it('reports a changed, a deleted and an invented document, and nothing else', async () => {
    await append(200);
    await replay(events, live, projections);
    expect(await check()).toMatchObject({
      ok: true,
      events: 200,
      documents: { tallies: 20 },
      differenceCount: 0,
    });

    await raw().updateOne({ _id: 'tally-03' as never }, { $set: { count: 99 } });
    await raw().deleteOne({ _id: 'tally-11' as never });
    await raw().insertOne({ _id: 'tally-zz' as never, count: 1, history: 'new+0', revision: 0 });

    const report = await check();
    expect(report).toMatchObject({ ok: false, differenceCount: 3, documents: { tallies: 21 } });
    const found = report.differences.map(({ id, kind, fields }) => ({ id, kind, fields }));
    expect(found).toEqual(
      expect.arrayContaining([
        { id: 'tally-03', kind: 'different', fields: ['count'] },
        { id: 'tally-11', kind: 'missing', fields: undefined },
        { id: 'tally-zz', kind: 'unexpected', fields: undefined },
      ]),
    );
    expect(report.differences.find(({ id }) => id === 'tally-03')).toMatchObject({
      expected: { count: 10 },
      actual: { count: 99 },
    });
  });

  it('does not mistake a projector that keeps writing for a difference, and still finds the corrupted one', async () => {
    await append(100);
    await replay(events, live, projections);
    await raw().updateOne({ _id: 'tally-07' as never }, { $set: { history: 'forged' } });
    // A projector applying the log as it grows, while the check runs.
    const subscription = events.subscribeToAll({
      after: await live.checkpoint(),
      batchSize: 5,
      onEvents: (batch) => project(live, projections, batch),
    });
    let running = true;
    const traffic = (async () => {
      // tally-07 is left alone: another event there would overwrite the forgery with the right history.
      while (running) {
        for (const stream of ['tally-01', 'tally-02', 'tally-13']) await tick(stream);
        await sleep(10);
      }
    })();
    try {
      while ((await live.checkpoint()) < 130) await sleep(20);
      const report = await check();
      expect(report.differences.map(({ id, kind, fields }) => ({ id, kind, fields }))).toEqual([
        { id: 'tally-07', kind: 'different', fields: ['history'] },
      ]);
      expect(report.events).toBeGreaterThan(130);
    } finally {
      running = false;
      await traffic;
      await subscription.close();
    }
  });
});
