import { type Messaging, contractTopics, topicsFor } from '@app/messaging';
import { readModels } from '@app/projections';
import type { ReadStore } from '@app/read-store';
import { APP_CONFIG, type AppConfig, openMessaging, openReadStore } from '@app/runtime';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter, Histogram } from 'prom-client';
import { KafkaProjector } from './kafkaProjector';

export const PROJECTOR_METRICS = {
  applied: 'projector_events_applied_total',
  deadLetters: 'projector_dead_letters_total',
  batchSeconds: 'projector_batch_duration_seconds',
  failures: 'projector_batch_failures_total',
} as const;

/** Every projector instance joins this group (under the topic prefix); Kafka splits the partitions between them. */
export const PROJECTOR_GROUP = 'projector';

/** Wires the KafkaProjector to Kafka and the MongoDB read store, and stops it cleanly. */
@Injectable()
export class ProjectorService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ProjectorService.name);
  private readonly messaging: Messaging;
  private projector?: KafkaProjector;
  readStore?: ReadStore;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectMetric(PROJECTOR_METRICS.applied) private readonly applied: Counter,
    @InjectMetric(PROJECTOR_METRICS.deadLetters) private readonly deadLetters: Counter<'reason'>,
    @InjectMetric(PROJECTOR_METRICS.batchSeconds) private readonly batchSeconds: Histogram,
    @InjectMetric(PROJECTOR_METRICS.failures) private readonly failures: Counter,
  ) {
    this.messaging = openMessaging(config, 'projector', this.logger);
  }

  async onApplicationBootstrap(): Promise<void> {
    const readStore = await openReadStore(this.config, this.logger);
    this.readStore = readStore;
    const topics = topicsFor(this.config.KAFKA_TOPIC_PREFIX);
    await this.messaging.ensureTopics(contractTopics(topics, this.config.KAFKA_PARTITIONS));
    this.projector = new KafkaProjector({
      messaging: this.messaging,
      readStore,
      projections: readModels,
      topic: topics.events,
      deadLetterTopic: topics.deadLetters,
      groupId: this.config.KAFKA_TOPIC_PREFIX + PROJECTOR_GROUP,
      logger: this.logger,
      metrics: {
        applied: this.applied,
        deadLetters: this.deadLetters,
        batchSeconds: this.batchSeconds,
        failures: this.failures,
      },
    });
    await this.projector.start();
  }

  /** Partitions of the events topic this instance owns right now. */
  assignment(): number[] {
    return this.projector?.assignment() ?? [];
  }

  async onApplicationShutdown(): Promise<void> {
    await this.projector?.stop();
    await this.messaging.close();
    await this.readStore?.close();
  }
}
