import './nodeVersion';
import './instrument';
import { Logger } from '@nestjs/common';
import { createApp } from './bootstrap';

async function main(): Promise<void> {
  const { app, config, devKeyFile } = await createApp();
  await app.listen(config.PORT, config.HOST);
  const logger = new Logger('main');
  logger.log(`listening on http://${config.HOST}:${config.PORT} (OpenAPI at /docs)`);
  if (devKeyFile) {
    logger.warn(`no API_KEYS set: development key with every scope is in ${devKeyFile}`);
  }
}

main().catch((error: unknown) => {
  // Configuration errors are the common case here: print them plainly and exit non-zero.
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
