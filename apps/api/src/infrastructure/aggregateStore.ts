import { createHash } from 'node:crypto';
import { GENESIS_HASH, chainLink, eventHash } from '@app/audit';
import { type Decider, type DomainEvent } from '@app/domain';
import {
  EventIdConflictError,
  type EventStore,
  type RecordedEvent,
  WrongExpectedRevisionError,
} from '@app/event-store';
import { Inject, Injectable } from '@nestjs/common';
import type { CommandContext } from '../http/commandRequest';
import { Problem } from '../http/problem';
import { EVENT_STORE } from './tokens';

export type CommandResult = {
  streamId: string;
  /** The stream's revision after the command (-1: the stream is still empty). */
  revision: number;
  /** Global position of the command's last event, or of the stream's last event when nothing changed. */
  position: number;
  events: { id: string; type: string; data: unknown }[];
  /** True when this is a retry of a command already applied: nothing was appended. */
  replayed: boolean;
};

/**
 * A stream's state at a revision, with the chain link of its last event as stored (its hash, or the
 * legacy seal of an event written before hashing; GENESIS_HASH for an empty stream): the next event's
 * previousHash.
 */
type Loaded<State> = { state: State; revision: number; position: number; lastHash: string };
type Fold<State, Event extends DomainEvent> = Pick<Decider<State, never, Event>, 'initialState' | 'evolve'>;

const MAX_ATTEMPTS = 5;
const CACHE_SIZE = 100_000;
const READ_PAGE = 1000;
const SCHEMA_VERSION = 1;

/**
 * Loads event-sourced state and runs commands against it, the way every command handler does:
 *   1. load, 2. decide (pure), 3. append at the expected revision; a retried Idempotency-Key gets the
 *   first answer.
 *
 * - Commands on one stream run one at a time in this process, so a hot wallet queues instead of
 *   failing; across processes the expected revision still guards, and a conflict re-reads and re-decides.
 * - State is cached by stream and revision and caught up by reading only the stream's tail, so a
 *   player with 100,000 events costs what a new one does.
 */
