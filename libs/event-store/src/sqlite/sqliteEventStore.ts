import Database from 'better-sqlite3';
import { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  type AppendResult,
  EventIdConflictError,
  type EventStore,
  type ExpectedRevision,
  type GlobalPosition,
  type NewEvent,
  type RecordedEvent,
  type StreamRevision,
  type SubscribeOptions,
  type Subscription,
  WrongExpectedRevisionError,
} from '../eventStore';

type Row = {
  position: number;
  id: string;
  stream_id: string;
  revision: number;
  type: string;
  data: string;
  metadata: string;
  occurred_at: string;
};

type PendingAppend = {
  streamId: string;
  events: NewEvent[];
  expected: ExpectedRevision;
  resolve: (result: AppendResult) => void;
  reject: (error: unknown) => void;
};

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS events (
    position    INTEGER PRIMARY KEY AUTOINCREMENT,
    id          TEXT    NOT NULL UNIQUE,
    stream_id   TEXT    NOT NULL,
    revision    INTEGER NOT NULL,
    type        TEXT    NOT NULL,
    data        TEXT    NOT NULL,
    metadata    TEXT    NOT NULL,
    occurred_at TEXT    NOT NULL,
    UNIQUE (stream_id, revision)
  );
  CREATE TABLE IF NOT EXISTS leases (
    name       TEXT    PRIMARY KEY,
    owner      TEXT    NOT NULL,
    expires_at INTEGER NOT NULL
  );
  CREATE TABLE IF NOT EXISTS checkpoints (
    name     TEXT    PRIMARY KEY,
    position INTEGER NOT NULL
  );
