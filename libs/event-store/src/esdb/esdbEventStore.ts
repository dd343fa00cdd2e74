import { randomUUID } from 'node:crypto';
import {
  ANY,
  BACKWARDS,
  END,
  FORWARDS,
  MaxAppendSizeExceededError,
  NO_STREAM,
  type Position,
  START,
  StreamNotFoundError,
  WrongExpectedVersionError,
  excludeSystemEvents,
  jsonEvent,
  streamNameFilter,
  type AllStreamResolvedEvent,
  type AllStreamSubscription,
  type ResolvedEvent,
} from '@eventstore/db-client';
import {
  AppendTooLargeError,
  type AppendResult,
  EventIdConflictError,
  type EventLink,
  type EventMetadata,
  type EventStore,
  type ExpectedRevision,
  type GlobalPosition,
  type LeaseHolder,
  type NewEvent,
  type ReadStreamsByPrefixOptions,
  type RecordedEvent,
  type RecordedEventWithoutMetadata,
  type StreamRevision,
  type SubscribeOptions,
  type Subscription,
  WrongExpectedRevisionError,
  prefixBatchSize,
} from '../eventStore';
import { StreamQueues } from '../streamQueues';
import type { SnapshotStore, StreamSnapshot } from '../snapshotStore';
import {
  type EsdbClient,
  type EsdbConnection,
  UnsupportedServerError,
  connect,
  drain,
  supportedVersion,
} from './esdbClient';

/** What we store in ESDB's metadata: ours, plus the keys ESDB's system projections index. */
type StoredMetadata = EventMetadata & { occurredAt: string; $correlationId?: string; $causationId?: string };

export type EsdbEventStoreOptions = {
  /** Longest one read may take before it is cancelled (the client's own read deadline is infinite). */
  readDeadlineMs?: number;
  /** How long a subscription waits for more events to fill a batch before delivering what it has. */
  batchIdleMs?: number;
};

/** Records read per request when walking $all past system events: bounds each call's work. */
const MIN_CHUNK = 256;
/**
 * How far back findEvent looks for an id it has no other way to find. It runs on every refused command
 * (whose first id is looked up), so it stays short.
 */
const FIND_WINDOW = 32;
/** Streams whose last event found by findEvent is remembered. */
const FOUND_STREAMS = 1024;
/** A claim older than this with no events behind it belongs to an attempt that failed or died. */
const CLAIM_TTL_MS = 30_000;
/** Rounds of a lease change lost to a write of the same owner (another store of this process) before giving up. */
const LEASE_ATTEMPTS = 5;
/** Characters of a snapshot payload per event: at most 768 KiB of UTF-8, under the 1 MiB per append. */
const SNAPSHOT_PART_CHARS = 256 * 1024;
/** Lease states kept: only the last is read. */
const LEASE_MAX_COUNT = 10;

/**
 * EventStoreDB adapter (`EVENTSTORE_URL=esdb://host:2113?tls=false`), for servers from 22.10 (checked on the
 * first call: positions read from streams are those of $all only from that version).
 *
 * Global position: ESDB addresses its log by {commit, prepare}; we expose the prepare position, which is
 * unique per event and increases along $all, and resume with commit = prepare = that value.
 *
 * System records: $all also holds every `$`-typed event (leases, claims, snapshots, the server's own
 * projections), and 6.2.1 cannot filter a read of $all on the server (subscriptions can). Reads of $all
 * therefore walk it in bounded chunks until they have their count of user events or reach the end.
 *
 * Idempotency: ESDB's is per stream and only at the revision ids were first appended at. Every append
 * first claims its first event id in `$idem-<id>` (created with expected revision no_stream, so of two
 * claims one wins), recording the stream and the revision the events take. A later append of that id
 * reads the claim (one event) and the events it names (as many as appended): a retry, or an
 * EventIdConflictError when the id is another stream's. ESDB 24.10 appends to one stream at a time, so
 * claim and events are two writes: an attempt that fails releases its claim, one that dies between them
 * leaves a claim that lapses after CLAIM_TTL_MS (until then, the same ids are answered with a conflict,
 * and the command is decided again).
 *
 * Snapshots: one system stream per stream and fold version (`$snapshot-<version>-<stream>`), whose last
 * event is the snapshot. `$maxCount: 1` lets the server drop the earlier ones, and the `$Snapshot` type
 * keeps them out of every reader of $all (as `$lease-` and `$idem-` streams are).
 */
