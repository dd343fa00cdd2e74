import {
  BACKWARDS,
  END,
  EVENT_TYPE,
  type AppendExpectedRevision,
  type AppendResult,
  type AppendToStreamOptions,
  type EventData,
  MaxAppendSizeExceededError,
  NO_STREAM,
  type Position,
  type ReadAllOptions,
  type ReadStreamOptions,
  START,
  STREAM_EXISTS,
  StreamNotFoundError,
  type SubscribeToAllOptions,
  WrongExpectedVersionError,
} from '@eventstore/db-client';
import { randomUUID } from 'node:crypto';
import { PassThrough, Readable } from 'node:stream';
import type { EsdbConnection } from '@app/event-store/esdb/esdbClient';

/**
 * A recording fake of the part of @eventstore/db-client 6.2.1 the adapter uses, for unit tests: it proves
 * call patterns (what is read, how much, whether every call is closed), never integration with a server.
 *
 * Semantics followed, from the client's source and the server's documented behaviour:
 * - every write goes to $all, system (`$`-typed) events included; positions grow along $all;
 * - reads are Readables (the client's are Transforms over a gRPC call) with `cancel()`, after which
 *   the call ends; a read that is neither read to its end nor cancelled stays open, as the gRPC call
 *   under the client's stream does when a `for await` leaves early (that destroys the Transform only);
 * - a read of a missing stream fails with StreamNotFoundError; readAll cannot filter; reading $all
 *   forwards from a position includes it, backwards excludes it;
 * - a subscription delivers the records after its position that pass its filter, then `caughtUp`, then
 *   live writes; `unsubscribe()` cancels the call on the next turn, which ends it;
 * - appends check the expected revision; the same ids at the same revision are an idempotent success;
 *   with throwOnAppendFailure=false a conflict is `{ success: false }` with 6.2.1's revision
 *   (`BigInt(hasCurrentStreamRevision())`, so 1n or 0n); an append over maxAppendSize is refused;
 * - stream metadata is an event of `$$<stream>`, in $all; `$maxCount` hides all but the last events of
 *   a stream from reads.
 */
export type Call = {
  method:
    'readStream' | 'readAll' | 'subscribeToAll' | 'appendToStream' | 'setStreamMetadata' | 'deleteStream';
  stream?: string;
  options?: unknown;
  /** Events the server would send for the request (reads: what matched, up to maxCount). */
  served: number;
  /** Events the adapter took from the call. */
  taken: number;
  ended: boolean;
  cancelled: boolean;
};

type Stored = {
  streamId: string;
  id: string;
  type: string;
  data: unknown;
  metadata: unknown;
  revision: bigint;
  position: bigint;
  created: Date;
};

export type RecordingClientOptions = {
  serverVersion?: string;
  throwOnAppendFailure?: boolean;
  maxAppendSize?: number;
  /** Answer appends without a position (as some servers answer an idempotent append). */
  omitPosition?: boolean;
  /** A read for which this returns true never sends anything (a stalled server). */
  stall?: (call: Call) => boolean;
};

const POSITION_STEP = 137n;

export class RecordingEsdbClient {
  readonly calls: Call[] = [];
  /** Appends refused for their expected revision. */
  conflicts = 0;
  readonly log: Stored[] = [];
  private readonly streams = new Map<string, Stored[]>();
  private readonly metadata = new Map<string, { maxCount?: number }>();
  private readonly live = new Set<(record: Stored) => void>();
  private readonly subscriptions: { stream: PassThrough; call: Call }[] = [];
  private nextPosition = 1000n;

  constructor(private readonly options: RecordingClientOptions = {}) {}

  /** What the adapter is given: the fake as the client, and the server version it reports. */
  connection(): EsdbConnection {
    return {
      client: this as unknown as EsdbConnection['client'],
      serverVersion: async () => this.options.serverVersion ?? '24.10.0.0',
    };
  }

  /** Calls neither read to their end nor cancelled: open on the server. */
  open(): Call[] {
    return this.calls.filter((call) => !call.ended && !call.cancelled);
  }

  /** Events the server would have served so far. */
  served(): number {
    return this.servedSince(0);
  }

  /** Events the server would have served since call `from`. */
  servedSince(from: number): number {
    return this.calls.slice(from).reduce((sum, call) => sum + call.served, 0);
  }

  /** Fails every open subscription, as a dropped connection does. */
  failSubscriptions(error: Error): void {
    for (const { stream } of this.subscriptions) stream.destroy(error);
  }

  /** The server ends every open subscription (a node shutting down). */
  endSubscriptions(): void {
    for (const { stream } of this.subscriptions) stream.end();
  }

