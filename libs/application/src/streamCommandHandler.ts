import type { DomainEvent } from '@app/domain';
import { type EventStore, StreamQueues, offersAppendTracking } from '@app/event-store';
import type { CommandContext } from './commandContext';
import { type CommandResult, IdempotentAppender } from './idempotentAppend';
import { retryOnConflict } from './retryOnConflict';
import type { SnapshotPolicy } from './streamSnapshots';
import { type Fold, StreamStateCache, type StreamState } from './streamStateCache';

const MAX_ATTEMPTS = 5;

/**
 * Runs commands against event-sourced streams, the way every command is handled whatever brought it:
 *   1. load the stream's state (cached, tail read), 2. decide (pure), 3. append at the expected revision,
 *   hash-chained, with ids derived from the command so a retry gets the first answer.
 *
 * - Commands on one stream run one at a time in this process (a hot wallet queues instead of failing);
 *   across processes the expected revision guards, and a conflict reloads, decides again and retries.
 * - A refusal (DomainError) or "nothing to do" is first checked against the stream: a retry of a command
 *   already applied gets the original answer, whatever the state says now.
 * - With `snapshots`, a stream new to the process is loaded from its snapshot and the events after it.
 * - With a store that tracks appends (the SQLite store), a load reads no tail while nobody but this
 *   handler appended since its state was read: another process, another connection or another caller
 *   of the same store counts as somebody else.
 */
export class StreamCommandHandler {
  private readonly states: StreamStateCache;
  private readonly queues = new StreamQueues();
  private readonly appender: IdempotentAppender;

  constructor(events: EventStore, snapshots?: SnapshotPolicy) {
    // With a store that tracks appends, this handler's are claimed as its own as they are made.
    const appends = offersAppendTracking(events) ? events.trackAppends() : undefined;
    this.states = new StreamStateCache(events, { snapshots, appends });
    this.appender = new IdempotentAppender({
      appendToStream: (streamId, recorded, expected) => {
        appends?.claim(recorded);
        return events.appendToStream(streamId, recorded, expected);
      },
      findEvent: (streamId, eventId) => events.findEvent(streamId, eventId),
    });
  }

  /** A stream's current state: what a command is decided against (a purchase's catalog item, say). */
  load<State, Event extends DomainEvent>(
    streamId: string,
    fold: Fold<State, Event>,
  ): Promise<StreamState<State>> {
    return this.states.load(streamId, fold);
  }

  handle<State, Event extends DomainEvent>(
    streamId: string,
    fold: Fold<State, Event>,
    decide: (state: State) => Event[],
    context: CommandContext,
  ): Promise<CommandResult> {
    return this.queues.run(streamId, () =>
      retryOnConflict(
        streamId,
        MAX_ATTEMPTS,
        () => this.attempt(streamId, fold, decide, context),
        // Another process wrote first: forget our view of the stream and decide again on fresh state.
        () => this.states.forget(streamId),
      ),
    );
  }

  private async attempt<State, Event extends DomainEvent>(
    streamId: string,
    fold: Fold<State, Event>,
    decide: (state: State) => Event[],
    context: CommandContext,
  ): Promise<CommandResult> {
    // 1. Load, 2. decide. A new command, the common case, costs no idempotency lookup: the store
    //    recognises a retry's ids on append. A retry that decides differently this time (a refusal,
    //    nothing to do) is looked up before it is answered.
    const at = await this.states.load(streamId, fold);
    let events: Event[];
    try {
      events = decide(at.state);
    } catch (refusal) {
      const replay = await this.appender.replayOf(streamId, context);
      if (replay) return replay;
      throw refusal;
    }
    if (events.length === 0) {
      const replay = await this.appender.replayOf(streamId, context);
      return (
        replay ?? { streamId, revision: at.revision, position: at.position, events: [], replayed: false }
      );
    }
    // 3. Append at the revision the decision was made on. Only events the store says it wrote go into the
    //    cache (a concurrent retry of the same command in another process makes the store answer with the
    //    events that process wrote; caching our own would chain the next event to hashes never stored),
    //    and only with a store that tracks appends (it guarantees that answer); otherwise the next load
    //    reads them as stored.
    return this.appender.append(streamId, events, at, context, (written, result) =>
      this.states.appended(streamId, fold, at, written, result),
    );
  }
}
