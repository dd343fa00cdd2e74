import { GENESIS_HASH, chainLink } from '@app/audit';
import type { Decider, DomainEvent } from '@app/domain';
import type { EventStore } from '@app/event-store';

/** How a stream's events fold into state: a decider's initial state and evolve. */
export type Fold<State, Event extends DomainEvent> = Pick<
  Decider<State, never, Event>,
  'initialState' | 'evolve'
>;

/**
 * A stream's state at a revision, with the global position of its last event and that event's chain link
 * as stored (its hash, or the legacy seal of an event written before hashing; GENESIS_HASH for an empty
 * stream): the next event's previousHash.
 */
export type StreamState<State> = { state: State; revision: number; position: number; lastHash: string };

const DEFAULT_CAPACITY = 100_000;
const READ_PAGE = 1000;

/**
 * Event-sourced state by stream, kept current by reading only each stream's tail: a player with 100,000
 * events costs what a new one does once loaded. The least recently used streams are forgotten beyond
 * `capacity`. A stream read for the first time is folded a page at a time, so a long one is never held
 * in memory whole.
 */
export class StreamStateCache {
  private readonly states = new Map<string, StreamState<unknown>>();

  constructor(
    private readonly events: Pick<EventStore, 'readStream'>,
    private readonly capacity = DEFAULT_CAPACITY,
  ) {}

  async load<State, Event extends DomainEvent>(
    streamId: string,
    fold: Fold<State, Event>,
  ): Promise<StreamState<State>> {
    const cached = this.states.get(streamId) as StreamState<State> | undefined;
    let loaded = cached ?? { state: fold.initialState(), revision: -1, position: 0, lastHash: GENESIS_HASH };
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
    this.remember(streamId, loaded);
    return loaded;
  }

  /** Drops the stream's state: another writer changed it, the next load reads it again from the start. */
  forget(streamId: string): void {
    this.states.delete(streamId);
  }

  private remember(streamId: string, loaded: StreamState<unknown>): void {
    // Map order is insertion order: re-inserting marks as recent, the first key is the least recent.
    this.states.delete(streamId);
    this.states.set(streamId, loaded);
    if (this.states.size > this.capacity) this.states.delete(this.states.keys().next().value as string);
  }
}
