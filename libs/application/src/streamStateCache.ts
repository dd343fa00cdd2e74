import { GENESIS_HASH, chainLink } from '@app/audit';
import type { Decider, DomainEvent } from '@app/domain';
import type { AppendResult, AppendTracker, EventStore, NewEvent, RecordedEvent } from '@app/event-store';
import { type SnapshotPolicy, decodeSnapshot, encodeSnapshot } from './streamSnapshots';

/** How a stream's events fold into state: a decider's initial state and evolve, and how it is snapshotted. */
export type Fold<State, Event extends DomainEvent> = Pick<
  Decider<State, never, Event>,
  'initialState' | 'evolve' | 'snapshots'
>;

/**
 * A stream's state at a revision, with the global position of its last event and that event's chain link
 * as stored (its hash, or the legacy seal of an event written before hashing; GENESIS_HASH for an empty
 * stream): the next event's previousHash.
 */
export type StreamState<State> = { state: State; revision: number; position: number; lastHash: string };

/**
 * A cached state, the revision of the stream's latest snapshot this process read or wrote, and the
 * store's mark taken before the state was last read from the log (undefined: read it again next time).
 */
type Entry = { at: StreamState<unknown>; snapshotRevision: number; mark?: number };

export type StreamStateCacheOptions = {
  /** Streams kept; the least recently used are forgotten beyond it. */
  capacity?: number;
  /** Absent: no snapshots, a stream new to the process is folded from its start. */
  snapshots?: SnapshotPolicy;
  /**
   * The store's tracker of the appends this cache is told of (`appended`): with it, a load reads no
   * tail while nobody else appended since the state was read. Absent: every load reads the tail.
   */
  appends?: AppendTracker;
};

const DEFAULT_CAPACITY = 100_000;
const READ_PAGE = 1000;

/**
 * Event-sourced state by stream, kept current by reading only each stream's tail: a player with 100,000
 * events costs what a new one does once loaded. The least recently used streams are forgotten beyond
 * `capacity`. A stream read for the first time starts from its snapshot when its decider allows them and
 * one matches the log, otherwise from its start; either way it is folded a page at a time, so a long one
 * is never held in memory whole. Once `everyEvents` events followed a stream's last snapshot, a new one
 * is taken after the load, off its command's path.
 *
 * With the store's tracker of its appends, the tail is not even read when nobody else appended since
 * the state was read, and this cache's own appends were folded in as they were written (`appended`): the
 * state is then the stream as stored.
 */
export class StreamStateCache {
  private readonly states = new Map<string, Entry>();
  /** Loads under way, by stream: a fold may change a state in place, so no snapshot is taken meanwhile. */
  private readonly loading = new Map<string, number>();
  /** Streams appended to while a load was under way: what that load read may miss the append. */
  private readonly appendedWhileLoading = new Set<string>();
  private readonly capacity: number;
  private readonly snapshots?: SnapshotPolicy;
  private readonly appends?: AppendTracker;

  constructor(
    private readonly events: Pick<EventStore, 'readStream'>,
    options: StreamStateCacheOptions = {},
  ) {
    this.capacity = options.capacity ?? DEFAULT_CAPACITY;
    this.snapshots = options.snapshots;
    this.appends = options.appends;
  }

  async load<State, Event extends DomainEvent>(
    streamId: string,
    fold: Fold<State, Event>,
  ): Promise<StreamState<State>> {
    const cached = this.states.get(streamId);
    if (cached && this.isCurrent(streamId, cached)) {
      this.remember(streamId, cached);
      this.snapshotLater(streamId, fold, cached);
      return cached.at as StreamState<State>;
    }
    this.loading.set(streamId, (this.loading.get(streamId) ?? 0) + 1);
    try {
      // Taken before the read: another writer's append after it moves the mark, and the next load reads.
      const mark = this.appends?.mark();
      const start = this.states.get(streamId) ??
        (await this.fromSnapshot(streamId, fold)) ?? {
          at: { state: fold.initialState(), revision: -1, position: 0, lastHash: GENESIS_HASH },
          snapshotRevision: -1,
        };
      let loaded = start.at as StreamState<State>;
      for (;;) {
        const page = await this.events.readStream(streamId, loaded.revision + 1, READ_PAGE);
        if (page.length > 0) {
          const last = page[page.length - 1];
          loaded = {
            state: page.reduce((state, event) => fold.evolve(state, event as unknown as Event), loaded.state),
            revision: last.revision,
            position: last.position,
            lastHash: chainLink(last),
          };
        }
        if (page.length < READ_PAGE) break;
      }
      const entry = loaded === start.at ? start : { at: loaded, snapshotRevision: start.snapshotRevision };
      entry.mark = this.appendedWhileLoading.has(streamId) ? undefined : mark;
      this.remember(streamId, entry);
      this.snapshotLater(streamId, fold, entry);
      return loaded;
    } finally {
      const loads = (this.loading.get(streamId) ?? 1) - 1;
      if (loads > 0) this.loading.set(streamId, loads);
      else {
        this.loading.delete(streamId);
        this.appendedWhileLoading.delete(streamId);
      }
    }
  }