export class EsdbEventStore implements EventStore, SnapshotStore {
  private readonly client: EsdbClient;
  private readonly serverVersion: () => Promise<string>;
  private readonly readDeadlineMs: number;
  private readonly batchIdleMs: number;
  private versionCheck?: Promise<void>;
  /** The last user event's position when the last record of $all was at `record`. */
  private knownHead?: { record: GlobalPosition; user: GlobalPosition };
  /** Per stream, the revision of the last event findEvent found, oldest stream first. */
  private readonly lastFound = new Map<string, StreamRevision>();
  /** Lease changes run one at a time per lease name in this process: the relay's renewal and checkpoint. */
  private readonly leaseQueues = new StreamQueues();

  constructor(connection: string | EsdbConnection, options: EsdbEventStoreOptions = {}) {
    const { client, serverVersion } = typeof connection === 'string' ? connect(connection) : connection;
    this.client = client;
    this.serverVersion = serverVersion;
    this.readDeadlineMs = options.readDeadlineMs ?? 30_000;
    this.batchIdleMs = options.batchIdleMs ?? 5;
  }

  /** Refuses a server too old to serve positions right; a server that did not answer is asked again. */
  private connected(): Promise<void> {
    this.versionCheck ??= this.serverVersion().then(
      (version) => {
        if (!supportedVersion(version)) throw new UnsupportedServerError(version);
      },
      (error: unknown) => {
        this.versionCheck = undefined;
        throw error;
      },
    );
    return this.versionCheck;
  }

  async appendToStream(
    streamId: string,
    events: NewEvent[],
    expected: ExpectedRevision,
  ): Promise<AppendResult> {
    await this.connected();
    const claims = claimStream(events[0].id);
    // 1. Read the first id's claim: a retry, an id of another stream, or an attempt still in flight.
    const claim = await this.lastEventOf<Claim>(claims);
    // A released claim's append was refused: nothing of it was written, in any stream.
    if (claim && claim.data.claimedAt !== RELEASED) {
      const retried = await this.retriedAppend(streamId, events, claim.data);
      if (retried) return retried;
      if (Date.now() - claim.data.claimedAt < CLAIM_TTL_MS) {
        // The same events are being appended by another attempt: decide again on what it left.
        throw new WrongExpectedRevisionError(streamId, expected, await this.streamRevision(streamId));
      }
    }
    // 2. Claim the id, at the claim stream's revision read: of two identical attempts one claims.
    const revision = expected === 'no_stream' ? 0 : expected === 'any' ? undefined : expected + 1;
    const claimed: Claim = { streamId, revision, claimedAt: Date.now() };
    const claimRevision = await this.tryAppend(claims, '$IdempotencyClaim', claimed, claim?.revision);
    if (claimRevision === undefined) {
      throw new WrongExpectedRevisionError(streamId, expected, await this.streamRevision(streamId));
    }
    // 3. Append the events; a refusal releases the claim, an unknown outcome leaves it to lapse.
    const release = () =>
      this.tryAppend(claims, '$IdempotencyClaim', { ...claimed, claimedAt: RELEASED }, claimRevision);
    let result;
    try {
      result = await this.client.appendToStream(streamId, events.map(toJsonEvent), {
        expectedRevision: expected === 'no_stream' ? NO_STREAM : expected === 'any' ? ANY : BigInt(expected),
      });
    } catch (error) {
      if (error instanceof WrongExpectedVersionError) {
        await release();
        const actual = error.actualVersion;
        throw new WrongExpectedRevisionError(
          streamId,
          expected,
          typeof actual === 'bigint' ? Number(actual) : 'no_stream',
        );
      }
      if (error instanceof MaxAppendSizeExceededError) {
        await release();
        throw new AppendTooLargeError(streamId, error.maxAppendSize);
      }
      throw error;
    }
    // With throwOnAppendFailure=false a conflict is an unsuccessful result, whose revision 6.2.1
    // misreports: the stream is asked.
    if (!result.success) {
      await release();
      throw new WrongExpectedRevisionError(streamId, expected, await this.streamRevision(streamId));
    }
    const nextRevision = Number(result.nextExpectedRevision);
    // 4. An append at `any` learns its revision only now: the claim records it.
    if (revision === undefined) {
      await this.tryAppend(
        claims,
        '$IdempotencyClaim',
        { ...claimed, revision: nextRevision - events.length + 1 },
        claimRevision,
      );
    }
    return {
      nextRevision,
      position: result.position
        ? Number(result.position.prepare)
        : await this.positionOf(streamId, nextRevision),
      written: true,
    };
  }