`;

/** Other processes (a relay, an audit CLI) may append to the same file; poll for their writes this often. */
const CROSS_PROCESS_POLL_MS = 250;

export type SqliteEventStoreOptions = {
  /**
   * FULL (default): WAL in synchronous=FULL fsyncs the log on every commit, so an append that returned
   * survives power loss. NORMAL skips that fsync and may lose the last commits on power loss (never on
   * a process crash); it exists for benchmarks and throwaway test stores only.
   */
  synchronous?: 'FULL' | 'NORMAL';
  /**
   * How often a subscription looks for events appended by another process (default 250 ms). Appends
   * through this instance wake subscribers at once; a relay tailing the API's file wants it short.
   */
  pollIntervalMs?: number;
};

/**
 * The embedded event store: one SQLite file in WAL mode.
 *
 * Group commit: appends requested in the same event-loop turn are written in ONE transaction (one fsync),
 * each inside its own savepoint, so one append's conflict does not fail its neighbours. Positions are
 * allocated inside the single writer's transaction, so the global log never shows a gap that later fills.
 */
export class SqliteEventStore implements EventStore {
  private readonly db: Database.Database;
  private readonly appended = new EventEmitter();
  private pending: PendingAppend[] = [];
  private flushScheduled = false;
  private closed = false;
  private readonly statements;
  private readonly appendInSavepoint: (append: PendingAppend) => AppendResult;
  private readonly commitBatch: Database.Transaction<(batch: PendingAppend[]) => (AppendResult | Error)[]>;
  private readonly pollIntervalMs: number;

  constructor(
    readonly file: string,
    options: SqliteEventStoreOptions = {},
  ) {
    this.pollIntervalMs = options.pollIntervalMs ?? CROSS_PROCESS_POLL_MS;
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${options.synchronous ?? 'FULL'}`);
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(SCHEMA);
    this.appended.setMaxListeners(0);

    const columns = 'position, id, stream_id, revision, type, data, metadata, occurred_at';
    this.statements = {
      head: this.db.prepare<[string], { revision: number }>(
        'SELECT revision FROM events WHERE stream_id = ? ORDER BY revision DESC LIMIT 1',
      ),
      insert: this.db.prepare(
        `INSERT INTO events (id, stream_id, revision, type, data, metadata, occurred_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      ),
      byId: this.db.prepare<[string], Row>(`SELECT ${columns} FROM events WHERE id = ?`),
      stream: this.db.prepare<[string, number], Row>(
        `SELECT ${columns} FROM events WHERE stream_id = ? AND revision >= ? ORDER BY revision`,
      ),
      streamSlice: this.db.prepare<[string, number, number], Row>(
        `SELECT ${columns} FROM events WHERE stream_id = ? AND revision >= ? ORDER BY revision LIMIT ?`,
      ),
      all: this.db.prepare<[number, number], Row>(
        `SELECT ${columns} FROM events WHERE position > ? ORDER BY position LIMIT ?`,
      ),
      lastPosition: this.db.prepare<[], { position: number | null }>(
        'SELECT MAX(position) AS position FROM events',
      ),
      // Takes a free or expired lease, or renews our own; `changes` tells whether we hold it now.
      acquireLease: this.db.prepare<[{ name: string; owner: string; expiresAt: number; now: number }]>(
        `INSERT INTO leases (name, owner, expires_at) VALUES (@name, @owner, @expiresAt)
         ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
         WHERE leases.owner = excluded.owner OR leases.expires_at <= @now`,
      ),
      releaseLease: this.db.prepare<[string, string]>('DELETE FROM leases WHERE name = ? AND owner = ?'),
      loadCheckpoint: this.db.prepare<[string], { position: number }>(
        'SELECT position FROM checkpoints WHERE name = ?',
      ),
      saveCheckpoint: this.db.prepare<[{ name: string; position: number; owner: string; now: number }]>(
        `INSERT INTO checkpoints (name, position)
         SELECT @name, @position
         WHERE EXISTS (SELECT 1 FROM leases WHERE name = @name AND owner = @owner AND expires_at > @now)
         ON CONFLICT (name) DO UPDATE SET position = excluded.position`,
      ),
    };

    // Nested better-sqlite3 transactions are savepoints: a failed append rolls back only itself.
    this.appendInSavepoint = this.db.transaction((append: PendingAppend) => this.appendOne(append));
    this.commitBatch = this.db.transaction((batch: PendingAppend[]) =>
      batch.map((append) => {
        try {
          return this.appendInSavepoint(append);
        } catch (error) {
          return error instanceof Error ? error : new Error(String(error));
        }
      }),
    );
  }

  appendToStream(streamId: string, events: NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    if (this.closed) return Promise.reject(new Error('event store is closed'));
    if (events.length === 0) return Promise.reject(new Error('append needs at least one event'));
    return new Promise((resolve, reject) => {
      this.pending.push({ streamId, events, expected, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.flushScheduled = false;
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    let results: (AppendResult | Error)[];
    try {
      // IMMEDIATE takes the write lock up front (waiting up to busy_timeout): a deferred transaction that
      // read first would fail at once with SQLITE_BUSY when another process (a relay) wrote meanwhile.
      results = this.commitBatch.immediate(batch);
    } catch (error) {
      // The commit itself failed (disk full, I/O error): nothing in the batch was written.
      for (const append of batch) append.reject(error);
      return;
    }
    // Durable from here on: settle the callers, then wake the subscribers.
    batch.forEach((append, i) => {
      const result = results[i];
      if (result instanceof Error) append.reject(result);
      else append.resolve(result);
    });
    this.appended.emit('appended');
  }

  private appendOne({ streamId, events, expected }: PendingAppend): AppendResult {
    const replayed = this.alreadyAppended(streamId, events);
    if (replayed) return replayed;

    const current = this.statements.head.get(streamId)?.revision;
    if (
      (expected === 'no_stream' && current !== undefined) ||
      (typeof expected === 'number' && current !== expected)
    ) {
      throw new WrongExpectedRevisionError(streamId, expected, current ?? 'no_stream');
    }

    let revision = current ?? -1;
    let position = 0;
    for (const event of events) {
      revision += 1;
      try {
        position = Number(
          this.statements.insert.run(
            event.id,
            streamId,
            revision,
            event.type,
            JSON.stringify(event.data),
            JSON.stringify(event.metadata),
            event.occurredAt.toISOString(),
          ).lastInsertRowid,
        );
      } catch (error) {
        if ((error as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') {
          throw new EventIdConflictError(event.id);
        }
        throw error;
      }
    }
    return { nextRevision: revision, position };
  }

  /** Same ids already in this stream, in this order: the append already happened; answer as it did. */
  private alreadyAppended(streamId: string, events: NewEvent[]): AppendResult | undefined {
    const first = this.statements.byId.get(events[0].id);
    if (!first) return undefined;
    const rows =
      first.stream_id === streamId
        ? this.statements.streamSlice.all(streamId, first.revision, events.length)
        : [];
    if (rows.length !== events.length || rows.some((row, i) => row.id !== events[i].id)) {
      throw new EventIdConflictError(events[0].id);
    }
    const last = rows[rows.length - 1];
    return { nextRevision: last.revision, position: last.position };
  }

  async readStream(streamId: string, fromRevision: StreamRevision = 0): Promise<RecordedEvent[]> {
    return this.statements.stream.all(streamId, fromRevision).map(toRecorded);
  }

  async readAll(after: GlobalPosition, limit: number): Promise<RecordedEvent[]> {
    return this.readAllNow(after, limit);
  }

  private readAllNow(after: GlobalPosition, limit: number): RecordedEvent[] {
    return this.statements.all.all(after, limit).map(toRecorded);
  }

  async findEvent(streamId: string, eventId: string): Promise<RecordedEvent | undefined> {
    const row = this.statements.byId.get(eventId);
    return row && row.stream_id === streamId ? toRecorded(row) : undefined;
  }

  async headPosition(): Promise<GlobalPosition> {
    return this.statements.lastPosition.get()?.position ?? 0;
  }

  async acquireLease(name: string, owner: string, ttlMs: number): Promise<boolean> {
    const now = Date.now();
    return this.statements.acquireLease.run({ name, owner, expiresAt: now + ttlMs, now }).changes === 1;
  }

  async releaseLease(name: string, owner: string): Promise<void> {
    this.statements.releaseLease.run(name, owner);
  }

  async loadCheckpoint(name: string): Promise<GlobalPosition> {
    return this.statements.loadCheckpoint.get(name)?.position ?? 0;
  }

  async saveCheckpoint(name: string, owner: string, position: GlobalPosition): Promise<boolean> {
    return this.statements.saveCheckpoint.run({ name, position, owner, now: Date.now() }).changes === 1;
  }

  subscribeToAll({ after, onEvents, onError, batchSize = 1000 }: SubscribeOptions): Subscription {
    let position = after;
    let stopped = false;
    let wake: (() => void) | undefined;
    const onAppended = () => wake?.();
    this.appended.on('appended', onAppended);

    const run = async () => {
      while (!stopped && !this.closed) {
        const events = this.readAllNow(position, batchSize);
        if (events.length > 0) {
          await onEvents(events);
          position = events[events.length - 1].position;
          continue;
        }
        // The read above and arming `wake` happen in the same tick: no append can slip between them.
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, this.pollIntervalMs);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = undefined;
      }
    };
    const done = run().catch((error) => {
      if (onError) onError(error);
      else throw error;
    });

    return {
      close: async () => {
        stopped = true;
        wake?.();
        this.appended.off('appended', onAppended);
        await done;
      },
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    this.appended.emit('appended');
    this.db.close();
  }
}

const toRecorded = (row: Row): RecordedEvent => ({
  id: row.id,
  type: row.type,
  streamId: row.stream_id,
  revision: row.revision,
  position: row.position,
  occurredAt: row.occurred_at,
  data: JSON.parse(row.data),
  metadata: JSON.parse(row.metadata),
});