  async appendToStream(
    streamName: string,
    event: EventData | EventData[],
    { expectedRevision = 'any' }: AppendToStreamOptions = {},
  ): Promise<AppendResult> {
    const events = Array.isArray(event) ? event : [event];
    this.calls.push({
      method: 'appendToStream',
      stream: streamName,
      options: { expectedRevision, count: events.length },
      served: 0,
      taken: 0,
      ended: true,
      cancelled: false,
    });
    // The call crosses the network: other calls run in between.
    await new Promise((resolve) => setImmediate(resolve));
    const size = events.reduce(
      (sum, e) => sum + JSON.stringify(e.data).length + JSON.stringify(e.metadata ?? {}).length,
      0,
    );
    const maxAppendSize = this.options.maxAppendSize ?? 1024 * 1024;
    if (size > maxAppendSize) throw MaxAppendSizeExceededError.fromMaxAppendSize(maxAppendSize);

    const stream = this.streams.get(streamName) ?? [];
    const current = stream.length === 0 ? undefined : stream[stream.length - 1].revision;
    const start = idempotentStart(expectedRevision, current);
    const already = stream.slice(Number(start ?? -1n), Number(start ?? -1n) + events.length);
    if (
      start !== undefined &&
      already.length === events.length &&
      already.every((e, i) => e.id === events[i].id)
    ) {
      const last = already[already.length - 1];
      return this.success(last.revision, last.position);
    }
    if (!matches(expectedRevision, current)) {
      this.conflicts++;
      if (this.options.throwOnAppendFailure === false) {
        return { success: false, nextExpectedRevision: BigInt(current !== undefined), position: undefined };
      }
      throw new WrongExpectedVersionError(undefined, {
        streamName,
        expected: expectedRevision,
        current: current ?? 'no_stream',
      });
    }
    let last: Stored | undefined;
    for (const e of events) {
      last = {
        streamId: streamName,
        id: e.id,
        type: e.type,
        data: JSON.parse(JSON.stringify(e.data)),
        metadata: e.metadata === undefined ? undefined : JSON.parse(JSON.stringify(e.metadata)),
        revision: BigInt(stream.length),
        position: this.nextPosition,
        created: new Date(),
      };
      this.nextPosition += POSITION_STEP;
      stream.push(last);
      this.log.push(last);
    }
    this.streams.set(streamName, stream);
    for (const deliver of this.live) for (const record of stream.slice(-events.length)) deliver(record);
    return this.success(last!.revision, last!.position);
  }

  readStream(
    streamName: string,
    {
      fromRevision = START,
      direction = 'forwards',
      maxCount = Number.MAX_SAFE_INTEGER,
    }: ReadStreamOptions = {},
  ): Readable & { cancel(): Promise<void> } {
    const call = this.record('readStream', streamName, { fromRevision, direction, maxCount });
    const stored = this.streams.get(streamName);
    if (!stored) return this.read(call, [], new StreamNotFoundError(undefined, streamName));
    const keep = this.metadata.get(streamName)?.maxCount;
    const visible = keep === undefined ? stored : stored.slice(-keep);
    let records =
      direction === BACKWARDS
        ? [...visible].reverse().filter((e) => fromRevision === END || e.revision <= (fromRevision as bigint))
        : visible.filter((e) => fromRevision === START || e.revision >= (fromRevision as bigint));
    records = records.slice(0, Number(maxCount));
    return this.read(call, records);
  }

  readAll({
    fromPosition = START,
    direction = 'forwards',
    maxCount = Number.MAX_SAFE_INTEGER,
  }: ReadAllOptions = {}): Readable & { cancel(): Promise<void> } {
    const call = this.record('readAll', '$all', { fromPosition, direction, maxCount });
    const at = (p: typeof fromPosition) => (p as Position).commit;
    let records =
      direction === BACKWARDS
        ? [...this.log].reverse().filter((e) => fromPosition === END || e.position < at(fromPosition))
        : this.log.filter((e) => fromPosition === START || e.position >= at(fromPosition));
    records = records.slice(0, Number(maxCount));
    return this.read(call, records);
  }

