import { type CommandContext, type CommandResult, StreamCommandHandler } from '@app/application';
import { leaderboards } from '@app/domain';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';

export class DefineLeaderboard extends Command<CommandResult> {
  constructor(
    readonly definition: leaderboards.LeaderboardDefinition,
    readonly context: CommandContext,
  ) {
    super();
  }
}

export class SubmitScore extends Command<CommandResult> {
  constructor(
    readonly submission: Omit<leaderboards.SubmitScore['data'], 'leaderboard' | 'submittedAt'>,
    readonly context: CommandContext,
  ) {
    super();
  }
}

@CommandHandler(DefineLeaderboard)
export class DefineLeaderboardHandler implements ICommandHandler<DefineLeaderboard> {
  constructor(private readonly streams: StreamCommandHandler) {}

  execute({ definition, context }: DefineLeaderboard): Promise<CommandResult> {
    return this.streams.handle(
      leaderboards.leaderboardStreamId(definition.leaderboardId),
      leaderboards.leaderboardDecider,
      (state) => leaderboards.defineLeaderboard({ type: 'DefineLeaderboard', data: definition }, state),
      context,
    );
  }
}

@CommandHandler(SubmitScore)
export class SubmitScoreHandler implements ICommandHandler<SubmitScore> {
  constructor(private readonly streams: StreamCommandHandler) {}

  async execute({ submission, context }: SubmitScore): Promise<CommandResult> {
    const { state: leaderboard } = await this.streams.load(
      leaderboards.leaderboardStreamId(submission.leaderboardId),
      leaderboards.leaderboardDecider,
    );
    return this.streams.handle(
      leaderboards.playerScoresStreamId(submission.leaderboardId, submission.playerId),
      leaderboards.playerScoresDecider,
      (state) =>
        leaderboards.submitScore(
          // The request's arrival time is also the event's occurredAt: one clock reading decides the period.
          { type: 'SubmitScore', data: { ...submission, leaderboard, submittedAt: context.receivedAt } },
          state,
        ),
      context,
    );
  }
}
