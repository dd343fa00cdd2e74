import { Module } from '@nestjs/common';
import { DefineLeaderboardHandler, SubmitScoreHandler } from './commands';
import { LeaderboardsController } from './leaderboards.controller';
import {
  GetEntriesHandler,
  GetLeaderboardHandler,
  GetPlayerRankHandler,
  ListLeaderboardsHandler,
} from './queries';

/** Competitive boards: definitions, score submissions, ranks by period. */
@Module({
  controllers: [LeaderboardsController],
  providers: [
    DefineLeaderboardHandler,
    SubmitScoreHandler,
    GetLeaderboardHandler,
    ListLeaderboardsHandler,
    GetEntriesHandler,
    GetPlayerRankHandler,
  ],
})
export class LeaderboardsModule {}
