import type { Progress } from '@app/application';
import { SqliteEventStore } from '@app/event-store/sqlite';
import { type ReadStore } from '@app/read-store';
import { MemoryReadStore } from '@app/read-store/memory';
import { AliasedReadStore, RebuildInProgressError } from '@app/read-store/mongo';
import { project, replay } from '@app/projections';
import { mongo } from 'mongoose';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Tally, tallies, tallyView } from '@test/support/tallyView';
import { MONGO, describeWith, serverAddress, testMongoOptions } from '@test/support/servers';
import { rebuildReadModels } from './rebuild';

const projections = [tallyView];
const collections = [tallies as never];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Every document of the toy read model, in id order. */
const everything = async (store: ReadStore): Promise<Tally[]> => {
  const docs: Tally[] = [];
  for await (const batch of store.documents(tallies, 500)) docs.push(...batch);
  return docs;
};

/**
 * The rebuild procedure on FerretDB, with a SQLite log that keeps growing and an embedded-style
 * projector writing through the alias the whole time.
 */
describeWith([MONGO], 'rebuildReadModels: blue/green rebuild while events keep arriving', () => {
  const url = serverAddress(MONGO)!;
  let dir: string;
  let events: SqliteEventStore;
  let dbName: string;
  let live: AliasedReadStore;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rebuild-'));
    events = new SqliteEventStore(join(dir, 'events.db'), { synchronous: 'NORMAL' });
    dbName = `rebuild_${randomUUID().replaceAll('-', '').slice(0, 20)}`;
    live = await AliasedReadStore.open({ url, dbName, collections, refreshMs: 200, ...testMongoOptions });
  });
  afterEach(async () => {
    await live.connection.dropDatabase();
    await live.close();
    await events.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const append = async (count: number, streams = 40) => {
    for (let i = 0; i < count; i++) {
      const id = randomUUID();
      const event = { id, type: 'Ticked', data: {}, metadata: { schemaVersion: 1 }, occurredAt: new Date() };
      await events.appendToStream(`tally-${i % streams}`, [event], 'any');
    }
  };

  /** Appends and projects (through the alias, like a projector) until stopped. */
  const traffic = () => {
    let running = true;
    const subscription = events.subscribeToAll({
      after: 0,
      batchSize: 20,
      onEvents: (batch) => project(live, projections, batch),
    });
    const appending = (async () => {
      while (running) {
        await append(5);
        await sleep(20);
      }
    })();
    return async () => {
      running = false;
      await appending;
      const head = await events.headPosition();
      while ((await live.checkpoint()) < head) await sleep(50);
      await subscription.close();
    };
  };

  it('ends with the live read models equal to a clean rebuild, in a new namespace, the old one dropped', async () => {
    await append(200);
    const stop = traffic();
    const messages: string[] = [];
    const second: Promise<unknown>[] = [];
    const result = await rebuildReadModels({
      events,
      aliases: live.aliases,
      projections,
      graceMs: 1200,
      batchSize: 50,
      log: (message) => {
        messages.push(message);
        // A second rebuild while this one runs is refused, and changes nothing.
        if (second.length > 0) return;
        const concurrent = rebuildReadModels({ events, aliases: live.aliases, projections });
        concurrent.catch(() => undefined); // asserted below
        second.push(concurrent);
      },
    });
    await stop();

    await expect(second[0]).rejects.toThrow(RebuildInProgressError);
    expect(result).toMatchObject({ previous: 'rm_v1', live: 'rm_v2' });
    expect(result.events).toBeGreaterThanOrEqual(200);
    expect(await events.headPosition()).toBeGreaterThan(result.position); // traffic went on past the switch
    expect(messages.join('\n')).toMatch(/events\/s/);
    expect(await live.aliases.read()).toMatchObject({ live: 'rm_v2', alsoWrite: null, rebuildOwner: null });
    expect(await live.aliases.namespaces()).toEqual(['rm_v2']);

    const clean = new MemoryReadStore(collections);
    await replay(events, clean, projections);
    await sleep(250); // the reader's alias refresh
    expect(await everything(live)).toEqual(await everything(clean));
    expect((await everything(live)).length).toBe(40);
    expect(await live.checkpoint()).toBe(await events.headPosition());
  }, 120_000);

  it('takes over a crashed rebuild and drops what it left behind', async () => {
    await append(50);
    await replay(events, live, projections);
    // A rebuild that crashed while dual-writing into rm_v2.
    await live.aliases.claimRebuild('crashed', 30_000);
    await live.aliases.transition('crashed', { alsoWrite: 'rm_v2' });
    await (await live.aliases.open('rm_v2')).commit([], 1);
    await sleep(100);

    const progress: Progress[] = [];
    const logged: string[] = [];
    const result = await rebuildReadModels({
      events,
      aliases: live.aliases,
      projections,
      graceMs: 1100,
      staleAfterMs: 50,
      onProgress: (each) => progress.push(each),
      log: (message) => logged.push(message),
    });
    expect(result).toMatchObject({ previous: 'rm_v1', live: 'rm_v3' });
    // Progress goes to onProgress, every batch, and the log keeps only the steps.
    const replaying = progress.filter((each) => each.phase === 'replaying into rm_v3');
    expect(replaying.at(-1)).toMatchObject({ unit: 'events', secondsLeft: 0 });
    expect(replaying.at(-1)!.position).toBe(replaying.at(-1)!.until);
    expect(logged.join('\n')).not.toMatch(/events\/s/);
    expect(await live.aliases.namespaces()).toEqual(['rm_v3']);
    await sleep(250);
    expect((await everything(live)).map((doc) => doc.count).reduce((a, b) => a + b)).toBe(50);
  }, 60_000);

  it('abandons its new set and leaves the live one serving when it fails before the switch', async () => {
    await append(30);
    await replay(events, live, projections);
    const failing = {
      headPosition: () => events.headPosition(),
      readAllWithoutMetadata: () => Promise.reject(new Error('log unreachable')),
    };
    await expect(
      rebuildReadModels({ events: failing, aliases: live.aliases, projections, graceMs: 1100 }),
    ).rejects.toThrow('log unreachable');
    expect(await live.aliases.read()).toMatchObject({ live: 'rm_v1', alsoWrite: null, rebuildOwner: null });
    expect(await live.aliases.namespaces()).toEqual(['rm_v1']);
    expect((await everything(live)).length).toBe(30);
  });
  it('keeps the new set when the switch applied on the server but failed on the client', async () => {
    await append(30);
    await replay(events, live, projections);
    // The alias write reaches the server, its reply is lost: the call throws after the change.
    const aliases = Object.create(live.aliases) as typeof live.aliases;
    aliases.transition = async (owner, change) => {
      const changed = await live.aliases.transition(owner, change);
      if (change.live !== undefined) throw new mongo.MongoNetworkError('connection reset (reply lost)');
      return changed;
    };
    const logged: string[] = [];
    await expect(
      rebuildReadModels({
        events,
        aliases,
        projections,
        graceMs: 1100,
        log: (message) => logged.push(message),
      }),
    ).rejects.toThrow('reply lost');
    expect(logged.at(-1)).toBe('rebuild failed; rm_v2 is live');
    expect(await live.aliases.read()).toMatchObject({ live: 'rm_v2', alsoWrite: null, rebuildOwner: null });
    // The set the alias names is there, complete; the old one is the next rebuild's leftover.
    expect(await live.aliases.namespaces()).toEqual(['rm_v1', 'rm_v2']);
    await sleep(250); // the reader's alias refresh
    expect((await everything(live)).map((doc) => doc.count).reduce((a, b) => a + b)).toBe(30);
    expect(await live.checkpoint()).toBe(await events.headPosition());
  });

  it('refuses a log that ends before the live read models (the wrong event store), changing nothing', async () => {
    await append(20);
    await replay(events, live, projections);
    const elsewhere = new SqliteEventStore(join(dir, 'other.db'), { synchronous: 'NORMAL' });
    try {
      await expect(
        rebuildReadModels({ events: elsewhere, aliases: live.aliases, projections, graceMs: 1100 }),
      ).rejects.toThrow(/ends at position 0 but the live read models \(rm_v1\) have applied up to 20/);
    } finally {
      await elsewhere.close();
    }
    expect(await live.aliases.read()).toMatchObject({ live: 'rm_v1', alsoWrite: null, rebuildOwner: null });
    expect(await live.aliases.namespaces()).toEqual(['rm_v1']);
  });

  it('stops when aborted (SIGINT in the CLI) and leaves the live set serving', async () => {
    await append(120);
    await replay(events, live, projections);
    const abort = new AbortController();
    await expect(
      rebuildReadModels({
        events,
        aliases: live.aliases,
        projections,
        batchSize: 20,
        graceMs: 1100,
        signal: abort.signal,
        log: (message) => message.includes('replaying') && abort.abort(new Error('stopped by SIGINT')),
      }),
    ).rejects.toThrow('stopped by SIGINT');
    expect(await live.aliases.read()).toMatchObject({ live: 'rm_v1', alsoWrite: null, rebuildOwner: null });
    expect(await live.aliases.namespaces()).toEqual(['rm_v1']);
  });
});
