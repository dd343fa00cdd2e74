import type { ExpectedRevision, StreamRevision } from '../eventStore';
import type { StreamSnapshot } from '../snapshotStore';

/**
 * The embedded store's single writer, run in a worker_thread so the write transaction and its fsync
 * (synchronous=FULL) never block the API's event loop. The main thread keeps its own connection for
 * reads; WAL lets those run while this thread writes.
 *
 * `writerThread` is started from its source text (`new Worker(..., { eval: true })`), so it must be
 * self-contained: no imports, no closures, only what it is given (`require` and the worker's data).
 */

/** One append as the writer receives it: data and metadata already JSON, the time an ISO string. */
export type WriterAppend = {
  streamId: string;
  expected: ExpectedRevision;
  events: { id: string; type: string; data: string; metadata: string; occurredAt: string }[];
};

export type WriterOutcome =
  | { ok: true; nextRevision: StreamRevision; position: number; written: boolean }
  | { ok: false; kind: 'wrong-revision'; streamId: string; expected: ExpectedRevision; actual: number | null }
  | { ok: false; kind: 'id-conflict'; eventId: string }
  | { ok: false; kind: 'error'; message: string; code?: string };

/**
 * main -> writer: a group to commit (one transaction, one fsync): appends, and snapshots to keep, which
 * ride along (no fsync of their own while appends flow); or close the connection.
 */
export type WriterRequest =
  { type: 'commit'; batch: WriterAppend[]; snapshots: StreamSnapshot[] } | { type: 'close' };

/**
 * writer -> main: one outcome per append and, per snapshot, null when it was written or kept already
 * (a newer one is there) or why it failed, with the log's last position when the transaction began and
 * when it committed (under the write lock, so nobody else appended in between); or the commit itself
 * failed (nothing in the group written).
 */
export type WriterReply =
  | {
      type: 'committed';
      outcomes: WriterOutcome[];
      snapshots: (string | null)[];
      headBefore: number;
      headAfter: number;
      /** The commit's time in this thread, ms (the transaction and its fsync). */
      writerMs: number;
    }
  | { type: 'failed'; message: string; code?: string }
  | { type: 'closed' };

export type WriterData = { file: string; synchronous: 'FULL' | 'NORMAL'; sqliteModule: string };

