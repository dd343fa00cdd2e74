import { APP_CONFIG, type AppConfig, TracingModule } from '@app/runtime';
import { type DynamicModule, Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { LoggerModule } from 'nestjs-pino';
import type pino from 'pino';
import { AuditModule } from './audit/audit.module';
import { CatalogModule } from './catalog/catalog.module';
import { CompetitionsModule } from './competitions/competitions.module';
import { EconomyModule } from './economy/economy.module';
import type { ApiKey } from './http/auth/apiKeys';
import { API_KEY_LIST } from './http/auth/tokens';
import { LeaderboardsModule } from './leaderboards/leaderboards.module';
import { PersistenceModule } from './persistence/persistence.module';
import { StreamModule } from './stream/stream.module';
import { ApiMetrics } from './system/apiMetrics';
import { RecentErrors } from './system/recentErrors';
import { SystemModule } from './system/system.module';

@Module({})
export class AppModule {
  /** The configuration is validated before the module is built, so a bad value never half-starts the app. */
  static forRoot(
    config: AppConfig,
    logger: pino.Logger,
    metrics: ApiMetrics,
    recentErrors: RecentErrors,
    apiKeys: readonly ApiKey[],
  ): DynamicModule {
    return {
      module: AppModule,
      global: true,
      imports: [
        // Nest's log lines go to `logger`. No per-request middleware (a pino-http child logger and async
        // context per request): the request line is written by a Fastify hook (http/requestLog), and what
        // logs about a request names its correlation id itself.
        LoggerModule.forRoot({ pinoHttp: { logger }, forRoutes: [] }),
        CqrsModule.forRoot(),
        PersistenceModule.forRoot(config),
        EconomyModule,
        CatalogModule,
        LeaderboardsModule,
        CompetitionsModule,
        AuditModule,
        SystemModule,
        StreamModule,
        TracingModule,
      ],
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: ApiMetrics, useValue: metrics },
        { provide: RecentErrors, useValue: recentErrors },
        { provide: API_KEY_LIST, useValue: apiKeys },
      ],
      exports: [APP_CONFIG, ApiMetrics, RecentErrors, API_KEY_LIST],
    };
  }
}
