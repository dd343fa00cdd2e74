import {
  type CommandContext,
  type CommandResult,
  StreamCommandHandler,
  TournamentSeats,
} from '@app/application';
import { DomainError, leaderboards } from '@app/domain';
import { leaderboardEntryId, leaderboardEntryView } from '@app/projections';
import type { ReadStore } from '@app/read-store';
import { Inject } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { READ_STORE } from '../persistence/tokens';

export class JoinTournament extends Command<CommandResult> {
  constructor(
    readonly leaderboardId: string,
    readonly playerId: string,
    readonly context: CommandContext,
  ) {
    super();
  }
}

export class ExcludePlayer extends Command<CommandResult> {
  constructor(
    readonly leaderboardId: string,
    readonly period: string,
    readonly exclusion: { playerId: string; reason: string },
    readonly context: CommandContext,
  ) {
    super();
  }
}

@CommandHandler(JoinTournament)
export class JoinTournamentHandler implements ICommandHandler<JoinTournament> {
  constructor(private readonly seats: TournamentSeats) {}

  execute({ leaderboardId, playerId, context }: JoinTournament): Promise<CommandResult> {
    return this.seats.join(leaderboardId, playerId, context);
  }
}

/** Takes a player out of a closed period; the period closer then adjudicates it again and settles rewards. */
@CommandHandler(ExcludePlayer)
export class ExcludePlayerHandler implements ICommandHandler<ExcludePlayer> {
  constructor(
    private readonly streams: StreamCommandHandler,
    @Inject(READ_STORE) private readonly readStore: ReadStore,
  ) {}

  async execute({ leaderboardId, period, exclusion, context }: ExcludePlayer): Promise<CommandResult> {
    const streamId = leaderboards.leaderboardPeriodStreamId(leaderboardId, period);
    const { state } = await this.streams.load(streamId, leaderboards.leaderboardPeriodDecider);
    if (state.status === 'Unscheduled') {
      throw new DomainError(
        'unknown-period',
        `${leaderboardId} has no period ${period} with a score`,
        'period',
      );
    }
    // The period closed long after its last score: its entries are in the read models.
    const entry = await this.readStore.find(
      leaderboardEntryView.collection,
      leaderboardEntryId(leaderboardId, period, exclusion.playerId),
    );
    return this.streams.handle(
      streamId,
      leaderboards.leaderboardPeriodDecider,
      (current) =>
        leaderboards.decidePeriod(
          { type: 'ExcludePlayer', data: { ...exclusion, ranked: entry !== undefined } },
          current,
        ),
      context,
    );
  }
}
