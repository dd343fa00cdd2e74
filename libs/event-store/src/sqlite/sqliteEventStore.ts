import Database from 'better-sqlite3';
import { channel } from 'node:diagnostics_channel';
import { EventEmitter, once } from 'node:events';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Worker } from 'node:worker_threads';
import {
  type AppendResult,
  EventIdConflictError,
  type EventLink,
  type EventStore,
  type ExpectedRevision,
  type GlobalPosition,
  type LeaseHolder,
  type NewEvent,
  type AppendTracker,
  type AppendTracking,
  type ReadStreamsByPrefixOptions,
  type RecordedEvent,
  type RecordedEventWithoutMetadata,
  type StreamRevision,
  type SubscribeOptions,
  type Subscription,
  WrongExpectedRevisionError,
  prefixBatchSize,
} from '../eventStore';
import type { SnapshotStore, StreamSnapshot } from '../snapshotStore';
import {
  type WriterAppend,
  type WriterData,
  type WriterOutcome,
  type WriterReply,
  type WriterRequest,
  writerThread,
} from './sqliteWriter';

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

/** A row of the global log without metadata, as an array (raw mode), in the order the query selects. */
type RowWithoutMetadata = [
  position: number,
  id: string,
  streamId: string,
  revision: number,
  type: string,
  data: string,
  occurredAt: string,
];

type PendingAppend = {
  append: WriterAppend;
  /** The tracker that claimed the events, if one did. */
  owner?: Tracker;
  resolve: (result: AppendResult) => void;
  reject: (error: unknown) => void;
};

type PendingSnapshot = { snapshot: StreamSnapshot; resolve: () => void; reject: (error: unknown) => void };

/** One writer's count of appends by others (AppendTracker's mark). */
type Tracker = { othersAppended: number };

/** What one commit carries: appends, and snapshots riding along; when it went to the writer, if traced. */
type Group = { appends: PendingAppend[]; snapshots: PendingSnapshot[]; sentAt?: number };

/**
 * One group commit as the `groupCommits` channel publishes it. Times are ms on the wall clock with
 * sub-millisecond resolution (performance.timeOrigin + performance.now()), comparable across processes.
 */
export type GroupCommitTrace = {
  appends: number;
  snapshots: number;
  /** Posted to the writer thread. */
  sentAt: number;
  /** Its reply received on this thread: everything in the group is durable from here. */
  repliedAt: number;
  /** The transaction in the writer thread, from the request's arrival to the commit's return (fsync). */
  writerMs: number;
};

/**
 * Every group commit, for tracing (bench/tail.ts subscribes). Nothing is timed or published while it has
 * no subscriber.
 */
export const groupCommits = channel('game-backend:sqlite:group-commit');

const wallClock = (): number => performance.timeOrigin + performance.now();

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
  CREATE TABLE IF NOT EXISTS snapshots (
    stream_id TEXT    NOT NULL,
    version   INTEGER NOT NULL,
    revision  INTEGER NOT NULL,
    payload   TEXT    NOT NULL,
    PRIMARY KEY (stream_id, version)
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
  /** Told the size of each group the writer committed (one transaction, one fsync), for metrics. */
  onGroupCommit?: (appends: number) => void;
};

/**
 * The embedded event store: one SQLite file in WAL mode.
 *
 * One writer: a worker thread (./sqliteWriter.ts) owns the write connection, so the transaction and its
 * fsync never block the event loop; reads use this thread's own connection and run meanwhile (WAL).
 *
 * Group commit, pipelined: appends requested while no group is committing are sent together at the end
 * of the event-loop turn; appends requested while a group commits (and fsyncs) wait and go as the next
 * group as soon as it returns. A group is ONE transaction (one fsync), each append inside its own
 * savepoint, so one append's conflict does not fail its neighbours. Groups commit one after another, in
 * request order. Positions are allocated inside the single writer's transaction, so the global log never
 * shows a gap that later fills; and SQLite makes a commit visible to readers only once it is fsynced
 * (synchronous=FULL), so nothing can read (or relay) an event that a power loss could still take back.
 * An append's promise settles only after its group's commit returned: durable on return.
 *
 * Snapshots (the SnapshotStore port) live in the same file, one row per stream and fold version, and are
 * written by the same writer in the next group, so they cost no fsync of their own while appends flow.
 */
