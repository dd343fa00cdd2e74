import './instrument';
import 'reflect-metadata';
import { loadConfig, startWorker } from '@app/runtime';
import { RelayModule } from './relay.module';

/** The relay: event store log -> Kafka. Health and metrics on PORT. */
async function main(): Promise<void> {
  const config = loadConfig(process.env, ['KAFKA_BROKERS']);
  await startWorker(RelayModule.forRoot(config), config);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