@Injectable()
export class AggregateStore {
  private readonly cache = new Map<string, Loaded<unknown>>();
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async load<State, Event extends DomainEvent>(
    streamId: string,
    fold: Fold<State, Event>,
  ): Promise<Loaded<State>> {
    const cached = this.cache.get(streamId) as Loaded<State> | undefined;
    let loaded = cached ?? { state: fold.initialState(), revision: -1, position: 0, lastHash: GENESIS_HASH };
    // Page by page, so folding a long stream for the first time holds one page of events, not all of them.
    for (;;) {
      const page = await this.store.readStream(streamId, loaded.revision + 1, READ_PAGE);
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

  handle<State, Event extends DomainEvent>(
    streamId: string,
    fold: Fold<State, Event>,
    decide: (state: State) => Event[],
    context: CommandContext,
  ): Promise<CommandResult> {
    return this.serialised(streamId, async () => {
      for (let attempt = 1; ; attempt++) {
        // 1. Load, 2. decide. A retry of a command already applied must get the original answer, whatever
        //    the state says now: the store recognises its event ids on append, and a retry that decides
        //    differently this time (a refusal, nothing to do) is looked up before that answer is given.
        //    A new command, the common case, costs no lookup.
        const { state, revision, position, lastHash } = await this.load(streamId, fold);
        let events: Event[];
        try {
          events = decide(state);
        } catch (refusal) {
          const replay = await this.replayOf(streamId, context);
          if (replay) return replay;
          throw refusal;
        }
        if (events.length === 0) {
          const replay = await this.replayOf(streamId, context);
          return replay ?? { streamId, revision, position, events: [], replayed: false };
        }

        // 3. Append at the revision the decision was made on, each event chained to the one before it.
        //    The chain is only right at that revision: a conflict reloads the stream and re-hashes.
        const commandId = eventId(context, -1);
        const occurredAt = context.receivedAt.toISOString();
        let previousHash = lastHash;
        const recorded = events.map((event, index) => {
          const content = { type: event.type, data: event.data, streamId, revision: revision + 1 + index };
          const hash = eventHash({ ...content, occurredAt, previousHash });
          const metadata = {
            schemaVersion: SCHEMA_VERSION,
            commandId,
            requestHash: context.requestHash,
            correlationId: context.correlationId,
            causationId: commandId,
            actor: context.actor,
            previousHash,
            hash,
          };
          previousHash = hash;
          return {
            id: eventId(context, index),
            type: event.type,
            data: event.data,
            metadata,
            occurredAt: context.receivedAt,
          };
        });
        try {
          const result = await this.store.appendToStream(
            streamId,
            recorded,
            revision === -1 ? 'no_stream' : revision,
          );
          // The store recognised the event ids: a retry, answered with what the first attempt appended.
          if (!result.written) return await this.replayOf(streamId, context).then(orKeyReused);
          // The cache stays at the revision decided on: the next load reads the events just appended, as
          // stored. (A concurrent retry of the same command in another process makes the store answer with
          // the events that process wrote; caching our own would chain the next event to hashes not stored.)
          return {
            streamId,
            revision: result.nextRevision,
            position: result.position,
            events: recorded.map(({ id, type, data }) => ({ id, type, data })),
            replayed: false,
          };
        } catch (error) {
          // Some of the ids are in the stream, not all: the same command deciding differently on a retry.
          if (error instanceof EventIdConflictError)
            return await this.replayOf(streamId, context).then(orKeyReused);
          if (!(error instanceof WrongExpectedRevisionError)) throw error;
          // Another process wrote first: forget our view of the stream and decide again on fresh state.
          this.cache.delete(streamId);
          if (attempt >= MAX_ATTEMPTS) {
            throw new Problem(
              409,
              'concurrency-conflict',
              'Too many concurrent changes',
              `gave up after ${attempt} attempts; retry the same request`,
              { retryAfterSeconds: 1 },
            );
          }
        }
      }
    });
  }

  private async replayOf(streamId: string, context: CommandContext): Promise<CommandResult | undefined> {
    const events: RecordedEvent[] = [];
    for (let index = 0; ; index++) {
      const event = await this.store.findEvent(streamId, eventId(context, index));
      if (!event) break;
      events.push(event);
    }
    if (events.length === 0) return undefined;
    if (events[0].metadata.requestHash !== context.requestHash) throw keyReused();
    const last = events[events.length - 1];
    return {
      streamId,
      revision: last.revision,
      position: last.position,
      events: events.map(({ id, type, data }) => ({ id, type, data })),
      replayed: true,
    };
  }

  /** Runs `work` after every earlier command on the same stream has finished. */
  private serialised<T>(streamId: string, work: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(streamId) ?? Promise.resolve();
    const result = previous.then(work, work);
    const settled = result.then(
      () => undefined,
      () => undefined,
    );
    this.queues.set(streamId, settled);
    void settled.then(() => {
      if (this.queues.get(streamId) === settled) this.queues.delete(streamId);
    });
    return result;
  }

  private remember(streamId: string, loaded: Loaded<unknown>): void {
    // Map order is insertion order: re-inserting marks as recent, the first key is the least recent.
    this.cache.delete(streamId);
    this.cache.set(streamId, loaded);
    if (this.cache.size > CACHE_SIZE) this.cache.delete(this.cache.keys().next().value as string);
  }
}

const orKeyReused = (replay: CommandResult | undefined): CommandResult => {
  if (!replay) throw keyReused();
  return replay;
};

const keyReused = () =>
  new Problem(
    422,
    'idempotency-key-reused',
    'Idempotency-Key already used for a different request',
    'send a new Idempotency-Key for a new command; a retry must repeat the original request exactly',
  );

/**
 * Event ids are UUIDs derived from (actor, Idempotency-Key, index): a retried command produces the same
 * ids, which the store recognises. Index -1 names the command itself.
 */
export const eventId = (context: Pick<CommandContext, 'actor' | 'idempotencyKey'>, index: number): string => {
  const bytes = createHash('sha256')
    .update(`${context.actor}\u0000${context.idempotencyKey}\u0000${index}`)
    .digest();
  bytes[6] = (bytes[6] & 0x0f) | 0x50; // version 5 layout (name-based)
  bytes[8] = (bytes[8] & 0x3f) | 0x80; // RFC 4122 variant
  const hex = bytes.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
};
