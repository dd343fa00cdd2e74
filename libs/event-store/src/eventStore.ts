/**
 * The event store port. Streams are ordered by revision (0-based); the whole store is one global log
 * ordered by position (1-based, strictly increasing; 0 means "before the first event").
 */
export type StreamRevision = number;
export type GlobalPosition = number;

/** no_stream: the stream must not exist; any: no check; a number: the stream's last revision must be it. */
export type ExpectedRevision = 'no_stream' | 'any' | StreamRevision;

export type EventMetadata = {
  schemaVersion: number;
  /** Derived from the Idempotency-Key of the command that produced the event. */
  commandId?: string;
  /** Hash of the request body, to tell a retry from a key reused for a different request. */
  requestHash?: string;
  correlationId?: string;
  causationId?: string;
  actor?: string;
  /**
   * Tamper evidence (see @app/audit): SHA-256 of the event's canonical form, which includes previousHash,
   * the hash of the stream's previous event. Absent on events written before hashing.
   */
  hash?: string;
  previousHash?: string;
  /** W3C trace context of the append, when the api traces: the relay and projectors continue its trace. */
  traceparent?: string;
  tracestate?: string;
};

export type NewEvent = {
  /** Deterministic (derived from the command), so an append retried after a timeout is a no-op. */
  id: string;
  type: string;
  data: unknown;
  metadata: EventMetadata;
  occurredAt: Date;
};

/** The envelope Kafka consumers and auditors see. */
export type RecordedEvent<Data = unknown> = {
  id: string;
  type: string;
  streamId: string;
  revision: StreamRevision;
  position: GlobalPosition;
  occurredAt: string;
  data: Data;
  metadata: EventMetadata;
};

/**
 * A recorded event without its metadata: all the read models are built from (no projection reads
 * metadata, which is most of an envelope's bytes: command ids, request hash, hash chain).
 */
export type RecordedEventWithoutMetadata<Data = unknown> = Omit<RecordedEvent<Data>, 'metadata'>;

/**
 * Where an event sits in the log and its stored hash (metadata.hash; absent on an event written before
 * hashing): what sealing the log in anchors needs of each event, without its data.
 */
export type EventLink = {
  position: GlobalPosition;
  streamId: string;
  revision: StreamRevision;
  hash?: string;
};

export type AppendResult = {
  /** Revision of the stream's last event after the append. */
  nextRevision: StreamRevision;
  /** Global position of the last event appended. */
  position: GlobalPosition;
  /**
   * False when the events were already in the stream (a retried append): nothing was written, and the
   * revision and position are those of the first append.
   */
  written: boolean;
};

export type Subscription = { close(): Promise<void> };

export type LeaseHolder = { owner: string; expiresAt: number };

export type SubscribeOptions<Event = RecordedEvent> = {
  /** Deliver events strictly after this position. */
  after: GlobalPosition;
  /** Called with consecutive batches; the next batch waits until the returned promise settles. */
  onEvents: (events: Event[]) => Promise<void>;
  onError?: (error: unknown) => void;
  batchSize?: number;
};

export type ReadStreamsByPrefixOptions = {
  /** Only events strictly after this position (default 0: from the start). */
  after?: GlobalPosition;
  /** Only events at or before this position (default, and at most: the head when iteration starts). */
  until?: GlobalPosition;
  /** Most events in one batch (default 1000). */
  batchSize?: number;
};

/** The batch size of readStreamsByPrefix when none is given. */
const DEFAULT_PREFIX_BATCH_SIZE = 1000;

/** Refuses a batch size that could never make progress or is not a count. */
export const prefixBatchSize = (batchSize: number = DEFAULT_PREFIX_BATCH_SIZE): number => {
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) {
    throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
  }
  return batchSize;
};