  /** The first append's result when the claim names `events`, in this order, in this stream. */
  private async retriedAppend(
    streamId: string,
    events: NewEvent[],
    claim: Claim,
  ): Promise<AppendResult | undefined> {
    if (claim.streamId !== streamId) throw new EventIdConflictError(events[0].id);
    if (claim.revision === undefined) return undefined;
    const stored = await this.readStream(streamId, claim.revision, events.length);
    if (stored[0]?.id !== events[0].id) return undefined;
    if (stored.length !== events.length || stored.some((event, i) => event.id !== events[i].id)) {
      throw new EventIdConflictError(events[0].id);
    }
    const last = stored[stored.length - 1];
    return { nextRevision: last.revision, position: last.position, written: false };
  }

  /** The stream's last revision ('no_stream' when it has none): one event read. */
  private async streamRevision(streamId: string): Promise<StreamRevision | 'no_stream'> {
    const last = await this.lastEventOf(streamId);
    return last ? Number(last.revision) : 'no_stream';
  }

  /** The position of the event at `revision`, when the append's answer did not carry it. */
  private async positionOf(streamId: string, revision: StreamRevision): Promise<GlobalPosition> {
    const [event] = await this.readStream(streamId, revision, 1);
    if (!event) throw new Error(`${streamId} has no event at revision ${revision} after appending it`);
    return event.position;
  }

  async readStream(
    streamId: string,
    fromRevision: StreamRevision = 0,
    maxCount?: number,
  ): Promise<RecordedEvent[]> {
    await this.connected();
    const events: RecordedEvent[] = [];
    try {
      const read = this.client.readStream(streamId, {
        fromRevision: BigInt(fromRevision),
        direction: FORWARDS,
        ...(maxCount === undefined ? {} : { maxCount }),
      });
      await drain(read, streamId, this.readDeadlineMs, (resolved) => {
        events.push(toRecorded(resolved));
        return true;
      });
    } catch (error) {
      if (error instanceof StreamNotFoundError) return [];
      throw error;
    }
    return events;
  }

  /** A page is short only at the end of the log, however many system records lie in between. */
  async readAll(after: GlobalPosition, limit: number): Promise<RecordedEvent[]> {
    const events: RecordedEvent[] = [];
    await this.walkAll(
      FORWARDS,
      after,
      () => Math.max(limit + 1, MIN_CHUNK),
      (event) => {
        events.push(event);
        return events.length < limit;
      },
    );
    return events;
  }

