import type { EventStore, RecordedEvent, Subscription } from '@app/event-store';
import { type OutgoingMessage, type Publisher, toEventMessage, toWatermarkMessage } from '@app/messaging';
import { RELAY_LEASE } from '@app/runtime';
import type { LoggerService } from '@nestjs/common';
import { ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode, propagation, trace } from '@opentelemetry/api';
import type { Counter, Gauge, Histogram } from 'prom-client';

const tracer = trace.getTracer('game-backend');

export type RelayMetrics = {
  published: Counter;
  checkpoint: Gauge;
  active: Gauge;
  /** How long each batch took to be acknowledged by the broker. */
  publishSeconds: Histogram;
  /** Interruptions: a failed publish, a lost lease, a store that did not answer. */
  errors: Counter;
};

export type EventRelayOptions = {
  events: EventStore;
  /** A fresh producer per active period: one that failed (say, across a broker restart) is dropped. */
  connect: () => Promise<Publisher>;
  topic: string;
  /** Partitions of `topic`: each gets a watermark after every batch. */
  partitions: number;
  /** Unique per process: the lease owner. */
  instanceId: string;
  logger: LoggerService;
  metrics?: RelayMetrics;
  /** The lease and the checkpoint share this name (one relay group per name). */
  leaseName?: string;
  /** A crashed active relay is replaced after at most this long. */
  leaseTtlMs?: number;
  batchSize?: number;
};

const INITIAL_BACKOFF_MS = 200;
const MAX_BACKOFF_MS = 10_000;

/**
 * Publishes the event store's global log to Kafka, in order, from a durable checkpoint.
 *
 * At-least-once: a batch is published (acknowledged by the broker) before its checkpoint is saved, so a
 * crash in between republishes it and consumers drop the duplicates by stream revision.
 * One active relay: the instance holding the lease in the event store publishes; others stand by and take
 * over when it expires. The checkpoint only moves while its writer holds the lease, so an instance that
 * paused past its lease cannot move it; it can at worst publish one batch twice.
 */
export class EventRelay {
  private readonly leaseName: string;
  private readonly leaseTtlMs: number;
  private readonly batchSize: number;
  private stopped = false;
  private running?: Promise<void>;
  private interrupt?: () => void;

  constructor(private readonly options: EventRelayOptions) {
    this.leaseName = options.leaseName ?? RELAY_LEASE;
    this.leaseTtlMs = options.leaseTtlMs ?? 10_000;
    this.batchSize = options.batchSize ?? 1000;
  }

  start(): void {
    this.running ??= this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.interrupt?.();
    await this.running;
  }

  private async run(): Promise<void> {
    const { events, instanceId, logger, metrics } = this.options;
    let backoff = INITIAL_BACKOFF_MS;
    while (!this.stopped) {
      try {
        if (!(await events.acquireLease(this.leaseName, instanceId, this.leaseTtlMs))) {
          metrics?.active.set(0);
          await this.pause(this.leaseTtlMs / 3);
          continue;
        }
        metrics?.active.set(1);
        await this.relayWhileLeased();
        backoff = INITIAL_BACKOFF_MS;
      } catch (error) {
        metrics?.active.set(0);
        if (this.stopped) break;
        metrics?.errors.inc();
        logger.error({ err: error, retryInMs: backoff }, 'relay interrupted; resuming from the checkpoint');
        await this.pause(backoff);
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
      }
    }
    metrics?.active.set(0);
    await events.releaseLease(this.leaseName, instanceId).catch(() => undefined);
  }

  /** Publishes from the checkpoint until the lease is lost, the relay stops, or a publish fails. */
  private async relayWhileLeased(): Promise<void> {
    const { events, instanceId, logger, metrics } = this.options;
    const publisher = await this.options.connect();
    const from = await events.loadCheckpoint(this.leaseName);
    metrics?.checkpoint.set(from);
    logger.log({ from, instanceId }, 'relay active: publishing from the checkpoint');

    let fail!: (error: Error) => void;
    let finish!: () => void;
    const ended = new Promise<void>((resolve, reject) => {
      finish = resolve;
      fail = reject;
    });
    this.interrupt = finish;
    const renewal = setInterval(() => {
      events.acquireLease(this.leaseName, instanceId, this.leaseTtlMs).then(
        (held) => held || fail(new Error('relay lease lost to another instance')),
        (error: unknown) => fail(error instanceof Error ? error : new Error(String(error))),
      );
    }, this.leaseTtlMs / 3);

    const subscription: Subscription = events.subscribeToAll({
      after: from,
      batchSize: this.batchSize,
      onEvents: (batch) => this.publish(publisher, batch),
      onError: (error) => fail(error instanceof Error ? error : new Error(String(error))),
    });
    try {
      await ended;
    } finally {
      clearInterval(renewal);
      this.interrupt = undefined;
      await subscription.close().catch(() => undefined);
      await publisher.close().catch(() => undefined);
    }
  }

  private async publish(publisher: Publisher, batch: RecordedEvent[]): Promise<void> {
    const { events, topic, partitions, instanceId, metrics } = this.options;
    const position = batch[batch.length - 1].position;
    const spans: Span[] = [];
    const messages: OutgoingMessage[] = batch.map((event) => {
      const message = toEventMessage(event);
      // A traced command's event: this publish continues its trace, and the message carries it on.
      if (event.metadata.traceparent) {
        const parent = propagation.extract(ROOT_CONTEXT, event.metadata);
        const span = tracer.startSpan(
          `publish ${topic}`,
          { kind: SpanKind.PRODUCER, attributes: { 'messaging.system': 'kafka', 'event.type': event.type } },
          parent,
        );
        propagation.inject(trace.setSpan(parent, span), message.headers);
        spans.push(span);
      }
      return message;
    });
    for (let partition = 0; partition < partitions; partition++) {
      messages.push(toWatermarkMessage(position, partition));
    }
    const published = metrics?.publishSeconds.startTimer();
    try {
      await publisher.publish(topic, messages);
      published?.();
    } catch (error) {
      for (const span of spans) span.setStatus({ code: SpanStatusCode.ERROR, message: String(error) });
      throw error;
    } finally {
      for (const span of spans) span.end();
    }
    metrics?.published.inc(batch.length);
    if (!(await events.saveCheckpoint(this.leaseName, instanceId, position))) {
      throw new Error('relay lease lost before the checkpoint was saved');
    }
    metrics?.checkpoint.set(position);
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.interrupt?.(), ms);
      this.interrupt = () => {
        clearTimeout(timer);
        this.interrupt = undefined;
        resolve();
      };
    });
  }
}