  subscribeToAll({ fromPosition = START, filter }: SubscribeToAllOptions = {}) {
    const call = this.record('subscribeToAll', '$all', { fromPosition, filter });
    const passes = (e: Stored) => {
      if (!filter) return true;
      const field = filter.filterOn === EVENT_TYPE ? e.type : e.streamId;
      if ('prefixes' in filter) return filter.prefixes.some((prefix) => field.startsWith(prefix));
      return new RegExp(filter.regex).test(field);
    };
    const after =
      fromPosition === START ? -1n : fromPosition === END ? this.nextPosition : fromPosition.commit;
    const stream = new PassThrough({ objectMode: true });
    const deliver = (record: Stored) => {
      if (record.position <= after || !passes(record) || stream.destroyed || stream.writableEnded) return;
      call.served++;
      stream.write(resolved(record));
    };
    const subscription = Object.assign(stream, {
      // The client cancels the gRPC call on the next turn; grpc-js then ends it, which ends the Transform
      // once what it buffered has been read.
      unsubscribe: () =>
        new Promise<void>((resolve) =>
          setImmediate(() => {
            call.cancelled = true;
            this.live.delete(deliver);
            if (!stream.destroyed) stream.end();
            resolve();
          }),
        ),
    });
    const originalRead = stream.read.bind(stream);
    stream.read = (size?: number) => {
      const value = originalRead(size);
      if (value !== null) call.taken++;
      return value;
    };
    stream.on('close', () => this.live.delete(deliver));
    stream.on('end', () => (call.ended = true));
    this.subscriptions.push({ stream, call });
    setImmediate(() => {
      if (stream.destroyed) return;
      for (const record of this.log) deliver(record);
      this.live.add(deliver);
      stream.emit('caughtUp');
    });
    return subscription as unknown as ReturnType<EsdbConnection['client']['subscribeToAll']>;
  }

  async setStreamMetadata(streamName: string, metadata: { maxCount?: number }): Promise<AppendResult> {
    this.calls.push({
      method: 'setStreamMetadata',
      stream: streamName,
      options: metadata,
      served: 0,
      taken: 0,
      ended: true,
      cancelled: false,
    });
    this.metadata.set(streamName, { ...this.metadata.get(streamName), ...metadata });
    // The server writes it as an event of the metadata stream, in $all like any other.
    const stream = `$$${streamName}`;
    const record: Stored = {
      streamId: stream,
      id: randomUUID(),
      type: '$metadata',
      data: metadata,
      metadata: undefined,
      revision: BigInt(this.streams.get(stream)?.length ?? 0),
      position: this.nextPosition,
      created: new Date(),
    };
    this.nextPosition += POSITION_STEP;
    this.streams.set(stream, [...(this.streams.get(stream) ?? []), record]);
    this.log.push(record);
    return this.success(record.revision, record.position);
  }

  /** Soft deletion: the stream reads as not found. */
  async deleteStream(streamName: string): Promise<{ position?: Position }> {
    this.calls.push({
      method: 'deleteStream',
      stream: streamName,
      served: 0,
      taken: 0,
      ended: true,
      cancelled: false,
    });
    this.streams.delete(streamName);
    return {};
  }

  /** Metadata set on a stream. */
  streamMetadata(streamName: string): { maxCount?: number } | undefined {
    return this.metadata.get(streamName);
  }

  async dispose(): Promise<void> {}

  private success(revision: bigint, position: bigint): AppendResult {
    return {
      success: true,
      nextExpectedRevision: revision,
      position: this.options.omitPosition ? undefined : { commit: position, prepare: position },
    };
  }

  private record(method: Call['method'], stream: string, options: unknown): Call {
    const call: Call = { method, stream, options, served: 0, taken: 0, ended: false, cancelled: false };
    this.calls.push(call);
    return call;
  }

  /** A read call: sends its records as they are read, then ends (or fails). */
  private read(call: Call, sent: Stored[], failure?: Error): Readable & { cancel(): Promise<void> } {
    call.served = sent.length;
    let records = sent;
    const stalled = this.options.stall?.(call) ?? false;
    let next = 0;
    const stream = new Readable({
      objectMode: true,
      read() {
        if (stalled) return;
        setImmediate(() => {
          if (failure) return this.destroy(failure);
          if (next < records.length) {
            call.taken++;
            this.push(resolved(records[next++]));
          } else this.push(null);
        });
      },
    });
    stream.on('end', () => (call.ended = true));
    // Failing is ending, for the gRPC call.
    stream.on('error', () => (call.ended = true));
    return Object.assign(stream, {
      cancel: () =>
        new Promise<void>((resolve) =>
          setImmediate(() => {
            call.cancelled = true;
            records = [];
            resolve();
          }),
        ),
    });
  }
}

const resolved = (e: Stored) => ({
  event: {
    streamId: e.streamId,
    id: e.id,
    type: e.type,
    revision: e.revision,
    data: e.data,
    metadata: e.metadata,
    isJson: true,
    contentType: 'application/json',
    created: e.created,
    position: { commit: e.position, prepare: e.position },
  },
  commitPosition: e.position,
});

const matches = (expected: AppendExpectedRevision, current: bigint | undefined): boolean => {
  if (expected === 'any') return true;
  if (expected === NO_STREAM) return current === undefined;
  if (expected === STREAM_EXISTS) return current !== undefined;
  return current === expected;
};

/** Where the events of an append at `expected` start: where an idempotent repeat would find them. */
const idempotentStart = (
  expected: AppendExpectedRevision,
  current: bigint | undefined,
): bigint | undefined => {
  if (expected === NO_STREAM) return current === undefined ? undefined : 0n;
  if (typeof expected === 'bigint') return expected + 1n;
  return undefined;
};
