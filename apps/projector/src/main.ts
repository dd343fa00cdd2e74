import './instrument';
import 'reflect-metadata';
import { loadConfig, startWorker } from '@app/runtime';
import { ProjectorModule } from './projector.module';

/** The projector: Kafka -> read models in MongoDB. Health and metrics on PORT. */
async function main(): Promise<void> {
  const config = loadConfig(process.env, ['KAFKA_BROKERS', 'MONGO_URL']);
  await startWorker(ProjectorModule.forRoot(config), config);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
