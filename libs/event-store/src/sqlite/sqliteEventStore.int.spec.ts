import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import type { Worker } from 'node:worker_threads';
import { eventStoreContract } from '@test/support/eventStoreContract';
import { snapshotStoreContract } from '@test/support/snapshotStoreContract';
import type { RecordedEvent } from '../eventStore';
import { type GroupCommitTrace, SqliteEventStore, groupCommits, prefixUpperBound } from './sqliteEventStore';

const dir = mkdtempSync(join(tmpdir(), 'events-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

eventStoreContract('sqlite', async () => new SqliteEventStore(join(dir, 'contract.db')));
snapshotStoreContract('sqlite', async () => new SqliteEventStore(join(dir, 'snapshots.db')));

describe('sqlite event store', () => {
  const event = (n: number) => ({
    id: randomUUID(),
    type: 'Counted',
    data: { n },
    metadata: { schemaVersion: 1 },
    occurredAt: new Date(),
  });

  it('group-commits appends made in the same tick, failing only the conflicting one', async () => {
    const store = new SqliteEventStore(join(dir, 'group.db'));
    const outcomes = await Promise.allSettled([
      store.appendToStream('a', [event(1)], 'no_stream'),
      store.appendToStream('b', [event(2)], 'no_stream'),
      store.appendToStream('a', [event(3)], 'no_stream'),
      store.appendToStream('c', [event(4), event(5)], 'no_stream'),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect((await store.readAll(0, 10)).map((e) => (e.data as { n: number }).n)).toEqual([1, 2, 4, 5]);
    await store.close();
  });

  it('commits appends requested while a group commits as the next group, in request order', async () => {
    const store = new SqliteEventStore(join(dir, 'pipeline.db'));
    // Each append is requested on its own turn, most while the previous group is still committing;
    // each expects the revision the one before it produced, so any reordering would be a conflict.
    const appends: Promise<unknown>[] = [];
    for (let n = 0; n < 20; n++) {
      appends.push(store.appendToStream('s', [event(n)], n === 0 ? 'no_stream' : n - 1));
      await new Promise((resolve) => setImmediate(resolve));
    }
    const results = (await Promise.all(appends)) as { nextRevision: number; position: number }[];
    expect(results.map((r) => r.nextRevision)).toEqual([...Array(20).keys()]);
    expect((await store.readAll(0, 100)).map((e) => (e.data as { n: number }).n)).toEqual([
      ...Array(20).keys(),
    ]);
    await store.close();
  });

  it('publishes each group commit on its channel while it has a subscriber: size, when sent and answered', async () => {
    const store = new SqliteEventStore(join(dir, 'traced.db'));
    const traced: GroupCommitTrace[] = [];
    const onGroup = (message: unknown) => traced.push(message as GroupCommitTrace);
    await store.appendToStream('before', [event(0)], 'no_stream');
    groupCommits.subscribe(onGroup);
    try {
      const before = performance.timeOrigin + performance.now();
      await Promise.all([
        store.appendToStream('a', [event(1)], 'no_stream'),
        store.appendToStream('b', [event(2), event(3)], 'no_stream'),
      ]);
      await store.saveSnapshot({ streamId: 'a', version: 1, revision: 0, payload: '{}' });
      const after = performance.timeOrigin + performance.now();
      expect(traced.map(({ appends, snapshots }) => [appends, snapshots])).toEqual([
        [2, 0],
        [0, 1],
      ]);
      for (const group of traced) {
        expect(before).toBeLessThanOrEqual(group.sentAt);
        expect(group.sentAt).toBeLessThanOrEqual(group.repliedAt);
        expect(group.repliedAt).toBeLessThanOrEqual(after);
        expect(group.writerMs).toBeGreaterThanOrEqual(0);
      }
    } finally {
      groupCommits.unsubscribe(onGroup);
    }
    await store.appendToStream('after', [event(4)], 'no_stream');
    expect(traced).toHaveLength(2);
    await store.close();
  });

  it('commits the appends still waiting when it closes, and reads them back after a reopen', async () => {
    const file = join(dir, 'close.db');
    const store = new SqliteEventStore(file);
    const first = store.appendToStream('s', [event(1)], 'no_stream');
    const second = new Promise((resolve) => setImmediate(resolve)).then(() =>
      store.appendToStream('s', [event(2)], 0),
    );
    await new Promise((resolve) => setImmediate(resolve));
    await store.close();
    await expect(Promise.all([first, second])).resolves.toHaveLength(2);
    await expect(store.appendToStream('s', [event(3)], 1)).rejects.toThrow('closed');
    const reopened = new SqliteEventStore(file);
    expect((await reopened.readStream('s')).map((e) => (e.data as { n: number }).n)).toEqual([1, 2]);
    await reopened.close();
  });

  it('writes a snapshot in the group of the appends beside it, and keeps it across a reopen', async () => {
    const file = join(dir, 'snapshot-group.db');
    const groups: number[] = [];
    const store = new SqliteEventStore(file, { onGroupCommit: (appends) => groups.push(appends) });
    const snapshot = { streamId: 's', version: 1, revision: 0, payload: '{"n":1}' };
    const append = store.appendToStream('s', [event(1)], 'no_stream');
    const kept = store.saveSnapshot(snapshot);
    await Promise.all([append, kept]);
    expect(groups).toEqual([1]);
    // Alone, a snapshot is committed by itself; pending ones still commit when the store closes.
    const later = store.saveSnapshot({ ...snapshot, revision: 5 });
    await store.close();
    await expect(later).resolves.toBeUndefined();
    const reopened = new SqliteEventStore(file);
    await expect(reopened.loadSnapshot('s', 1)).resolves.toEqual({ ...snapshot, revision: 5 });
    await reopened.close();
  });

  it('starts a new writer thread when the last one died', async () => {
    const store = new SqliteEventStore(join(dir, 'crash.db'));
    await store.appendToStream('s', [event(1)], 'no_stream');
    await (store as unknown as { writer: Worker }).writer.terminate();
    await expect(store.appendToStream('s', [event(2)], 0)).resolves.toMatchObject({ nextRevision: 1 });
    await store.close();
  });

  it('keeps everything across a reopen', async () => {
    const file = join(dir, 'reopen.db');
    const first = new SqliteEventStore(file);
    await first.appendToStream('s', [event(1), event(2)], 'no_stream');
    await first.close();
    const second = new SqliteEventStore(file);
    expect(await second.readStream('s')).toHaveLength(2);
    await expect(second.appendToStream('s', [event(3)], 1)).resolves.toMatchObject({ nextRevision: 2 });
    await second.close();
  });

  it('refuses an event id already used in another stream', async () => {
    const store = new SqliteEventStore(join(dir, 'ids.db'));
    const shared = event(1);
    await store.appendToStream('a', [shared], 'no_stream');
    await expect(store.appendToStream('b', [shared], 'no_stream')).rejects.toMatchObject({
      name: 'EventIdConflictError',
    });
    await store.close();
  });

  describe("tracking appends: only a tracker's own claimed appends leave its mark current", () => {
    let file: string;
    let store: SqliteEventStore;
    beforeEach(() => {
      file = join(dir, `tracking-${randomUUID()}.db`);
      store = new SqliteEventStore(file, { synchronous: 'NORMAL' });
    });
    afterEach(() => store.close());

    const claimed = (tracker: ReturnType<SqliteEventStore['trackAppends']>, n: number) => {
      const events = [event(n)];
      tracker.claim(events);
      return events;
    };
    /** Runs `use` with another connection to the file (another SqliteEventStore), then closes it. */
    const withAnotherConnection = async (use: (other: SqliteEventStore) => Promise<void>) => {
      const other = new SqliteEventStore(file, { synchronous: 'NORMAL' });
      try {
        await use(other);
      } finally {
        await other.close();
      }
    };
    /** An append by another OS process, through its own connection to the file. */
    const appendFromAnotherProcess = (streamId: string) =>
      execFileSync(process.execPath, [
        '-e',
        `const db = new (require(process.argv[1]))(process.argv[2]);
         const columns = 'id, stream_id, revision, type, data, metadata, occurred_at';
         const values = "?, ?, 0, 'Counted', '{}', '{}', '2026-01-01T00:00:00.000Z'";
         db.prepare('INSERT INTO events (' + columns + ') VALUES (' + values + ')').run(process.argv[3], process.argv[4]);
         db.close();`,
        require.resolve('better-sqlite3'),
        file,
        randomUUID(),
        streamId,
      ]);

    it('stays current through its own appends, grouped or one by one', async () => {
      const tracker = store.trackAppends();
      const mark = tracker.mark();
      await Promise.all(
        [1, 2, 3].map((n) => store.appendToStream(`s${n}`, claimed(tracker, n), 'no_stream')),
      );
      await store.appendToStream('s1', claimed(tracker, 4), 0);
      expect(tracker.onlyOwnAppendsSince(mark)).toBe(true);
      expect(tracker.mark()).toBe(mark);
    });

    it('counts an unclaimed append through the same store, and one claimed by another tracker', async () => {
      const [mine, theirs] = [store.trackAppends(), store.trackAppends()];
      const before = [mine.mark(), theirs.mark()];
      await store.appendToStream('s', claimed(theirs, 1), 'no_stream');
      expect([mine.onlyOwnAppendsSince(before[0]), theirs.onlyOwnAppendsSince(before[1])]).toEqual([
        false,
        true,
      ]);
      const marks = [mine.mark(), theirs.mark()];
      await store.appendToStream('s', [event(2)], 0);
      expect([mine.onlyOwnAppendsSince(marks[0]), theirs.onlyOwnAppendsSince(marks[1])]).toEqual([
        false,
        false,
      ]);
    });

    it("counts another connection's append seen between two checks, and a mark taken after it is current", async () => {
      const tracker = store.trackAppends();
      await withAnotherConnection(async (other) => {
        const mark = tracker.mark();
        expect(tracker.onlyOwnAppendsSince(mark)).toBe(true);
        await other.appendToStream('s', [event(1)], 'no_stream');
        expect(tracker.onlyOwnAppendsSince(mark)).toBe(false);
        // Counted once and for all: our own appends after it do not make the old mark current again.
        await store.appendToStream('t', claimed(tracker, 2), 'no_stream');
        expect(tracker.onlyOwnAppendsSince(mark)).toBe(false);
        const after = tracker.mark();
        await store.appendToStream('t', claimed(tracker, 3), 0);
        expect(tracker.onlyOwnAppendsSince(after)).toBe(true);
      });
    });

    it("counts another process's append made between two of ours, before any check (the writer sees it)", async () => {
      const tracker = store.trackAppends();
      await store.appendToStream('t', claimed(tracker, 1), 'no_stream');
      const mark = tracker.mark();
      appendFromAnotherProcess('s');
      await store.appendToStream('t', claimed(tracker, 2), 0);
      expect(tracker.mark()).not.toBe(mark);
      expect(tracker.onlyOwnAppendsSince(mark)).toBe(false);
    });

    it("counts another process's append seen while we are idle", async () => {
      const tracker = store.trackAppends();
      const mark = tracker.mark();
      appendFromAnotherProcess('s');
      expect(tracker.onlyOwnAppendsSince(mark)).toBe(false);
      expect(tracker.onlyOwnAppendsSince(tracker.mark())).toBe(true);
    });

    it('does not count commits of another connection that append no event (leases, checkpoints, snapshots)', async () => {
      const tracker = store.trackAppends();
      await withAnotherConnection(async (other) => {
        const mark = tracker.mark();
        await other.acquireLease('relay', 'other', 1000);
        await other.saveCheckpoint('relay', 'other', 0);
        await other.saveSnapshot({ streamId: 's', version: 1, revision: 0, payload: '{}' });
        expect(tracker.onlyOwnAppendsSince(mark)).toBe(true);
      });
    });

    it('counts the appends of a group whose writer thread died before it answered', async () => {
      const tracker = store.trackAppends();
      await store.appendToStream('t', claimed(tracker, 1), 'no_stream');
      const mark = tracker.mark();
      const writer = (store as unknown as { writer: Worker }).writer;
      // The group commits, and the thread is gone before its answer reaches the store: the append fails.
      writer.removeAllListeners('message');
      const answered = new Promise((resolve) => writer.once('message', resolve));
      const lost = store.appendToStream('t', claimed(tracker, 2), 0);
      await answered;
      await writer.terminate();
      await expect(lost).rejects.toThrow();
      expect(await store.readStream('t')).toHaveLength(2);
      expect(tracker.onlyOwnAppendsSince(mark)).toBe(false);
    });
  });

  describe('reading the streams of a prefix', () => {
    const readPrefix = async (store: SqliteEventStore, prefix: string): Promise<string[]> => {
      const events: RecordedEvent[] = [];
      for await (const batch of store.readStreamsByPrefix(prefix, {})) events.push(...batch);
      return events.map((e) => e.streamId);
    };

    it('bounds a prefix by code point, the order of UTF-8 bytes', () => {
      expect(prefixUpperBound('abc.')).toBe('abc/');
      expect(prefixUpperBound('a\u{10FFFF}')).toBe('b');
      expect(prefixUpperBound('a\u{10FFFF}\u{10FFFF}')).toBe('b');
      expect(prefixUpperBound('a\uD7FF')).toBe('a\uE000');
      expect(prefixUpperBound('a\uFFFF')).toBe('a\u{10000}');
      expect(prefixUpperBound('a\u{1F600}')).toBe('a\u{1F601}');
      expect(prefixUpperBound('\u{10FFFF}')).toBeUndefined();
      expect(prefixUpperBound('')).toBeUndefined();
    });

    it('matches prefixes outside ASCII, and reads every stream for an empty prefix', async () => {
      const store = new SqliteEventStore(join(dir, 'prefix-unicode.db'));
      const names = [
        'a\uD7FF.x',
        'a\uE000',
        'a\uFFFF.x',
        'a\u{1F600}',
        'a\u{10FFFF}',
        '\u{10FFFF}',
        '\u{10FFFF}x',
        'é.1',
      ];
      for (const name of names) await store.appendToStream(name, [event(1)], 'no_stream');
      expect(await readPrefix(store, 'a\uD7FF')).toEqual(['a\uD7FF.x']);
      expect(await readPrefix(store, 'a\uFFFF')).toEqual(['a\uFFFF.x']);
      expect(await readPrefix(store, 'a\u{1F600}')).toEqual(['a\u{1F600}']);
      expect(await readPrefix(store, '\u{10FFFF}')).toEqual(['\u{10FFFF}', '\u{10FFFF}x']);
      expect(await readPrefix(store, 'é')).toEqual(['é.1']);
      expect(await readPrefix(store, '')).toEqual(names);
      await store.close();
    });

    it('scans the index for the prefix once, then reads rows by position', async () => {
      const store = new SqliteEventStore(join(dir, 'prefix-plan.db'));
      type Statement = { source: string };
      const { db, statements } = store as unknown as {
        db: { prepare(sql: string): { all(...args: unknown[]): { detail: string }[] } };
        statements: Record<'prefixPositions' | 'prefixPositionsUnbounded' | 'byPositions', Statement>;
      };
      const plan = (statement: Statement, ...args: unknown[]) =>
        db
          .prepare(`EXPLAIN QUERY PLAN ${statement.source}`)
          .all(...args)
          .map((row) => row.detail);
      // Index-only: the UNIQUE (stream_id, revision) index carries the position; only integers are sorted.
      expect(plan(statements.prefixPositions, 'a.', 'a/', 0, 10)).toEqual([
        'SEARCH events USING COVERING INDEX sqlite_autoindex_events_2 (stream_id>? AND stream_id<?)',
        'USE TEMP B-TREE FOR ORDER BY',
      ]);
      // No upper bound (an empty prefix): every stream, so the log in position order, with no sort.
      expect(plan(statements.prefixPositionsUnbounded, '', 0, 10)).toEqual(['SCAN events']);
      expect(plan(statements.byPositions, '[1,2]')).toEqual([
        'SEARCH events USING INTEGER PRIMARY KEY (rowid=?)',
        'LIST SUBQUERY 1',
        'SCAN json_each VIRTUAL TABLE INDEX 1:',
      ]);
      await store.close();
    });
  });
});
