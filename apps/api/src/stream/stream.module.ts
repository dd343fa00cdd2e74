import type { EventStore } from '@app/event-store';
import { APP_CONFIG, type AppConfig } from '@app/runtime';
import { Module } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { LogFollower } from '../persistence/logFollower';
import { ReadModelProgress } from '../persistence/readModelProgress';
import { EVENT_STORE } from '../persistence/tokens';
import { RevokePlayerSessionsHandler } from './commands';
import { SessionRevocations } from './sessionRevocations';
import { SessionsController } from './sessions.controller';
import { SessionTokens, parseSessionKeys } from './sessionTokens';
import { StreamGateway } from './stream.gateway';
import { StreamHub } from './streamHub';

/** Live updates over WebSocket (/v1/stream) and the player session tokens that open it to game clients. */
@Module({
  controllers: [SessionsController],
  providers: [
    StreamGateway,
    RevokePlayerSessionsHandler,
    {
      provide: SessionRevocations,
      inject: [LogFollower, EVENT_STORE],
      useFactory: async (follower: LogFollower, events: EventStore) => {
        const revocations = new SessionRevocations(follower);
        await revocations.load(events);
        return revocations;
      },
    },
    {
      provide: SessionTokens,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) =>
        new SessionTokens(parseSessionKeys(config.SESSION_TOKEN_KEYS), config.SESSION_TOKEN_TTL_SECONDS),
    },
    {
      provide: StreamHub,
      inject: [LogFollower, ReadModelProgress, QueryBus, APP_CONFIG],
      useFactory: (
        follower: LogFollower,
        progress: ReadModelProgress,
        queries: QueryBus,
        config: AppConfig,
      ) =>
        new StreamHub(
          follower,
          progress,
          queries,
          config.STREAM_RESUME_EVENTS,
          config.READ_AFTER_WRITE_TIMEOUT_MS,
          config.STREAM_TOPIC_INTERVAL_MS,
        ),
    },
  ],
})
export class StreamModule {}
