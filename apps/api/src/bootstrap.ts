import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { randomUUID } from 'node:crypto';
import { AppModule, type CorrelatedRequest } from './app.module';
import { type AppConfig, deploymentMode, loadConfig } from '@app/runtime';
import { type ApiKey, developmentKey, parseApiKeys } from './http/auth/apiKeys';
import { ProblemFilter } from './http/problem.filter';
import { apiLogger, logRequests } from './http/requestLog';
import { validationPipe } from './http/validation';

const CORRELATION_HEADER = 'x-correlation-id';

export type App = { app: NestFastifyApplication; config: AppConfig; devKeyFile?: string };

/** Builds the API (not yet listening): used by main.ts and by the end-to-end tests. */
export async function createApp(env: Record<string, string | undefined> = process.env): Promise<App> {
  const config = loadConfig(env);
  deploymentMode(config);
  let apiKeys: ApiKey[];
  let devKeyFile: string | undefined;
  if (config.API_KEYS) {
    apiKeys = parseApiKeys(config.API_KEYS);
  } else if (config.EVENTSTORE_URL) {
    throw new Error('API_KEYS is required outside the embedded mode');
  } else {
    const dev = developmentKey(config.DATA_DIR);
    apiKeys = [dev.key];
    devKeyFile = dev.file;
  }

  const adapter = new FastifyAdapter({
    bodyLimit: config.BODY_LIMIT_BYTES,
    // A caller's X-Correlation-Id is kept; otherwise one is made. It tags logs, events and the response.
    genReqId: (request: CorrelatedRequest) => {
      const given = request.headers[CORRELATION_HEADER];
      const id = typeof given === 'string' && /^[\w.:-]{1,128}$/.test(given) ? given : randomUUID();
      request.correlationId = id;
      return id;
    },
  });
  const logger = apiLogger(config.LOG_LEVEL);
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config, apiKeys, logger),
    adapter,
    { bufferLogs: true },
  );
  app.useLogger(app.get(Logger));
  app.useGlobalPipes(validationPipe);
  app.useGlobalFilters(new ProblemFilter());
  app.enableShutdownHooks();

  const fastify = app.getHttpAdapter().getInstance();
  // Commands are JSON only: any other body type is a 415 rather than a string to validate.
  fastify.removeContentTypeParser('text/plain');
  fastify.addHook('onSend', (request, reply, payload, done) => {
    reply.header(CORRELATION_HEADER, request.id);
    done(null, payload);
  });
  logRequests(fastify, logger);

  const openApi = new DocumentBuilder()
    .setTitle('Game economy & leaderboards API')
    .setDescription(
      'Commands need `Authorization: Bearer <api key>` and an `Idempotency-Key`. Errors are RFC 9457 problem+json.',
    )
    .setVersion('1')
    .addBearerAuth()
    .build();
  SwaggerModule.setup('docs', app, () => SwaggerModule.createDocument(app, openApi), {
    jsonDocumentUrl: 'docs/openapi.json',
  });

  return { app, config, devKeyFile };
}