  /**
   * Walks the records of $all after `after`, forwards from it or backwards from the end down to it, in
   * requests of `chunk(n)` records for the n-th (from 0), handing each user event to `take` until it
   * answers false or the walk ends. Each request is bounded; the system records in between (leases, claims, the server's own)
   * only cost more requests.
   */
  private async walkAll(
    direction: typeof FORWARDS | typeof BACKWARDS,
    after: GlobalPosition,
    chunk: (request: number) => number,
    take: (event: RecordedEvent) => boolean,
  ): Promise<void> {
    await this.connected();
    const floor = BigInt(after);
    let from: Position | typeof START | typeof END =
      direction === BACKWARDS ? END : after ? toPosition(after) : START;
    // Records on the far side of `seen` were looked at: whether a read includes its start or not, each
    // record is looked at once.
    let seen = direction === FORWARDS ? floor : undefined;
    const unseen = (position: bigint) =>
      seen === undefined || (direction === FORWARDS ? position > seen : position < seen);
    for (let request = 0; ; request++) {
      const size = chunk(request);
      let records = 0;
      let more = true;
      let last: Position | undefined;
      const read = this.client.readAll({ fromPosition: from, direction, maxCount: size });
      await drain(read, '$all', this.readDeadlineMs, (resolved) => {
        records++;
        const position = resolved.event?.position;
        if (!position || !unseen(position.prepare)) return true;
        if (position.prepare <= floor) return (more = false);
        last = position;
        if (!resolved.event!.type.startsWith('$')) more = take(toRecorded(resolved));
        return more;
      });
      if (!more || records < size || !last) return;
      from = last;
      seen = last.prepare;
    }
  }

  async readLinks(after: GlobalPosition, limit: number): Promise<EventLink[]> {
    return (await this.readAll(after, limit)).map(({ position, streamId, revision, metadata }) => ({
      position,
      streamId,
      revision,
      ...(metadata.hash === undefined ? {} : { hash: metadata.hash }),
    }));
  }

  // The client parses every event's metadata whatever we ask: it can only be left out afterwards.
  async readAllWithoutMetadata(
    after: GlobalPosition,
    limit: number,
  ): Promise<RecordedEventWithoutMetadata[]> {
    return (await this.readAll(after, limit)).map(withoutMetadata);
  }

  subscribeToAllWithoutMetadata({
    onEvents,
    ...options
  }: SubscribeOptions<RecordedEventWithoutMetadata>): Subscription {
    return this.subscribeToAll({ ...options, onEvents: (events) => onEvents(events.map(withoutMetadata)) });
  }

  /**
   * The server filters out system events. Events are taken as the client buffers them, up to batchSize,
   * waiting batchIdleMs for more before a partial batch is delivered. A failure, or the server ending the
   * subscription, stops it and goes to onError; without one, close() rejects with it.
   */
  subscribeToAll({ after, onEvents, onError, batchSize }: SubscribeOptions): Subscription {
    const size = prefixBatchSize(batchSize);
    let position = after;
    let closed = false;
    let signals: Signals | undefined;

    const run = async () => {
      await this.connected();
      if (closed) return;
      const stream = this.client.subscribeToAll({
        fromPosition: position === 0 ? START : toPosition(position),
        filter: excludeSystemEvents(),
      });
      const signalled = (signals = new Signals(stream));
      let batch: RecordedEvent[] = [];
      let idle = false;
      while (!closed) {
        // Paused mode: read() empties the buffer before a signal is acted on.
        const resolved = stream.read() as AllStreamResolvedEvent | null;
        if (resolved !== null) {
          idle = false;
          if (!resolved.event) continue;
          const event = toRecorded(resolved);
          if (event.position <= position) continue;
          batch.push(event);
          if (batch.length < size) continue;
        } else if (batch.length > 0 && !idle && !signalled.stopped()) {
          idle = true;
          await signalled.next(this.batchIdleMs);
          continue;
        }
        if (batch.length > 0) {
          const delivered = batch;
          batch = [];
          idle = false;
          await onEvents(delivered);
          position = delivered[delivered.length - 1].position;
          continue;
        }
        if (signalled.failure !== undefined) throw signalled.failure;
        if (signalled.ended) throw new Error(`the $all subscription ended after position ${position}`);
        await signalled.next();
      }
    };
    let reported: unknown;
    const done = run().catch((error: unknown) => {
      if (closed) return;
      if (onError) onError(error);
      else reported = error;
    });
    return {
      close: async () => {
        closed = true;
        signals?.wake();
        await signals?.close();
        await done;
        if (reported !== undefined) throw reported;
      },
    };
  }

