import {
  type Consumer,
  type DecodedMessage,
  HEADERS,
  type Messaging,
  type OutgoingMessage,
  type PartitionBatch,
  type Publisher,
  type ReceivedMessage,
  decodeEventMessage,
  partitionCheckpoint,
} from '@app/messaging';
import { type AnyProjection, project } from '@app/projections';
import type { RecordedEvent } from '@app/event-store';
import type { ReadStore } from '@app/read-store';
import type { LoggerService } from '@nestjs/common';
import { ROOT_CONTEXT, type Span, SpanKind, propagation, trace } from '@opentelemetry/api';
import type { Counter, Histogram } from 'prom-client';

const tracer = trace.getTracer('game-backend');

export type ProjectorMetrics = {
  applied: Counter;
  /** Labelled by `reason`. */
  deadLetters: Counter<'reason'>;
  /** How long each batch took to apply, read models and checkpoint written. */
  batchSeconds: Histogram;
  /** Batches that failed to apply (delivered again). */
  failures: Counter;
};

export type KafkaProjectorOptions = {
  messaging: Messaging;
  readStore: ReadStore;
  projections: readonly AnyProjection[];
  topic: string;
  deadLetterTopic: string;
  groupId: string;
  logger: LoggerService;
  metrics?: ProjectorMetrics;
  /** Partitions this member applies in parallel. */
  concurrency?: number;
};

/**
 * The projection worker: a consumer group member that applies its partitions' events to the read models
 * with the same `project` the embedded mode uses, then lets the adapter commit the offsets.
 *
 * Redelivery is harmless (documents skip revisions they have seen). Messages it cannot apply go to the
 * dead-letter topic with the reason, and the partition moves on instead of stalling.
 */
export class KafkaProjector {
  private consumer?: Consumer;
  private deadLetters?: Publisher;

  constructor(private readonly options: KafkaProjectorOptions) {}

  async start(): Promise<void> {
    const { messaging, topic, groupId, concurrency } = this.options;
    this.deadLetters = await messaging.publisher();
    this.consumer = await messaging.consume({
      groupId,
      topics: [topic],
      fromBeginning: true,
      concurrency: concurrency ?? 2,
      handleBatch: (batch) => this.apply(batch),
    });
  }

  assignment(): number[] {
    return this.consumer?.assignment()[this.options.topic] ?? [];
  }

  async stop(): Promise<void> {
    await this.consumer?.close();
    await this.deadLetters?.close();
  }

  private async apply(batch: PartitionBatch): Promise<void> {
    const { metrics } = this.options;
    const applied = metrics?.batchSeconds.startTimer();
    try {
      await this.applyBatch(batch);
      applied?.();
    } catch (error) {
      metrics?.failures.inc();
      throw error;
    }
  }

  private async applyBatch({ topic, partition, messages }: PartitionBatch): Promise<void> {
    const { readStore, projections, deadLetterTopic, logger, metrics } = this.options;
    const checkpoint = partitionCheckpoint(topic, partition);
    // What the partition's checkpoint covers is applied already: after lost offsets or a redelivery the
    // worker resumes from its checkpoint instead of loading and comparing every document again.
    const applied = await readStore.checkpoint(checkpoint);
    const events: RecordedEvent[] = [];
    const poison: OutgoingMessage[] = [];
    const spans: Span[] = [];
    let position = 0;
    for (const message of messages) {
      const decoded = decodeEventMessage(message.value, message.headers);
      if (decoded.kind === 'event') {
        if (decoded.event.position > applied) {
          events.push(decoded.event);
          // A traced command's event: applying it ends the command's trace.
          if (message.headers.traceparent) spans.push(projectSpan(message, decoded.event.type));
        }
        position = Math.max(position, decoded.event.position);
      } else if (decoded.kind === 'watermark') {
        position = Math.max(position, decoded.position);
      } else {
        poison.push(toDeadLetter(message, decoded));
        metrics?.deadLetters.inc({ reason: decoded.reason });
        logger.warn(
          { topic, partition, offset: message.offset, reason: decoded.reason, detail: decoded.detail },
          'dead-lettered a message the projector cannot apply',
        );
      }
    }
    // Dead letters first: once the offsets commit, the original message is gone from this group's view.
    if (poison.length > 0) await this.deadLetters!.publish(deadLetterTopic, poison);
    try {
      await project(readStore, projections, events, { checkpoint, position });
    } finally {
      for (const span of spans) span.end();
    }
    metrics?.applied.inc(events.length);
  }
}

/** The span of one event's projection, a child of the relay's publish span its message carries. */
const projectSpan = (message: ReceivedMessage, type: string): Span =>
  tracer.startSpan(
    `project ${type}`,
    {
      kind: SpanKind.CONSUMER,
      attributes: {
        'messaging.system': 'kafka',
        'messaging.destination.name': message.topic,
        'messaging.destination.partition.id': String(message.partition),
        'messaging.kafka.offset': message.offset,
      },
    },
    propagation.extract(ROOT_CONTEXT, message.headers),
  );

const toDeadLetter = (
  message: ReceivedMessage,
  { reason, detail }: Extract<DecodedMessage, { kind: 'poison' }>,
): OutgoingMessage => ({
  key: message.key,
  value: message.value ?? '',
  headers: {
    ...Object.fromEntries(
      Object.entries(message.headers).filter((entry): entry is [string, string] => entry[1] !== undefined),
    ),
    'dead-letter-reason': reason,
    'dead-letter-detail': detail.slice(0, 1000),
    'original-topic': message.topic,
    'original-partition': String(message.partition),
    'original-offset': message.offset,
    [HEADERS.contentType]: message.headers[HEADERS.contentType] ?? 'application/octet-stream',
  },
});
