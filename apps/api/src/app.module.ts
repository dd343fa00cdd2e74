import { type DynamicModule, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { APP_GUARD } from '@nestjs/core';
import { CqrsModule } from '@nestjs/cqrs';
import { TerminusModule } from '@nestjs/terminus';
import { LoggerModule } from 'nestjs-pino';
import type { IncomingMessage } from 'node:http';
import { AuditModule } from './audit/audit.module';
import { CatalogModule } from './catalog/catalog.module';
import { APP_CONFIG, type AppConfig } from '@app/runtime';
import { EconomyModule } from './economy/economy.module';
import { HealthController } from './health/health.controller';
import type { ApiKey } from './http/auth/apiKeys';
import { API_KEYS, ApiKeyGuard } from './http/auth/scopes';
import { ReadAfterWriteInterceptor } from './http/readAfterWrite.interceptor';
import { PersistenceModule } from './infrastructure/persistence.module';
import { LeaderboardsModule } from './leaderboards/leaderboards.module';

export type CorrelatedRequest = IncomingMessage & { correlationId?: string };

@Module({})
export class AppModule {
  /** The configuration is validated before the module is built, so a bad value never half-starts the app. */
  static forRoot(config: AppConfig, apiKeys: readonly ApiKey[]): DynamicModule {
    const configModule = ConfigModule.forRoot({
      isGlobal: true,
      ignoreEnvFile: true,
      load: [() => ({ ...config })],
    });
    return {
      module: AppModule,
      global: true,
      imports: [
        configModule,
        LoggerModule.forRoot({
          pinoHttp: {
            level: config.LOG_LEVEL,
            // Same id as Fastify's request.id: the correlation id on every log line and event.
            genReqId: (request) => (request as CorrelatedRequest).correlationId ?? 'unknown',
            customProps: (request) => ({ correlationId: (request as CorrelatedRequest).correlationId }),
            redact: ['req.headers.authorization'],
            quietReqLogger: true,
          },
        }),
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
        ReadAfterWriteInterceptor,
      ],
      exports: [APP_CONFIG, ReadAfterWriteInterceptor],
    };
  }
}