  /**
   * A catch-up subscription to $all that the server filters by stream-name prefix (this client cannot
   * filter a read of $all), from `after`, stopped once the server has gone past `end`: at the first
   * event after it, at a filter checkpoint past it, or when it reports having caught up with the live
   * log (which EventStoreDB 23.10 and later do). Events read before such a signal were pushed into the
   * subscription before it, so they are all delivered before the iteration stops.
   */
  async *readStreamsByPrefix(
    prefix: string,
    { after = 0, until, batchSize }: ReadStreamsByPrefixOptions,
  ): AsyncIterable<RecordedEvent[]> {
    const size = prefixBatchSize(batchSize);
    const head = await this.lastRecordPosition();
    const end = Math.min(until ?? head, head);
    if (end <= after) return;

    let passedEnd = false;
    const subscription = this.client.subscribeToAll({
      fromPosition: after === 0 ? START : toPosition(after),
      filter: streamNameFilter({
        prefixes: [prefix],
        // Every record before the checkpoint's position was considered.
        checkpointReached: (_subscription, position) => {
          const scanned = position.commit > position.prepare ? position.commit : position.prepare;
          if (scanned > BigInt(end)) {
            passedEnd = true;
            signals.wake();
          }
        },
      }),
    });
    const signals = new Signals(subscription);
    subscription.on('caughtUp', () => {
      passedEnd = true;
      signals.wake();
    });

    try {
      let batch: RecordedEvent[] = [];
      for (;;) {
        const resolved = subscription.read() as AllStreamResolvedEvent | null;
        if (resolved === null) {
          if (signals.failure !== undefined) throw signals.failure;
          if (passedEnd) break;
          if (signals.ended) throw new Error(`the $all subscription ended before position ${end}`);
          await signals.next();
          continue;
        }
        if (!resolved.event || resolved.event.type.startsWith('$')) continue;
        const event = toRecorded(resolved);
        if (event.position > end) break;
        // The server compares prefixes culture-sensitively (.NET StartsWith); ours match literally.
        if (event.position <= after || !event.streamId.startsWith(prefix)) continue;
        batch.push(event);
        if (batch.length === size) {
          yield batch;
          batch = [];
        }
        if (event.position === end) break;
      }
      if (batch.length > 0) yield batch;
    } finally {
      await signals.close();
    }
  }

  /**
   * The first id of an append is found through its claim (two bounded reads, however long the stream);
   * the id of the event right after the last one found in the stream, by reading that event (a replay
   * asks for a command's events in order, its first first); any other id among the stream's last
   * FIND_WINDOW events only.
   */
  async findEvent(streamId: string, eventId: string): Promise<RecordedEvent | undefined> {
    await this.connected();
    const claim = (await this.lastEventOf<Claim>(claimStream(eventId)))?.data;
    if (claim && claim.claimedAt !== RELEASED) {
      // Another stream's first id: not in this one.
      if (claim.streamId !== streamId) return undefined;
      if (claim.revision !== undefined) {
        const [event] = await this.readStream(streamId, claim.revision, 1);
        if (event?.id === eventId) return this.foundIn(streamId, event);
      }
    }
    const previous = this.lastFound.get(streamId);
    if (previous !== undefined) {
      const [next] = await this.readStream(streamId, previous + 1, 1);
      if (next?.id === eventId) return this.foundIn(streamId, next);
    }
    let found: RecordedEvent | undefined;
    try {
      const read = this.client.readStream(streamId, {
        fromRevision: END,
        direction: BACKWARDS,
        maxCount: FIND_WINDOW,
      });
      await drain(read, streamId, this.readDeadlineMs, (resolved) => {
        if (resolved.event?.id === eventId) found = toRecorded(resolved);
        return found === undefined;
      });
    } catch (error) {
      if (!(error instanceof StreamNotFoundError)) throw error;
    }
    return found && this.foundIn(streamId, found);
  }

