import { type CommandContext, type CommandResult, StreamCommandHandler } from '@app/application';
import { sessions } from '@app/domain';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';

export class RevokePlayerSessions extends Command<CommandResult> {
  constructor(
    readonly playerId: string,
    readonly reason: string,
    readonly context: CommandContext,
  ) {
    super();
  }
}

@CommandHandler(RevokePlayerSessions)
export class RevokePlayerSessionsHandler implements ICommandHandler<RevokePlayerSessions> {
  constructor(private readonly streams: StreamCommandHandler) {}

  execute({ playerId, reason, context }: RevokePlayerSessions): Promise<CommandResult> {
    const now = context.receivedAt.toISOString();
    return this.streams.handle(
      sessions.playerSessionsStreamId(playerId),
      sessions.playerSessionsDecider,
      (state) =>
        sessions.playerSessionsDecider.decide(
          { type: 'RevokePlayerSessions', data: { playerId, reason, now } },
          state,
        ),
      context,
    );
  }
}
