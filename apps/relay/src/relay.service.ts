import type { EventStore } from '@app/event-store';
import { type Messaging, contractTopics, topicsFor } from '@app/messaging';
import {
  APP_CONFIG,
  type AppConfig,
  TAIL_POLL_MS,
  instanceId,
  openMessaging,
  openEventStore,
} from '@app/runtime';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter, Gauge, Histogram } from 'prom-client';
import { EventRelay } from './eventRelay';

export const RELAY_METRICS = {
  published: 'relay_events_published_total',
  checkpoint: 'relay_checkpoint_position',
  active: 'relay_active',
  publishSeconds: 'relay_publish_duration_seconds',
  errors: 'relay_errors_total',
} as const;

/** Wires the EventRelay to the configured event store and Kafka, and stops it cleanly. */
@Injectable()
export class RelayService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(RelayService.name);
  readonly events: EventStore;
  private readonly messaging: Messaging;
  private relay?: EventRelay;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectMetric(RELAY_METRICS.published) private readonly published: Counter,
    @InjectMetric(RELAY_METRICS.checkpoint) private readonly checkpoint: Gauge,
    @InjectMetric(RELAY_METRICS.active) private readonly active: Gauge,
    @InjectMetric(RELAY_METRICS.publishSeconds) private readonly publishSeconds: Histogram,
    @InjectMetric(RELAY_METRICS.errors) private readonly errors: Counter,
  ) {
    this.events = openEventStore(config, this.logger, { pollIntervalMs: TAIL_POLL_MS });
    this.messaging = openMessaging(config, 'relay', this.logger);
  }

  async onApplicationBootstrap(): Promise<void> {
    const topics = topicsFor(this.config.KAFKA_TOPIC_PREFIX);
    await this.messaging.ensureTopics(contractTopics(topics, this.config.KAFKA_PARTITIONS));
    const partitions = await this.messaging.partitionCount(topics.events);
    this.relay = new EventRelay({
      events: this.events,
      connect: () => this.messaging.publisher(),
      topic: topics.events,
      partitions,
      instanceId: instanceId('relay'),
      logger: this.logger,
      leaseTtlMs: this.config.RELAY_LEASE_TTL_MS,
      metrics: {
        published: this.published,
        checkpoint: this.checkpoint,
        active: this.active,
        publishSeconds: this.publishSeconds,
        errors: this.errors,
      },
    });
    this.relay.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.relay?.stop();
    await this.messaging.close();
    await this.events.close();
  }
}
