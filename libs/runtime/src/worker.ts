import type { DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { type HealthIndicatorService, TerminusModule } from '@nestjs/terminus';
import { PrometheusModule } from '@willsoto/nestjs-prometheus';
import { Logger, LoggerModule } from 'nestjs-pino';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { AppConfig } from './config';
import { TracingModule } from './tracingModule';

/**
 * What every background worker (relay, projector) serves besides its loop: structured logs, Prometheus
 * metrics at /metrics and a health check at /health, on PORT.
 */
export const workerImports = (config: AppConfig): DynamicModule[] => [
  LoggerModule.forRoot({ pinoHttp: { level: config.LOG_LEVEL, autoLogging: false } }),
  PrometheusModule.register({ path: '/metrics' }),
  TerminusModule.forRoot({ logger: false }),
  { module: TracingModule },
];

export async function startWorker(module: DynamicModule, config: AppConfig): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(module, new FastifyAdapter(), {
    bufferLogs: true,
  });
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks();
  await app.listen(config.PORT, config.HOST);
  return app;
}

/** Unique per process: names lease owners and Kafka clients in logs. */
export const instanceId = (role: string): string =>
  `${role}-${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;

/**
 * A Terminus health indicator named `key`: up with the details `probe` returns, down with its error's
 * message when it throws.
 */
export const healthIndicator =
  (indicators: HealthIndicatorService, key: string, probe: () => Promise<Record<string, unknown>>) =>
  async () => {
    const indicator = indicators.check(key);
    try {
      return indicator.up(await probe());
    } catch (error) {
      return indicator.down({ message: (error as Error).message });
    }
  };
