import {
  ANY,
  BACKWARDS,
  END,
  EventStoreDBClient,
  FORWARDS,
  NO_STREAM,
  type Position,
  START,
  StreamNotFoundError,
  WrongExpectedVersionError,
  excludeSystemEvents,
  jsonEvent,
  streamNameFilter,
  type AllStreamResolvedEvent,
  type ResolvedEvent,
} from '@eventstore/db-client';
import {
  type AppendResult,
  EventIdConflictError,
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
import type { SnapshotStore, StreamSnapshot } from '../snapshotStore';

/** What we store in ESDB's metadata: ours, plus the keys ESDB's system projections index. */
type StoredMetadata = EventMetadata & { occurredAt: string; $correlationId?: string; $causationId?: string };

/**
 * EventStoreDB adapter (`EVENTSTORE_URL=esdb://host:2113?tls=false`).
 *
 * Global position: ESDB addresses its log by {commit, prepare}; we expose the prepare position, which is
 * unique per event and increases along $all, and resume with commit = prepare = that value.
 * Idempotency: our event ids are deterministic, so ESDB itself treats a repeated append of the same ids
 * at the same expected revision as a no-op.
 *
 * Snapshots: one system stream per stream and fold version (`$snapshot-<version>-<stream>`), whose last
 * event is the snapshot. `$maxCount: 1` lets the server drop the earlier ones, and the `$Snapshot` type
 * keeps them out of every reader of $all (as `$lease-` streams are). Stream metadata would be the other
 * place, but it is read and cached with the stream's ACLs and is no place for a large state.
 */
export class EsdbEventStore implements EventStore, SnapshotStore {
  private readonly client: EventStoreDBClient;

  constructor(connectionString: string) {
    this.client = EventStoreDBClient.connectionString`${connectionString}`;
  }

  async appendToStream(
    streamId: string,
    events: NewEvent[],
    expected: ExpectedRevision,
  ): Promise<AppendResult> {
    // ESDB recognises repeated ids only at the revision they were first appended at; a retry decided on
    // a stream that has moved on since would be written again. Look for the first id before appending.
    const retried = await this.retriedAppend(streamId, events);
    if (retried) return retried;
    try {
      const result = await this.client.appendToStream(
        streamId,
        events.map((event) =>
          jsonEvent({
            id: event.id,
            type: event.type,
            data: event.data as Record<string, unknown>,
            metadata: toStoredMetadata(event),
          }),
        ),
        {
          expectedRevision:
            expected === 'no_stream' ? NO_STREAM : expected === 'any' ? ANY : BigInt(expected),
        },
      );
      return {
        nextRevision: Number(result.nextExpectedRevision),
        position: result.position ? Number(result.position.prepare) : await this.headPosition(),
        // Not certain: when another process appended the same ids at the same revision between the lookup
        // above and this append, ESDB answers it as an idempotent success. Callers therefore read back
        // what was stored rather than trust their own copy (AggregateStore does).
        written: true,
      };
    } catch (error) {
      if (error instanceof WrongExpectedVersionError) {
        const actual = error.actualVersion;
        throw new WrongExpectedRevisionError(
          streamId,
          expected,
          typeof actual === 'bigint' ? Number(actual) : 'no_stream',
        );
      }
      throw error;
    }
  }

  /** The first append's result when `events` are already in the stream, in this order. */
  private async retriedAppend(streamId: string, events: NewEvent[]): Promise<AppendResult | undefined> {
    const first = await this.findEvent(streamId, events[0].id);
    if (!first) return undefined;
    const stored = await this.readStream(streamId, first.revision, events.length);
    if (stored.length !== events.length || stored.some((event, i) => event.id !== events[i].id)) {
      throw new EventIdConflictError(events[0].id);
    }
    const last = stored[stored.length - 1];
    return { nextRevision: last.revision, position: last.position, written: false };
  }

  async readStream(
    streamId: string,
    fromRevision: StreamRevision = 0,
    maxCount?: number,
  ): Promise<RecordedEvent[]> {
    const events: RecordedEvent[] = [];
    try {
      for await (const resolved of this.client.readStream(streamId, {
        fromRevision: BigInt(fromRevision),
        direction: FORWARDS,
        ...(maxCount === undefined ? {} : { maxCount }),
      })) {
        events.push(toRecorded(resolved));
      }
    } catch (error) {
      if (error instanceof StreamNotFoundError) return [];
      throw error;
    }
    return events;
  }

  async readAll(after: GlobalPosition, limit: number): Promise<RecordedEvent[]> {
    const events: RecordedEvent[] = [];
    // ESDB reads $all inclusively from a position; ask for one more and drop the event at `after`.
    for await (const resolved of this.client.readAll({
      fromPosition: after === 0 ? START : toPosition(after),
      maxCount: limit + 1,
      direction: FORWARDS,
    })) {
      if (!resolved.event || resolved.event.type.startsWith('$')) continue;
      const event = toRecorded(resolved);
      if (event.position <= after) continue;
      events.push(event);
      if (events.length === limit) break;
    }
    return events;
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

  subscribeToAll({ after, onEvents, onError }: SubscribeOptions): Subscription {
    const subscription = this.client.subscribeToAll({
      fromPosition: after === 0 ? START : toPosition(after),
      filter: excludeSystemEvents(),
    });
    const done = (async () => {
      for await (const resolved of subscription as AsyncIterable<AllStreamResolvedEvent>) {
        if (!resolved.event) continue;
        const event = toRecorded(resolved);
        if (event.position > after) await onEvents([event]);
      }
    })().catch((error) => {
      if (onError) onError(error);
      else throw error;
    });
    return {
      close: async () => {
        await subscription.unsubscribe();
        await done;
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
    let ended = false;
    let failure: unknown;
    let wake = () => {};
    const subscription = this.client.subscribeToAll({
      fromPosition: after === 0 ? START : toPosition(after),
      filter: streamNameFilter({
        prefixes: [prefix],
        // Every record before the checkpoint's position was considered.
        checkpointReached: (_subscription, position) => {
          const scanned = position.commit > position.prepare ? position.commit : position.prepare;
          if (scanned > BigInt(end)) {
            passedEnd = true;
            wake();
          }
        },
      }),
    });
    subscription.on('caughtUp', () => {
      passedEnd = true;
      wake();
    });
    subscription.on('readable', () => wake());
    subscription.on('error', (error) => {
      failure = error;
      wake();
    });
    subscription.on('end', () => {
      ended = true;
      wake();
    });

    try {
      let batch: RecordedEvent[] = [];
      for (;;) {
        // Paused mode: read() empties the buffer before a signal is acted on.
        const resolved = subscription.read() as AllStreamResolvedEvent | null;
        if (resolved === null) {
          if (failure !== undefined) throw failure;
          if (passedEnd) break;
          if (ended) throw new Error(`the $all subscription ended before position ${end}`);
          await new Promise<void>((resolve) => (wake = resolve));
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
      await subscription.unsubscribe();
    }
  }

  async findEvent(streamId: string, eventId: string): Promise<RecordedEvent | undefined> {
    // ESDB has no index by event id: walk the stream backwards (retries target recent events).
    try {
      for await (const resolved of this.client.readStream(streamId, {
        fromRevision: END,
        direction: BACKWARDS,
      })) {
        if (resolved.event?.id === eventId) return toRecorded(resolved);
      }
    } catch (error) {
      if (error instanceof StreamNotFoundError) return undefined;
      throw error;
    }
    return undefined;
  }

  /** Position of the last record in $all, system events included: a bound for what has been written. */
  private async lastRecordPosition(): Promise<GlobalPosition> {
    for await (const resolved of this.client.readAll({
      fromPosition: END,
      direction: BACKWARDS,
      maxCount: 1,
    })) {
      return Number(resolved.event?.position?.prepare ?? 0n);
    }
    return 0;
  }

  async headPosition(): Promise<GlobalPosition> {
    for await (const resolved of this.client.readAll({
      fromPosition: END,
      direction: BACKWARDS,
      maxCount: 50,
    })) {
      if (resolved.event && !resolved.event.type.startsWith('$')) return toRecorded(resolved).position;
    }
    return 0;
  }

  // A lease and its checkpoint live in one system stream (`$lease-<name>`, kept out of $all consumers by
  // the `$` event type); every change appends the whole state with the revision read, so of two
  // instances racing for it exactly one wins.
  async acquireLease(name: string, owner: string, ttlMs: number): Promise<boolean> {
    const current = await this.readLease(name);
    const now = Date.now();
    if (current && current.state.owner !== owner && current.state.expiresAt > now) return false;
    return this.writeLease(name, current, {
      owner,
      expiresAt: now + ttlMs,
      position: current?.state.position ?? 0,
    });
  }

  async releaseLease(name: string, owner: string): Promise<void> {
    const current = await this.readLease(name);
    if (current?.state.owner === owner) {
      await this.writeLease(name, current, { ...current.state, owner: '', expiresAt: 0 });
    }
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

  async saveCheckpoint(name: string, owner: string, position: GlobalPosition): Promise<boolean> {
    const current = await this.readLease(name);
    if (!current || current.state.owner !== owner || current.state.expiresAt <= Date.now()) return false;
    return this.writeLease(name, current, { ...current.state, position });
  }

  private async readLease(name: string): Promise<{ revision: bigint; state: LeaseState } | undefined> {
    const last = await this.lastEventOf<LeaseState>(leaseStream(name));
    return last && { revision: last.revision, state: last.data };
  }

  /** The last event of a stream we keep state in (a lease, a snapshot): its revision and data. */
  private async lastEventOf<Data>(stream: string): Promise<{ revision: bigint; data: Data } | undefined> {
    try {
      for await (const resolved of this.client.readStream(stream, {
        fromRevision: END,
        direction: BACKWARDS,
        maxCount: 1,
      })) {
        if (resolved.event) return { revision: resolved.event.revision, data: resolved.event.data as Data };
      }
    } catch (error) {
      if (!(error instanceof StreamNotFoundError)) throw error;
    }
    return undefined;
  }

  async loadSnapshot(streamId: string, version: number): Promise<StreamSnapshot | undefined> {
    const last = await this.lastEventOf<SnapshotData>(snapshotStream(streamId, version));
    return last && { streamId, version, revision: last.data.revision, payload: last.data.payload };
  }

  async saveSnapshot({ streamId, version, revision, payload }: StreamSnapshot): Promise<void> {
    const stream = snapshotStream(streamId, version);
    // Appended at the revision read, so of two writers racing the later read decides; a lost race is
    // read again, and ends once the kept snapshot is as new as ours.
    for (;;) {
      const kept = await this.lastEventOf<SnapshotData>(stream);
      if (kept && kept.data.revision >= revision) return;
      try {
        const data: SnapshotData = { revision, payload };
        await this.client.appendToStream(stream, jsonEvent({ type: '$Snapshot', data }), {
          expectedRevision: kept ? kept.revision : NO_STREAM,
        });
        if (!kept) await this.client.setStreamMetadata(stream, { maxCount: 1 });
        return;
      } catch (error) {
        if (!(error instanceof WrongExpectedVersionError)) throw error;
      }
    }
  }

  private async writeLease(
    name: string,
    current: { revision: bigint } | undefined,
    state: LeaseState,
  ): Promise<boolean> {
    try {
      await this.client.appendToStream(leaseStream(name), jsonEvent({ type: '$LeaseState', data: state }), {
        expectedRevision: current ? current.revision : NO_STREAM,
      });
      return true;
    } catch (error) {
      if (error instanceof WrongExpectedVersionError) return false;
      throw error;
    }
  }

  async close(): Promise<void> {
    await this.client.dispose();
  }
}

type LeaseState = { owner: string; expiresAt: number; position: GlobalPosition };

const leaseStream = (name: string) => `$lease-${name}`;

type SnapshotData = { revision: StreamRevision; payload: string };

const snapshotStream = (streamId: string, version: number) => `$snapshot-${version}-${streamId}`;

const toPosition = (position: GlobalPosition): Position => ({
  commit: BigInt(position),
  prepare: BigInt(position),
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