  /**
   * This cache's writer appended `events`, claimed with its tracker, to the stream at the state `from`,
   * and the store wrote them (`written: true`): they are folded into the cached state as stored, so the
   * next load need not read them back. Anything else (a load under way, a state moved meanwhile, a fold
   * that throws) forgets the stream instead.
   */
  appended<State, Event extends DomainEvent>(
    streamId: string,
    fold: Fold<State, Event>,
    from: StreamState<State>,
    events: readonly NewEvent[],
    result: AppendResult,
  ): void {
    if (!this.appends) return;
    const entry = this.states.get(streamId);
    if (this.loading.has(streamId)) {
      this.appendedWhileLoading.add(streamId);
      this.forget(streamId);
      return;
    }
    if (!entry || entry.at.revision === result.nextRevision) return;
    if (entry.at.revision !== from.revision) {
      this.forget(streamId);
      return;
    }
    const first = result.position - (events.length - 1); // one append's events are consecutive in the log
    const recorded = events.map((event, i): RecordedEvent => ({
      id: event.id,
      type: event.type,
      streamId,
      revision: from.revision + 1 + i,
      position: first + i,
      occurredAt: event.occurredAt.toISOString(),
      // As the store gives it back: JSON (no undefined members, no prototypes).
      data: JSON.parse(JSON.stringify(event.data)),
      metadata: event.metadata,
    }));
    const last = recorded[recorded.length - 1];
    try {
      entry.at = {
        state: recorded.reduce(
          (state, event) => fold.evolve(state, event as unknown as Event),
          entry.at.state as State,
        ),
        revision: last.revision,
        position: last.position,
        lastHash: chainLink(last),
      };
    } catch (error) {
      this.forget(streamId);
      throw error;
    }
  }

  /** Drops the stream's state: another writer changed it, the next load starts over as a cold one. */
  forget(streamId: string): void {
    this.states.delete(streamId);
  }

  /**
   * Whether the cached state is the stream as stored without reading its tail: no load is folding into
   * it, it was read after the store's mark and only this store appended since (each append folded in).
   */
  private isCurrent(streamId: string, entry: Entry): boolean {
    return (
      entry.mark !== undefined &&
      !this.loading.has(streamId) &&
      this.appends !== undefined &&
      this.appends.onlyOwnAppendsSince(entry.mark)
    );
  }

  /**
   * The stream's snapshot, when its decider allows them and one is kept for its version that continues the
   * stream as stored: the event at its revision is there, at its position, with its chain link. A snapshot
   * that fails any of that (damaged, or of a log since restored from an older copy) is not used.
   */
  private async fromSnapshot<State, Event extends DomainEvent>(
    streamId: string,
    fold: Fold<State, Event>,
  ): Promise<Entry | undefined> {
    const schema = fold.snapshots;
    if (!this.snapshots || !schema) return undefined;
    const ignored = (reason: string, error?: unknown) => {
      const message = `snapshot not used (${reason}): the stream is folded from its start`;
      this.snapshots?.logger.warn(
        { message, streamId, version: schema.version, ...(error ? { error: String(error) } : {}) },
        StreamStateCache.name,
      );
      return undefined;
    };
    try {
      const stored = await this.snapshots.store.loadSnapshot(streamId, schema.version);
      if (!stored) return undefined;
      const at = decodeSnapshot(stored, schema);
      if (!at) return ignored('damaged');
      const [last] = await this.events.readStream(streamId, at.revision, 1);
      if (
        last?.revision !== at.revision ||
        last.position !== at.position ||
        chainLink(last) !== at.lastHash
      ) {
        return ignored('it does not match the log');
      }
      return { at, snapshotRevision: at.revision };
    } catch (error) {
      return ignored('unreadable', error);
    }
  }

  /**
   * Snapshots the stream on a later turn (while its command waits for its append), if `everyEvents` have
   * followed its last snapshot and the state is still the cached one with no load folding into it; else
   * the next load tries again.
   */
  private snapshotLater<State, Event extends DomainEvent>(
    streamId: string,
    fold: Fold<State, Event>,
    entry: Entry,
  ): void {
    const policy = this.snapshots;
    const schema = fold.snapshots;
    const due = () => policy && entry.at.revision - entry.snapshotRevision >= policy.everyEvents;
    if (!policy || !schema || !due()) return;
    setImmediate(() => {
      if (!due() || this.states.get(streamId) !== entry || this.loading.has(streamId)) return;
      entry.snapshotRevision = entry.at.revision;
      const snapshot = encodeSnapshot(streamId, schema, entry.at as StreamState<State>);
      policy.store.saveSnapshot(snapshot).catch((error: unknown) => {
        const message = 'snapshot not written: the next one is taken after as many events again';
        policy.logger.warn(
          { message, streamId, revision: snapshot.revision, error: String(error) },
          StreamStateCache.name,
        );
      });
    });
  }

  private remember(streamId: string, entry: Entry): void {
    // Map order is insertion order: re-inserting marks as recent, the first key is the least recent.
    this.states.delete(streamId);
    this.states.set(streamId, entry);
    if (this.states.size > this.capacity) this.states.delete(this.states.keys().next().value as string);
  }
}
