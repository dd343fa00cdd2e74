import { Module } from '@nestjs/common';
import {
  DefineLeaderboardHandler,
  GetEntriesHandler,
  GetLeaderboardHandler,
  GetPlayerRankHandler,
  SubmitScoreHandler,
} from './leaderboards';
import { LeaderboardsController } from './leaderboards.controller';

/** Competitive boards: definitions, score submissions, ranks by period. */
@Module({
  controllers: [LeaderboardsController],
  providers: [
    DefineLeaderboardHandler,
    SubmitScoreHandler,
    GetLeaderboardHandler,
    GetEntriesHandler,
    GetPlayerRankHandler,
  ],
})
export class LeaderboardsModule {}