export class SqliteEventStore implements EventStore, SnapshotStore, AppendTracking {
  private readonly db: Database.Database;
  private readonly appended = new EventEmitter();
  private pending: Group = { appends: [], snapshots: [] };
  private flushScheduled = false;
  /** The group the writer is committing now, if any: the next group waits for it. */
  private committing: Group | undefined;
  private writer: Worker | undefined;
  private closed = false;
  private readonly idle = new EventEmitter();
  private readonly statements;
  private readonly pollIntervalMs: number;
  private readonly synchronous: 'FULL' | 'NORMAL';
  private readonly onGroupCommit?: (appends: number) => void;
  private readonly trackers = new Set<Tracker>();
  private readonly claims = new WeakMap<readonly NewEvent[], Tracker>();
  /** The log's last position as far as this instance accounted for it: other writers' seen, then ours. */
  private accountedHead: number;
  /** The reading connection's data_version when the log's head was last found accounted for. */
  private accountedVersion: number | bigint;

  constructor(
    readonly file: string,
    options: SqliteEventStoreOptions = {},
  ) {
    this.pollIntervalMs = options.pollIntervalMs ?? CROSS_PROCESS_POLL_MS;
    this.synchronous = options.synchronous ?? 'FULL';
    this.onGroupCommit = options.onGroupCommit;
    // The writer thread opens the same file: an in-memory database would be another one there.
    if (file === ':memory:')
      throw new Error('SqliteEventStore needs a file (its writer thread opens it too)');
    mkdirSync(dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${this.synchronous}`);
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(SCHEMA);
    this.appended.setMaxListeners(0);

    const columns = 'position, id, stream_id, revision, type, data, metadata, occurred_at';
    this.statements = {
      byId: this.db.prepare<[string], Row>(`SELECT ${columns} FROM events WHERE id = ?`),
      // No LIMIT clause: with one, SQLite plans the common read of a short tail more slowly
      // (docs/performance.md); readStream stops stepping at maxCount instead.
      stream: this.db.prepare<[string, number], Row>(
        `SELECT ${columns} FROM events WHERE stream_id = ? AND revision >= ? ORDER BY revision`,
      ),
      all: this.db.prepare<[number, number], Row>(
        `SELECT ${columns} FROM events WHERE position > ? ORDER BY position LIMIT ?`,
      ),
      // For rebuilding read models: metadata is not selected (no string made for it, nothing to parse),
      // and rows come as arrays (raw), not as one more object per event to collect.
      allWithoutMetadata: this.db
        .prepare<[number, number], RowWithoutMetadata>(
          `SELECT position, id, stream_id, revision, type, data, occurred_at
           FROM events WHERE position > ? ORDER BY position LIMIT ?`,
        )
        .raw(true),
      // For anchoring: SQLite takes the hash out of the metadata; nothing else of the event is read.
      links: this.db
        .prepare<[number, number], [number, string, number, string | null]>(
          `SELECT position, stream_id, revision, json_extract(metadata, '$.hash')
           FROM events WHERE position > ? ORDER BY position LIMIT ?`,
        )
        .raw(true),
      // The positions of a stream-id range, then the rows by position (readStreamsByPrefix). `+position`
      // keeps SQLite from serving the position bounds with the primary key, which would read every event
      // of the log between them; the id range is then an index-only scan of UNIQUE (stream_id, revision),
      // whose entries carry the position (the rowid), so no index beyond it is needed. Without an upper
      // bound (an empty prefix: every stream) SQLite reads the log in position order instead.
      prefixPositions: this.db
        .prepare<[string, string, number, number], number>(
          `SELECT position FROM events
           WHERE stream_id >= ? AND stream_id < ? AND +position > ? AND +position <= ? ORDER BY position`,
        )
        .pluck(),
      prefixPositionsUnbounded: this.db
        .prepare<[string, number, number], number>(
          `SELECT position FROM events
           WHERE stream_id >= ? AND +position > ? AND +position <= ? ORDER BY position`,
        )
        .pluck(),
      byPositions: this.db.prepare<[string], Row>(
        `SELECT ${columns} FROM events WHERE position IN (SELECT value FROM json_each(?)) ORDER BY position`,
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
      leaseHolder: this.db.prepare<[string, number], { owner: string; expiresAt: number }>(
        'SELECT owner, expires_at AS expiresAt FROM leases WHERE name = ? AND expires_at > ?',
      ),
      loadCheckpoint: this.db.prepare<[string], { position: number }>(
        'SELECT position FROM checkpoints WHERE name = ?',
      ),
      loadSnapshot: this.db.prepare<[string, number], StreamSnapshot>(
        `SELECT stream_id AS streamId, version, revision, payload FROM snapshots
         WHERE stream_id = ? AND version = ?`,
      ),
      saveCheckpoint: this.db.prepare<[{ name: string; position: number; owner: string; now: number }]>(
        `INSERT INTO checkpoints (name, position)
         SELECT @name, @position
         WHERE EXISTS (SELECT 1 FROM leases WHERE name = @name AND owner = @owner AND expires_at > @now)
         ON CONFLICT (name) DO UPDATE SET position = excluded.position`,
      ),
      // Changes whenever another connection (this instance's writer thread included) committed.
      dataVersion: this.db.prepare<[], number | bigint>('PRAGMA data_version').pluck(),
    };
    // The version first: a commit between the two reads is in the head and shows as a new version.
    this.accountedVersion = this.statements.dataVersion.get() as number | bigint;
    this.accountedHead = this.statements.lastPosition.get()?.position ?? 0;
  }

  /**
   * Appends through this instance are told apart by the tracker that claimed them. Every other writer is
   * another connection, so its commits show as a new data_version on the reading connection; so do this
   * instance's own, which the writer thread reports with the log's head before and after each (read
   * under the write lock). While each commit begins where the previous one ended, the head is accounted
   * for; events of another connection come in between (positions only grow) and count against every
   * tracker.
   */
  trackAppends(): AppendTracker {
    const tracker: Tracker = { othersAppended: 0 };
    this.trackers.add(tracker);
    return {
      claim: (events) => this.claims.set(events, tracker),
      mark: () => tracker.othersAppended,
      onlyOwnAppendsSince: (mark) =>
        mark === tracker.othersAppended && this.headAccountedFor() && mark === tracker.othersAppended,
    };
  }

  /**
   * Whether every event in the log now is accounted for. Cost: a pragma read, and a MAX(position) when
   * another connection committed since the last call. When the head is beyond what is accounted for while
   * a group of ours is committing, its answer may still be on its way: undecided (false), nothing counted.
   */
  private headAccountedFor(): boolean {
    if (this.closed) return false;
    const version = this.statements.dataVersion.get() as number | bigint;
    if (version === this.accountedVersion) return true;
    const head = this.statements.lastPosition.get()?.position ?? 0;
    if (head !== this.accountedHead) {
      if (this.committing) return false;
      // Nothing of ours is in flight: the events beyond the accounted head are another connection's (or of
      // a group whose writer thread died before answering, as unknown).
      this.othersAppended();
      this.accountedHead = head;
    }
    this.accountedVersion = version;
    return head === this.accountedHead;
  }

  private othersAppended(except?: Tracker): void {
    for (const tracker of this.trackers) if (tracker !== except) tracker.othersAppended += 1;
  }

  appendToStream(streamId: string, events: NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    if (this.closed) return Promise.reject(new Error('event store is closed'));
    if (events.length === 0) return Promise.reject(new Error('append needs at least one event'));
    // Serialised here, on the caller's turn: the writer receives strings, and a body that cannot be
    // stored as JSON fails this append alone.
    const append: WriterAppend = {
      streamId,
      expected,
      events: events.map((event) => ({
        id: event.id,
        type: event.type,
        data: JSON.stringify(event.data),
        metadata: JSON.stringify(event.metadata),
        occurredAt: event.occurredAt.toISOString(),
      })),
    };
    return new Promise((resolve, reject) => {
      this.pending.appends.push({ append, owner: this.claims.get(events), resolve, reject });
      if (!this.committing) this.scheduleFlush();
    });
  }

  async loadSnapshot(streamId: string, version: number): Promise<StreamSnapshot | undefined> {
    return this.statements.loadSnapshot.get(streamId, version);
  }

  /** Written with the next group of appends (or alone when none come); settles once that committed. */
  saveSnapshot(snapshot: StreamSnapshot): Promise<void> {
    if (this.closed) return Promise.reject(new Error('event store is closed'));
    const { streamId, version, revision, payload } = snapshot;
    return new Promise((resolve, reject) => {
      this.pending.snapshots.push({ snapshot: { streamId, version, revision, payload }, resolve, reject });
      if (!this.committing) this.scheduleFlush();
    });
  }

  /**
   * Flushes at the end of this event-loop turn, so every append requested in it (by every request whose
   * bytes arrived in this turn) joins the same group.
   */
  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  /** Sends every waiting append and snapshot to the writer as one group, unless one is committing already. */
  private flush(): void {
    if (this.committing || !hasWork(this.pending)) return;
    const group = this.pending;
    this.pending = { appends: [], snapshots: [] };
    let writer: Worker;
    try {
      writer = this.startedWriter();
    } catch (error) {
      failGroup(group, error);
      this.idle.emit('idle');
      return;
    }
    this.committing = group;
    if (groupCommits.hasSubscribers) group.sentAt = wallClock();
    writer.ref(); // an append in flight keeps the process alive; an idle writer does not
    const request: WriterRequest = {
      type: 'commit',
      batch: group.appends.map(({ append }) => append),
      snapshots: group.snapshots.map(({ snapshot }) => snapshot),
    };
    writer.postMessage(request);
  }

  private startedWriter(): Worker {
    if (this.writer) return this.writer;
    const workerData: WriterData = {
      file: this.file,
      synchronous: this.synchronous,
      sqliteModule: require.resolve('better-sqlite3'),
    };
    // No execArgv: the writer is plain JavaScript and needs none of the parent's preloads (a TS loader).
    const writer = new Worker(`(${writerThread.toString()})(require)`, {
      eval: true,
      workerData,
      execArgv: [],
    });
    writer.on('message', (reply: WriterReply) => this.onWriterReply(reply));
    writer.on('error', (error) => this.onWriterDied(writer, error));
    writer.on('exit', (code) =>
      this.onWriterDied(writer, new Error(`the SQLite writer thread exited (${code})`)),
    );
    this.writer = writer;
    return writer;
  }

  private onWriterReply(reply: WriterReply): void {
    if (reply.type === 'closed') return;
    const group = this.committing ?? { appends: [], snapshots: [] };
    this.committing = undefined;
    this.writer?.unref();
    if (reply.type === 'failed') {
      // The commit itself failed (disk full, I/O error): nothing in the group was written.
      failGroup(group, Object.assign(new Error(reply.message), { code: reply.code }));
    } else {
      // Another connection appended between our previous commit and this one; and each append written
      // here counts against every tracker but the one that claimed it.
      if (reply.headBefore !== this.accountedHead) this.othersAppended();
      this.accountedHead = reply.headAfter;
      group.appends.forEach(({ owner }, i) => {
        const outcome = reply.outcomes[i];
        if (outcome.ok && outcome.written) this.othersAppended(owner);
      });
      // Durable from here on: settle the callers, then wake the subscribers.
      if (group.appends.length > 0) this.onGroupCommit?.(group.appends.length);
      if (group.sentAt !== undefined && groupCommits.hasSubscribers) {
        const trace: GroupCommitTrace = {
          appends: group.appends.length,
          snapshots: group.snapshots.length,
          sentAt: group.sentAt,
          repliedAt: wallClock(),
          writerMs: reply.writerMs,
        };
        groupCommits.publish(trace);
      }
      group.appends.forEach(({ resolve, reject }, i) => {
        const outcome = reply.outcomes[i];
        if (outcome.ok) {
          const { nextRevision, position, written } = outcome;
          resolve({ nextRevision, position, written });
        } else reject(toError(outcome));
      });
      group.snapshots.forEach(({ resolve, reject }, i) => {
        const failure = reply.snapshots[i];
        if (failure === null) resolve();
        else reject(new Error(failure));
      });
      if (group.appends.length > 0) this.appended.emit('appended');
    }
    // Pipelining: what arrived while this group committed is the next group, sent at once, so the
    // writer commits it while this thread serves the requests that have arrived meanwhile.
    if (hasWork(this.pending)) this.flush();
    else this.idle.emit('idle');
  }

  /**
   * The writer thread crashed. The group it was committing may or may not be on disk: those appends fail
   * (a retry with the same event ids is answered from the log if it was). The next group starts a new
   * writer.
   */
  private onWriterDied(writer: Worker, error: Error): void {
    if (this.writer !== writer) return;
    this.writer = undefined;
    const lost = this.committing;
    this.committing = undefined;
    if (lost) failGroup(lost, error);
    if (hasWork(this.pending)) this.scheduleFlush();
    else this.idle.emit('idle');
  }

  async readStream(
    streamId: string,
    fromRevision: StreamRevision = 0,
    maxCount?: number,
  ): Promise<RecordedEvent[]> {
    if (maxCount === undefined) return this.statements.stream.all(streamId, fromRevision).map(toRecorded);
    const events: RecordedEvent[] = [];
    if (maxCount <= 0) return events;
    for (const row of this.statements.stream.iterate(streamId, fromRevision)) {
      events.push(toRecorded(row));
      if (events.length === maxCount) break; // ends the statement
    }
    return events;
  }

  async readAll(after: GlobalPosition, limit: number): Promise<RecordedEvent[]> {
    return this.readAllNow(after, limit);
  }

  private readAllNow(after: GlobalPosition, limit: number): RecordedEvent[] {
    return this.statements.all.all(after, limit).map(toRecorded);
  }

  async readAllWithoutMetadata(
    after: GlobalPosition,
    limit: number,
  ): Promise<RecordedEventWithoutMetadata[]> {
    return this.readAllWithoutMetadataNow(after, limit);
  }

  private readAllWithoutMetadataNow(after: GlobalPosition, limit: number): RecordedEventWithoutMetadata[] {
    return this.statements.allWithoutMetadata.all(after, limit).map(toRecordedWithoutMetadata);
  }

  async readLinks(after: GlobalPosition, limit: number): Promise<EventLink[]> {
    return this.statements.links
      .all(after, limit)
      .map(([position, streamId, revision, hash]) =>
        hash === null ? { position, streamId, revision } : { position, streamId, revision, hash },
      );
  }

  /**
   * One index-only scan collects the positions in the range, sorted (integers only: a few bytes per
   * event); each batch then reads its rows by position. Nothing holds a read transaction between batches,
   * so a slow fold does not keep the WAL from being checkpointed; the positions are at most the head,
   * whose events never change, so the batches still show one moment of the log.
   */
  async *readStreamsByPrefix(
    prefix: string,
    { after = 0, until, batchSize }: ReadStreamsByPrefixOptions,
  ): AsyncIterable<RecordedEvent[]> {
    const size = prefixBatchSize(batchSize);
    const head = this.statements.lastPosition.get()?.position ?? 0;
    const end = Math.min(until ?? head, head);
    if (end <= after) return;
    // SQLite receives the prefix as UTF-8, where a lone surrogate becomes U+FFFD: bound what it compares.
    const from = prefix.replace(/\p{Cs}/gu, '\uFFFD');
    const to = prefixUpperBound(from);
    const positions =
      to === undefined
        ? this.statements.prefixPositionsUnbounded.all(from, after, end)
        : this.statements.prefixPositions.all(from, to, after, end);
    for (let i = 0; i < positions.length; i += size) {
      const batch = JSON.stringify(positions.slice(i, i + size));
      yield this.statements.byPositions.all(batch).map(toRecorded);
    }
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

  async leaseHolder(name: string): Promise<LeaseHolder | undefined> {
    return this.statements.leaseHolder.get(name, Date.now());
  }

  async loadCheckpoint(name: string): Promise<GlobalPosition> {
    return this.statements.loadCheckpoint.get(name)?.position ?? 0;
  }

  async saveCheckpoint(name: string, owner: string, position: GlobalPosition): Promise<boolean> {
    return this.statements.saveCheckpoint.run({ name, position, owner, now: Date.now() }).changes === 1;
  }

  subscribeToAll(options: SubscribeOptions): Subscription {
    return this.subscribe((after, limit) => this.readAllNow(after, limit), options);
  }

  subscribeToAllWithoutMetadata(options: SubscribeOptions<RecordedEventWithoutMetadata>): Subscription {
    return this.subscribe((after, limit) => this.readAllWithoutMetadataNow(after, limit), options);
  }

  private subscribe<Event extends { position: GlobalPosition }>(
    read: (after: GlobalPosition, limit: number) => Event[],
    { after, onEvents, onError, batchSize = 1000 }: SubscribeOptions<Event>,
  ): Subscription {
    let position = after;
    let stopped = false;
    let wake: (() => void) | undefined;
    const onAppended = () => wake?.();
    this.appended.on('appended', onAppended);

    const run = async () => {
      while (!stopped && !this.closed) {
        const events = read(position, batchSize);
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
    this.closed = true;
    // Appends (and snapshots) already requested still commit (and settle) before the connections close.
    if (this.committing || hasWork(this.pending)) {
      this.flush();
      await once(this.idle, 'idle');
    }
    this.appended.emit('appended');
    const writer = this.writer;
    if (writer) {
      this.writer = undefined; // its exit is expected now
      writer.ref();
      const exited = once(writer, 'exit');
      const request: WriterRequest = { type: 'close' };
      writer.postMessage(request);
      await exited;
    }
    this.db.close();
  }
}

const hasWork = (group: Group): boolean => group.appends.length > 0 || group.snapshots.length > 0;

const failGroup = (group: Group, error: unknown): void => {
  for (const { reject } of [...group.appends, ...group.snapshots]) reject(error);
};

const toError = (outcome: Exclude<WriterOutcome, { ok: true }>): Error => {
  if (outcome.kind === 'wrong-revision') {
    return new WrongExpectedRevisionError(outcome.streamId, outcome.expected, outcome.actual ?? 'no_stream');
  }
  if (outcome.kind === 'id-conflict') return new EventIdConflictError(outcome.eventId);
  return Object.assign(new Error(outcome.message), { code: outcome.code });
};

/**
 * The least string above every string that starts with `prefix` in SQLite's BINARY order, which compares
 * UTF-8 bytes and so orders by code point (not by UTF-16 unit, as JavaScript's `<` does); undefined when
 * no string is above them all (an empty prefix, or one of U+10FFFF only). Ids that start with `prefix`
 * are then exactly those in [prefix, bound): a range, where LIKE would take `_` and `%` as wildcards.
 * `prefix` must be well-formed UTF-16 (no lone surrogate).
 */
export const prefixUpperBound = (prefix: string): string | undefined => {
  const chars = Array.from(prefix); // by code point
  for (let i = chars.length - 1; i >= 0; i--) {
    const codePoint = chars[i].codePointAt(0) as number;
    if (codePoint === 0x10ffff) continue;
    // The code point after U+D7FF is U+E000: surrogates are not characters.
    return chars.slice(0, i).join('') + String.fromCodePoint(codePoint === 0xd7ff ? 0xe000 : codePoint + 1);
  }
  return undefined;
};

const toRecordedWithoutMetadata = (row: RowWithoutMetadata): RecordedEventWithoutMetadata => ({
  id: row[1],
  type: row[4],
  streamId: row[2],
  revision: row[3],
  position: row[0],
  occurredAt: row[6],
  data: JSON.parse(row[5]),
});

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
