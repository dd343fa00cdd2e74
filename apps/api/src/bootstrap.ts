import 'reflect-metadata';
import { type AppConfig, deploymentMode, loadConfig } from '@app/runtime';
import { NestFactory } from '@nestjs/core';
import { WsAdapter } from '@nestjs/platform-ws';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { type ApiKey, developmentKey, parseApiKeys } from './http/auth/apiKeys';
import { authenticateRequests } from './http/auth/authentication';
import { RateLimits, parseScopeLimits } from './http/auth/rateLimits';
import { RouteMethods, echoCorrelationId, fastifyOptions } from './http/edge';
import { serveConsole } from './http/console';
import { answerConnections, checkFraming } from './http/framing';
import { parseJsonBodies } from './http/jsonBody';
import { serveOpenApi } from './http/openApi';
import { namedSchemas } from './http/route';
import { ProblemFilter } from './http/problem.filter';
import { apiLogger, logRequests } from './http/requestLog';
import { ApiMetrics } from './system/apiMetrics';
import { RecentErrors } from './system/recentErrors';

export type App = { app: NestFastifyApplication; config: AppConfig; devKeyFile?: string };

/** Builds the API (not yet listening): used by main.ts and by the end-to-end tests. */
export async function createApp(env: Record<string, string | undefined> = process.env): Promise<App> {
  const config = loadConfig(env);
  deploymentMode(config);
  const scopeLimits = parseScopeLimits(config.RATE_LIMITS);
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

  const recentErrors = new RecentErrors();
  const logger = apiLogger(config.LOG_LEVEL, recentErrors);
  const metrics = new ApiMetrics();
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config, logger, metrics, recentErrors, apiKeys),
    new FastifyAdapter(fastifyOptions(config)),
    // The api parses bodies itself (http/jsonBody): JSON only, within limits, after authentication.
    { bufferLogs: true, bodyParser: false },
  );
  app.useLogger(app.get(Logger));
  app.useWebSocketAdapter(new WsAdapter(app));
  app.enableShutdownHooks();

  // Before any route is registered: the hooks every route runs, in order (framing, key and limits, then the
  // body), and the OpenAPI document that collects each route's schema.
  const fastify = app.getHttpAdapter().getInstance();
  const routeMethods = new RouteMethods(fastify);
  for (const schema of namedSchemas()) fastify.addSchema(schema);
  app.useGlobalFilters(new ProblemFilter(routeMethods));
  answerConnections(fastify.server);
  checkFraming(fastify);
  const limits = await RateLimits.register(
    fastify,
    {
      windowMs: config.RATE_LIMIT_WINDOW_MS,
      perScope: scopeLimits,
      unauthenticated: config.RATE_LIMIT_UNAUTHENTICATED,
      redisUrl: config.REDIS_URL,
    },
    (limit, scope) => metrics.rateLimitRefused(limit, scope),
  );
  fastify.addHook('onClose', () => limits.close());
  authenticateRequests(fastify, apiKeys, limits);
  parseJsonBodies(fastify);
  echoCorrelationId(fastify);
  logRequests(fastify, logger);
  metrics.observeRequests(fastify);
  await serveOpenApi(app);
  if (!(await serveConsole(app, config.CONSOLE_DIR)))
    app.get(Logger).warn(`no console build in ${config.CONSOLE_DIR}: /console answers 404 (npm run build)`);

  return { app, config, devKeyFile };
}
