import { type DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { CqrsModule } from '@nestjs/cqrs';
import { TerminusModule } from '@nestjs/terminus';
import { LoggerModule } from 'nestjs-pino';
import type { IncomingMessage } from 'node:http';
import type pino from 'pino';
import { AuditModule } from './audit/audit.module';
import { CatalogModule } from './catalog/catalog.module';
import { APP_CONFIG, type AppConfig } from '@app/runtime';
import { EconomyModule } from './economy/economy.module';
import { HealthController } from './health/health.controller';
import type { ApiKey } from './http/auth/apiKeys';
import { API_KEYS, ApiKeyGuard } from './http/auth/scopes';
import { PersistenceModule } from './persistence/persistence.module';
import { LeaderboardsModule } from './leaderboards/leaderboards.module';

export type CorrelatedRequest = IncomingMessage & { correlationId?: string };

@Module({})
export class AppModule {
  /** The configuration is validated before the module is built, so a bad value never half-starts the app. */
  static forRoot(config: AppConfig, apiKeys: readonly ApiKey[], logger: pino.Logger): DynamicModule {
    return {
      module: AppModule,
      global: true,
      imports: [
        // Nest's log lines go to `logger`. No per-request middleware (a pino-http child logger and async
        // context per request): the request line is written by a Fastify hook (http/requestLog), and what
        // logs about a request names its correlation id itself.
        LoggerModule.forRoot({ pinoHttp: { logger }, forRoutes: [] }),
        CqrsModule.forRoot(),
        TerminusModule.forRoot({ logger: false }),
        PersistenceModule.forRoot(config),
        EconomyModule,
        CatalogModule,
        LeaderboardsModule,
        AuditModule,
      ],
      controllers: [HealthController],
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: API_KEYS, useValue: apiKeys },
        { provide: APP_GUARD, useClass: ApiKeyGuard },
      ],
      exports: [APP_CONFIG],
    };
  }
}