  /** Remembers where findEvent last found an event of the stream (for the last FOUND_STREAMS streams). */
  private foundIn(streamId: string, event: RecordedEvent): RecordedEvent {
    this.lastFound.delete(streamId);
    this.lastFound.set(streamId, event.revision);
    if (this.lastFound.size > FOUND_STREAMS) this.lastFound.delete(this.lastFound.keys().next().value!);
    return event;
  }

  /** Position of the last record in $all, system events included: a bound for what has been written. */
  private async lastRecordPosition(): Promise<GlobalPosition> {
    await this.connected();
    let position = 0;
    await drain(
      this.client.readAll({ fromPosition: END, direction: BACKWARDS, maxCount: 1 }),
      '$all',
      this.readDeadlineMs,
      (resolved) => {
        position = Number(resolved.event?.position?.prepare ?? 0n);
        return false;
      },
    );
    return position;
  }

  /**
   * The last user event's position, whatever system records were written after it. The answer is kept
   * with the last record's position then, so the next call walks back only over what was written since
   * (a health check on an idle log reads one record and the lease renewals since).
   */
  async headPosition(): Promise<GlobalPosition> {
    const known = this.knownHead;
    const record = await this.lastRecordPosition();
    if (known && record === known.record) return known.user;
    let head: GlobalPosition | undefined;
    // Requests of 16 records, doubling to MIN_CHUNK: the records since the last answer are often few.
    const chunk = (request: number) => Math.min(16 * 2 ** request, MIN_CHUNK);
    await this.walkAll(BACKWARDS, known?.record ?? 0, chunk, (event) => {
      head = event.position;
      return false;
    });
    const user = head ?? known?.user ?? 0;
    this.knownHead = { record, user };
    return user;
  }

  // A lease and its checkpoint live in one system stream (`$lease-<name>`, kept out of $all consumers by
  // the `$` event type); every change appends the whole state at the revision read, so of two instances
  // racing for it exactly one wins. Within a process the changes of one lease are queued, so the relay's
  // renewal and checkpoint never race each other; a write lost to the same owner (another store object)
  // is tried again on what it wrote.
  acquireLease(name: string, owner: string, ttlMs: number): Promise<boolean> {
    return this.changeLease(name, (current) => {
      const now = Date.now();
      if (current && current.owner !== owner && current.expiresAt > now) return undefined;
      return { owner, expiresAt: now + ttlMs, position: current?.position ?? 0 };
    });
  }

  async releaseLease(name: string, owner: string): Promise<void> {
    await this.changeLease(name, (current) =>
      current?.owner === owner ? { ...current, owner: '', expiresAt: 0 } : undefined,
    );
  }

  async leaseHolder(name: string): Promise<LeaseHolder | undefined> {
    const state = (await this.readLease(name))?.state;
    return state && state.owner !== '' && state.expiresAt > Date.now()
      ? { owner: state.owner, expiresAt: state.expiresAt }
      : undefined;
  }

  async loadCheckpoint(name: string): Promise<GlobalPosition> {
    return (await this.readLease(name))?.state.position ?? 0;
  }

  saveCheckpoint(name: string, owner: string, position: GlobalPosition): Promise<boolean> {
    return this.changeLease(name, (current) =>
      current && current.owner === owner && current.expiresAt > Date.now()
        ? { ...current, position }
        : undefined,
    );
  }