export function writerThread(load: (id: string) => unknown): void {
  type Statement = {
    get(...args: unknown[]): Record<string, unknown> | undefined;
    all(...args: unknown[]): Record<string, unknown>[];
    run(...args: unknown[]): { lastInsertRowid: number | bigint };
  };
  type Connection = {
    pragma(source: string): unknown;
    prepare(source: string): Statement;
    transaction<A extends unknown[], R>(
      fn: (...args: A) => R,
    ): ((...args: A) => R) & { immediate(...args: A): R };
    close(): void;
  };
  type Port = {
    on(event: 'message', listener: (request: WriterRequest) => void): void;
    postMessage(reply: WriterReply): void;
    close(): void;
  };
  const { parentPort, workerData } = load('node:worker_threads') as {
    parentPort: Port;
    workerData: WriterData;
  };
  const Database = load(workerData.sqliteModule) as new (file: string) => Connection;

  const db = new Database(workerData.file);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${workerData.synchronous}`);
  db.pragma('busy_timeout = 5000');
  const columns = 'position, id, stream_id, revision';
  const streamHead = db.prepare(
    'SELECT revision FROM events WHERE stream_id = ? ORDER BY revision DESC LIMIT 1',
  );
  const insert = db.prepare(
    `INSERT INTO events (id, stream_id, revision, type, data, metadata, occurred_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  const byId = db.prepare(`SELECT ${columns} FROM events WHERE id = ?`);
  const streamSlice = db.prepare(
    `SELECT ${columns} FROM events WHERE stream_id = ? AND revision >= ? ORDER BY revision LIMIT ?`,
  );
  // Replaces the stream's snapshot of this version only with a later one.
  const keepSnapshot = db.prepare(
    `INSERT INTO snapshots (stream_id, version, revision, payload) VALUES (?, ?, ?, ?)
     ON CONFLICT (stream_id, version) DO UPDATE SET revision = excluded.revision, payload = excluded.payload
     WHERE excluded.revision > snapshots.revision`,
  );

  const lastPosition = db.prepare('SELECT MAX(position) AS position FROM events');
  const head = (): number => (lastPosition.get() as { position: number | null }).position ?? 0;

  const idConflict = (eventId: string): WriterOutcome => ({ ok: false, kind: 'id-conflict', eventId });

  /** Same ids already in this stream, in this order: the append already happened; answer as it did. */
  const alreadyAppended = ({ streamId, events }: WriterAppend): WriterOutcome | undefined => {
    const first = byId.get(events[0].id) as { stream_id: string; revision: number } | undefined;
    if (!first) return undefined;
    const rows = (
      first.stream_id === streamId ? streamSlice.all(streamId, first.revision, events.length) : []
    ) as { id: string; revision: number; position: number }[];
    if (rows.length !== events.length || rows.some((row, i) => row.id !== events[i].id)) {
      throw idConflict(events[0].id);
    }
    const last = rows[rows.length - 1];
    return { ok: true, nextRevision: last.revision, position: last.position, written: false };
  };

  const appendOne = (append: WriterAppend): WriterOutcome => {
    const replayed = alreadyAppended(append);
    if (replayed) return replayed;
    const { streamId, expected, events } = append;
    const current = (streamHead.get(streamId) as { revision: number } | undefined)?.revision;
    if (
      (expected === 'no_stream' && current !== undefined) ||
      (typeof expected === 'number' && current !== expected)
    ) {
      throw {
        ok: false,
        kind: 'wrong-revision',
        streamId,
        expected,
        actual: current ?? null,
      } as WriterOutcome;
    }
    let revision = current ?? -1;
    let position = 0;
    for (const event of events) {
      revision += 1;
      try {
        const row = [event.id, streamId, revision, event.type, event.data, event.metadata, event.occurredAt];
        position = Number(insert.run(...row).lastInsertRowid);
      } catch (error) {
        if ((error as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') throw idConflict(event.id);
        throw error;
      }
    }
    return { ok: true, nextRevision: revision, position, written: true };
  };

  // Nested better-sqlite3 transactions are savepoints: a failed append rolls back only itself.
  const appendInSavepoint = db.transaction(appendOne);
  // The properties are evaluated in order: the head before the appends, the head after them.
  const commitGroup = db.transaction((batch: WriterAppend[], snapshots: StreamSnapshot[]) => ({
    headBefore: head(),
    outcomes: batch.map((append): WriterOutcome => {
      try {
        return appendInSavepoint(append);
      } catch (error) {
        if ((error as { ok?: boolean }).ok === false) return error as WriterOutcome;
        const { message, code } = error as { message?: string; code?: string };
        return { ok: false, kind: 'error', message: String(message ?? error), code };
      }
    }),
    // A statement that fails changes nothing, and a snapshot's failure fails nothing else.
    snapshots: snapshots.map(({ streamId, version, revision, payload }) => {
      try {
        keepSnapshot.run(streamId, version, revision, payload);
        return null;
      } catch (error) {
        return String((error as { message?: string }).message ?? error);
      }
    }),
    headAfter: head(),
  }));

  parentPort.on('message', (request) => {
    if (request.type === 'close') {
      db.close();
      parentPort.postMessage({ type: 'closed' });
      parentPort.close();
      return;
    }
    try {
      // IMMEDIATE takes the write lock up front (waiting up to busy_timeout): a deferred transaction that
      // read first would fail at once with SQLITE_BUSY when another process (a relay) wrote meanwhile.
      // The commit returns once the WAL is fsynced (synchronous=FULL): only then is the group answered.
      const began = performance.now();
      const committed = commitGroup.immediate(request.batch, request.snapshots);
      parentPort.postMessage({ type: 'committed', ...committed, writerMs: performance.now() - began });
    } catch (error) {
      const { message, code } = error as { message?: string; code?: string };
      parentPort.postMessage({ type: 'failed', message: String(message ?? error), code });
    }
  });
}
