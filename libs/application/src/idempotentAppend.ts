import { chainEvents } from '@app/audit';
import type { DomainEvent } from '@app/domain';
import {
  type AppendResult,
  EventIdConflictError,
  type EventMetadata,
  type EventStore,
  type NewEvent,
  type RecordedEvent,
} from '@app/event-store';
import { SpanKind, context, propagation, trace } from '@opentelemetry/api';
import { createHash } from 'node:crypto';
import type { CommandContext } from './commandContext';
import { IdempotencyKeyReusedError } from './errors';
import type { StreamState } from './streamStateCache';

/** What a command did: the stream's revision and the global position after it, and the events it appended. */
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

const SCHEMA_VERSION = 1;

const tracer = trace.getTracer('game-backend');

/** W3C trace context, as event metadata carries it. */
type TraceContext = Pick<EventMetadata, 'traceparent' | 'tracestate'>;

/**
 * Event ids are UUIDs derived from (actor, idempotency key, index): a retried command produces the same
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

/**
 * Appends a command's events so that a retry is recognised, not repeated: their ids derive from the
 * command, the store answers an append of ids it already holds with the first result (`written: false`),
 * and the first event's `requestHash` tells a retry from a key reused for a different request.
 */
export class IdempotentAppender {
  constructor(private readonly events: Pick<EventStore, 'appendToStream' | 'findEvent'>) {}

  /**
   * Appends `decided` at the revision it was decided on, each event hash-chained to the one before it.
   * Throws WrongExpectedRevisionError when another writer appended first: decide again on fresh state.
   * `onWritten` is told the events as given to the store when the store wrote them (not a retry).
   */
  append(
    streamId: string,
    decided: readonly DomainEvent[],
    at: StreamState<unknown>,
    command: CommandContext,
    onWritten?: (events: NewEvent[], result: AppendResult) => void,
  ): Promise<CommandResult> {
    // With tracing on, each event carries the append's trace context: the relay and the projectors
    // continue the command's trace from it. Off, the tracer is a no-op and nothing is added.
    return tracer.startActiveSpan(`append ${streamId}`, { kind: SpanKind.CLIENT }, async (span) => {
      try {
        const traceContext: TraceContext = {};
        propagation.inject(context.active(), traceContext);
        return await this.appendEvents(streamId, decided, at, command, traceContext, onWritten);
      } finally {
        span.end();
      }
    });
  }

  private async appendEvents(
    streamId: string,
    decided: readonly DomainEvent[],
    at: StreamState<unknown>,
    context: CommandContext,
    traceContext: TraceContext,
    onWritten?: (events: NewEvent[], result: AppendResult) => void,
  ): Promise<CommandResult> {
    const commandId = eventId(context, -1);
    const links = chainEvents(
      streamId,
      at.revision + 1,
      context.receivedAt.toISOString(),
      at.lastHash,
      decided,
    );
    const recorded: NewEvent[] = decided.map((event, index) => ({
      id: eventId(context, index),
      type: event.type,
      data: event.data,
      metadata: {
        schemaVersion: SCHEMA_VERSION,
        commandId,
        requestHash: context.requestHash,
        correlationId: context.correlationId,
        causationId: commandId,
        actor: context.actor,
        ...links[index],
        ...traceContext,
      },
      occurredAt: context.receivedAt,
    }));
    try {
      const result = await this.events.appendToStream(
        streamId,
        recorded,
        at.revision === -1 ? 'no_stream' : at.revision,
      );
      // The store recognised the ids: a retry, answered with what the first attempt appended.
      if (!result.written) return orKeyReused(await this.replayOf(streamId, context));
      onWritten?.(recorded, result);
      return {
        streamId,
        revision: result.nextRevision,
        position: result.position,
        events: recorded.map(({ id, type, data }) => ({ id, type, data })),
        replayed: false,
      };
    } catch (error) {
      // Some of the ids are in the stream, not all: the same command deciding differently on a retry.
      if (error instanceof EventIdConflictError) return orKeyReused(await this.replayOf(streamId, context));
      throw error;
    }
  }

  /**
   * The answer the command got the first time, when it was applied before; undefined when it is new.
   * IdempotencyKeyReusedError when the key was used for a different request.
   */
  async replayOf(streamId: string, context: CommandContext): Promise<CommandResult | undefined> {
    const events: RecordedEvent[] = [];
    for (let index = 0; ; index++) {
      const event = await this.events.findEvent(streamId, eventId(context, index));
      if (!event) break;
      events.push(event);
    }
    if (events.length === 0) return undefined;
    if (events[0].metadata.requestHash !== context.requestHash) throw new IdempotencyKeyReusedError();
    const last = events[events.length - 1];
    return {
      streamId,
      revision: last.revision,
      position: last.position,
      events: events.map(({ id, type, data }) => ({ id, type, data })),
      replayed: true,
    };
  }
}

const orKeyReused = (replay: CommandResult | undefined): CommandResult => {
  if (!replay) throw new IdempotencyKeyReusedError();
  return replay;
};