  /** Applies `change` to the lease's state (undefined: refused) and writes it, one change at a time. */
  private changeLease(
    name: string,
    change: (current: LeaseState | undefined) => LeaseState | undefined,
  ): Promise<boolean> {
    return this.leaseQueues.run(name, async () => {
      for (let attempt = 0; attempt < LEASE_ATTEMPTS; attempt++) {
        const current = await this.readLease(name);
        const state = change(current?.state);
        if (!state) return false;
        const stream = leaseStream(name);
        const written = await this.tryAppend(stream, '$LeaseState', state, current?.revision);
        if (written === 0n) await this.client.setStreamMetadata(stream, { maxCount: LEASE_MAX_COUNT });
        if (written !== undefined) return true;
        // Lost to another write: read again; `change` refuses if another owner holds it now.
      }
      return false;
    });
  }

  private async readLease(name: string): Promise<{ revision: bigint; state: LeaseState } | undefined> {
    const last = await this.lastEventOf<LeaseState>(leaseStream(name));
    return last && { revision: last.revision, state: last.data };
  }

  /** The last event of a stream (a lease, a claim, a snapshot): its revision and data. One event read. */
  private async lastEventOf<Data>(stream: string): Promise<{ revision: bigint; data: Data } | undefined> {
    await this.connected();
    let last: { revision: bigint; data: Data } | undefined;
    try {
      const read = this.client.readStream(stream, { fromRevision: END, direction: BACKWARDS, maxCount: 1 });
      await drain(read, stream, this.readDeadlineMs, (resolved) => {
        if (resolved.event) last = { revision: resolved.event.revision, data: resolved.event.data as Data };
        return false;
      });
    } catch (error) {
      if (!(error instanceof StreamNotFoundError)) throw error;
    }
    return last;
  }

  /**
   * Appends one system event at `after` (the revision read; undefined: the stream must not exist) and
   * returns its revision, or undefined when another write came first.
   */
  private async tryAppend(
    stream: string,
    type: string,
    data: object,
    after: bigint | undefined,
  ): Promise<bigint | undefined> {
    try {
      const result = await this.client.appendToStream(
        stream,
        jsonEvent({ type, data: data as Record<string, unknown> }),
        { expectedRevision: after ?? NO_STREAM },
      );
      return result.success ? result.nextExpectedRevision : undefined;
    } catch (error) {
      if (error instanceof WrongExpectedVersionError) return undefined;
      throw error;
    }
  }

  async loadSnapshot(streamId: string, version: number): Promise<StreamSnapshot | undefined> {
    const kept = (await this.lastEventOf<SnapshotData>(snapshotStream(streamId, version)))?.data;
    if (!kept) return undefined;
    let payload = kept.payload;
    if (kept.parts) {
      const parts = await this.readStream(kept.parts.stream);
      // Deleted by a newer snapshot meanwhile: no snapshot, a longer fold.
      if (parts.length !== kept.parts.count) return undefined;
      payload = parts.map((part) => (part.data as { text: string }).text).join('');
    }
    return { streamId, version, revision: kept.revision, payload };
  }

  async saveSnapshot({ streamId, version, revision, payload }: StreamSnapshot): Promise<void> {
    await this.connected();
    const stream = snapshotStream(streamId, version);
    // A payload over what one append takes (1 MiB by default) goes first, in parts, to a stream of its
    // own; the snapshot names it.
    let data: SnapshotData = { revision, payload };
    if (payload.length > SNAPSHOT_PART_CHARS) {
      const parts = `$snapshot-parts-${randomUUID()}`;
      let count = 0;
      for (let at = 0; at < payload.length; at += SNAPSHOT_PART_CHARS, count++) {
        const text = payload.slice(at, at + SNAPSHOT_PART_CHARS);
        const written = await this.tryAppend(
          parts,
          '$SnapshotPart',
          { text },
          count === 0 ? undefined : BigInt(count - 1),
        );
        if (written === undefined) throw new Error(`${parts} was written by another writer`);
      }
      data = { revision, payload: '', parts: { stream: parts, count } };
    }
    // Appended at the revision read, so of two writers racing the later read decides; a lost race is
    // read again, and ends once the kept snapshot is as new as ours.
    for (;;) {
      const kept = await this.lastEventOf<SnapshotData>(stream);
      if (kept && kept.data.revision >= revision) {
        if (data.parts) await this.client.deleteStream(data.parts.stream);
        return;
      }
      const written = await this.tryAppend(stream, '$Snapshot', data, kept?.revision);
      if (written === 0n) await this.client.setStreamMetadata(stream, { maxCount: 1 });
      if (written === undefined) continue;
      if (kept?.data.parts) await this.client.deleteStream(kept.data.parts.stream);
      return;
    }
  }

