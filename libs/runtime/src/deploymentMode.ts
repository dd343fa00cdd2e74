import type { AppConfig } from './config';

/**
 * How the api is deployed, decided by which URLs are set (a component is real when its URL is set):
 * - `embedded`: nothing set. Read models in memory, rebuilt from the log at start; the api applies the log.
 * - `mongo-read-models`: MONGO_URL. The api applies the log to MongoDB and resumes from its checkpoint.
 * - `cluster`: KAFKA_BROKERS and MONGO_URL. The relay publishes the log to Kafka, projectors write
 *   MongoDB; the api reads MongoDB (ranks from its own cache) and watches the projectors' checkpoints.
 * The event store (SQLite, or EventStoreDB with EVENTSTORE_URL) is independent of the mode.
 */
export type DeploymentMode = 'embedded' | 'mongo-read-models' | 'cluster';

export function deploymentMode(config: Pick<AppConfig, 'KAFKA_BROKERS' | 'MONGO_URL'>): DeploymentMode {
  if (config.KAFKA_BROKERS) {
    // Fail loudly rather than serve read models nothing feeds.
    if (!config.MONGO_URL) {
      throw new Error(
        'KAFKA_BROKERS needs MONGO_URL: with Kafka, the projectors write the read models to MongoDB',
      );
    }
    return 'cluster';
  }
  return config.MONGO_URL ? 'mongo-read-models' : 'embedded';
}