export interface EventStore {
  /**
   * Appends at the expected revision. Events whose ids are already in the stream, in this order, are a
   * retried append: whatever the expected revision, nothing is written and the first result is returned
   * (`written: false`). An id already used elsewhere is an EventIdConflictError.
   */
  appendToStream(streamId: string, events: NewEvent[], expected: ExpectedRevision): Promise<AppendResult>;
  /** The stream's events from `fromRevision` (default 0) in order: at most `maxCount` (default all). */
  readStream(streamId: string, fromRevision?: StreamRevision, maxCount?: number): Promise<RecordedEvent[]>;
  /** Events strictly after `after`, in global order. */
  readAll(after: GlobalPosition, limit: number): Promise<RecordedEvent[]>;
  /**
   * readAll without the metadata, for rebuilding read models: a store that can skip reading and parsing
   * it does. The events are otherwise the same (no `metadata` key at all).
   */
  readAllWithoutMetadata(after: GlobalPosition, limit: number): Promise<RecordedEventWithoutMetadata[]>;
  /**
   * readAll reduced to each event's link (EventLink), for anchoring the log: a store that can read the
   * hash without the event's data and the rest of its metadata does.
   */
  readLinks(after: GlobalPosition, limit: number): Promise<EventLink[]>;
  /**
   * The events of every stream whose id starts with `prefix`, in global order, with positions in
   * (after, until] (`until` defaults to the head), yielded in batches of at most `batchSize`.
   *
   * The prefix is matched literally. The head is read when iteration starts and `until` is capped to it,
   * so the batches are the log as it was then: a fold over a busy prefix ends. An empty result yields
   * no batch. For folds over many streams at a cut position (a leaderboard period's close, standings as
   * of a past position).
   */
  readStreamsByPrefix(prefix: string, options: ReadStreamsByPrefixOptions): AsyncIterable<RecordedEvent[]>;
  /** Catch-up from `after`, then live, without gaps or duplicates. */
  subscribeToAll(options: SubscribeOptions): Subscription;
  /** subscribeToAll without the metadata (as readAllWithoutMetadata): what read models follow. */
  subscribeToAllWithoutMetadata(options: SubscribeOptions<RecordedEventWithoutMetadata>): Subscription;
  /** The event with this id in this stream, if it was ever appended there. */
  findEvent(streamId: string, eventId: string): Promise<RecordedEvent | undefined>;
  /** Position of the last event in the log (0 when empty). */
  headPosition(): Promise<GlobalPosition>;

  /**
   * Takes or renews the lease `name` for `owner` until `ttlMs` from now. False while another owner
   * holds an unexpired lease. Log consumers that must run once (the relay) hold one while they work.
   */
  acquireLease(name: string, owner: string, ttlMs: number): Promise<boolean>;
  /** Gives the lease up at once, so a standby need not wait for it to expire. */
  releaseLease(name: string, owner: string): Promise<void>;
  /** Who holds the lease `name` now, and until when (ms since the epoch); undefined while nobody does. */
  leaseHolder(name: string): Promise<LeaseHolder | undefined>;
  /** The checkpoint stored under `name`: a global position (0 when none). Kept beside the log, not in it. */
  loadCheckpoint(name: string): Promise<GlobalPosition>;
  /**
   * Stores the checkpoint only while `owner` holds the unexpired lease of the same name, so a paused
   * instance that lost its lease cannot move the checkpoint. False when the lease was lost.
   */
  saveCheckpoint(name: string, owner: string, position: GlobalPosition): Promise<boolean>;

  close(): Promise<void>;
}

/**
 * What a store that can tell one writer's appends from everyone else's offers (the SQLite store: other
 * connections and processes, and appends through the same store not claimed by the writer), so a cache
 * of stream states can skip reading a stream's tail when nothing but its own appends reached the log since
 * it read it. A store that offers it guarantees that a claimed append answered `written: true` stored
 * exactly the events it was given.
 */
export interface AppendTracking {
  /** A tracker for one writer (a command handler); each tracker counts every other append as another's. */
  trackAppends(): AppendTracker;
}

export interface AppendTracker {
  /** Claims `events` as this writer's: call it with the very array then given to appendToStream. */
  claim(events: readonly NewEvent[]): void;
  /** A mark of what this tracker knows of other writers now. */
  mark(): number;
  /**
   * True only when nobody but this writer appended an event since `mark` was taken; false when someone
   * else did, or when that cannot be told yet.
   */
  onlyOwnAppendsSince(mark: number): boolean;
}

export const offersAppendTracking = <Store extends object>(store: Store): store is Store & AppendTracking =>
  typeof (store as Partial<AppendTracking>).trackAppends === 'function';

export class WrongExpectedRevisionError extends Error {
  constructor(
    readonly streamId: string,
    readonly expected: ExpectedRevision,
    readonly actual: StreamRevision | 'no_stream',
  ) {
    super(`stream ${streamId} is at ${actual}, expected ${expected}`);
    this.name = 'WrongExpectedRevisionError';
  }
}

/** The same event id was already used for a different event (another stream or position). */
export class EventIdConflictError extends Error {
  constructor(readonly eventId: string) {
    super(`event id ${eventId} is already used by another event`);
    this.name = 'EventIdConflictError';
  }
}

/** The events of one append exceed what the store takes in one append (EventStoreDB: 1 MiB by default). */
export class AppendTooLargeError extends Error {
  constructor(
    readonly streamId: string,
    readonly maxBytes: number,
  ) {
    super(`the events appended to ${streamId} exceed the store's ${maxBytes} bytes per append`);
    this.name = 'AppendTooLargeError';
  }
}