  async close(): Promise<void> {
    await this.client.dispose();
  }
}

/** What a subscription read in paused mode signals: more to read, a failure, its end. */
class Signals {
  failure: unknown;
  ended = false;
  private wakeUp = () => {};

  constructor(private readonly subscription: AllStreamSubscription) {
    subscription.on('readable', () => this.wake());
    subscription.on('error', (error) => {
      this.failure = error;
      this.wake();
    });
    subscription.on('end', () => {
      this.ended = true;
      this.wake();
    });
  }

  stopped(): boolean {
    return this.failure !== undefined || this.ended;
  }

  wake(): void {
    this.wakeUp();
  }

  /** Until the next signal (or wake()), or `ms` if given. Armed in the tick of the read that found nothing. */
  next(ms?: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = ms === undefined ? undefined : setTimeout(resolve, ms);
      this.wakeUp = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  /** Cancels the call, and drops what the client's Transform still buffers: nothing is read after. */
  async close(): Promise<void> {
    await this.subscription.unsubscribe().catch(() => undefined);
    this.subscription.destroy();
  }
}

type LeaseState = { owner: string; expiresAt: number; position: GlobalPosition };

const leaseStream = (name: string) => `$lease-${name}`;

/**
 * The claim of an append's first event id: the stream, and the revision the events take (undefined until
 * known, for an append at `any`), and when (RELEASED: the append was refused).
 */
type Claim = { streamId: string; revision?: StreamRevision; claimedAt: number };

const RELEASED = 0;

const claimStream = (eventId: string) => `$idem-${eventId}`;

/** A snapshot; a large payload is in `parts` (its events' `text`, in order), and `payload` is empty. */
type SnapshotData = {
  revision: StreamRevision;
  payload: string;
  parts?: { stream: string; count: number };
};

const snapshotStream = (streamId: string, version: number) => `$snapshot-${version}-${streamId}`;

const toPosition = (position: GlobalPosition): Position => ({
  commit: BigInt(position),
  prepare: BigInt(position),
});

const toJsonEvent = (event: NewEvent) =>
  jsonEvent({
    id: event.id,
    type: event.type,
    data: event.data as Record<string, unknown>,
    metadata: toStoredMetadata(event),
  });

const toStoredMetadata = (event: NewEvent): StoredMetadata => ({
  ...event.metadata,
  occurredAt: event.occurredAt.toISOString(),
  ...(event.metadata.correlationId ? { $correlationId: event.metadata.correlationId } : {}),
  ...(event.metadata.causationId ? { $causationId: event.metadata.causationId } : {}),
});

const withoutMetadata = ({ metadata: _metadata, ...event }: RecordedEvent): RecordedEventWithoutMetadata =>
  event;

const toRecorded = (resolved: ResolvedEvent | AllStreamResolvedEvent): RecordedEvent => {
  const event = resolved.event;
  if (!event) throw new Error('unresolved link event');
  const {
    occurredAt,
    $correlationId: _c,
    $causationId: _k,
    ...metadata
  } = (event.metadata ?? {}) as StoredMetadata;
  return {
    id: event.id,
    type: event.type,
    streamId: event.streamId,
    revision: Number(event.revision),
    position: Number(event.position?.prepare ?? 0n),
    occurredAt: occurredAt ?? event.created.toISOString(),
    data: event.data,
    metadata,
  };
};
