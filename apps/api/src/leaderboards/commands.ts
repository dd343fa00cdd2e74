import {
  type CommandContext,
  type CommandResult,
  PeriodTimers,
  StreamCommandHandler,
  TournamentSeats,
} from '@app/application';
import { ID_PATTERN, catalog, leaderboards } from '@app/domain';
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
    readonly submission: Omit<leaderboards.SubmitScore['data'], 'leaderboard' | 'submittedAt' | 'decidedAt'>,
    readonly context: CommandContext,
  ) {
    super();
  }
}

/** The currencies and items a definition names (its reward table and entry fee), as the catalog has them. */
async function knownCatalog(
  streams: StreamCommandHandler,
  definition: leaderboards.LeaderboardDefinition,
): Promise<leaderboards.KnownCatalog> {
  const fee = definition.tournament?.entryFee;
  const currencies = new Set(definition.rewards?.flatMap((tier) => Object.keys(tier.currencies ?? {})));
  const items = new Set(definition.rewards?.flatMap((tier) => Object.keys(tier.items ?? {})));
  if (fee && 'currency' in fee) currencies.add(fee.currency);
  if (fee && 'sku' in fee) items.add(fee.sku);
  // Malformed codes name no stream: the decider refuses them, naming the field.
  const wellFormed = (id: string) => ID_PATTERN.test(id);
  const knownCurrencies = new Set<string>();
  for (const code of [...currencies].filter(wellFormed)) {
    const { state } = await streams.load(catalog.currencyStreamId(code), catalog.currencyDecider);
    if (state.status === 'Defined') knownCurrencies.add(code);
  }
  const knownItems = new Set<string>();
  for (const sku of [...items].filter(wellFormed)) {
    const { state } = await streams.load(catalog.catalogItemStreamId(sku), catalog.catalogDecider);
    if (state.status === 'Defined') knownItems.add(sku);
  }
  return { currency: (code) => knownCurrencies.has(code), item: (sku) => knownItems.has(sku) };
}

@CommandHandler(DefineLeaderboard)
export class DefineLeaderboardHandler implements ICommandHandler<DefineLeaderboard> {
  constructor(private readonly streams: StreamCommandHandler) {}

  async execute({ definition, context }: DefineLeaderboard): Promise<CommandResult> {
    const known = await knownCatalog(this.streams, definition);
    return this.streams.handle(
      leaderboards.leaderboardStreamId(definition.leaderboardId),
      leaderboards.leaderboardDecider,
      (state) =>
        leaderboards.defineLeaderboard(
          { type: 'DefineLeaderboard', data: { ...definition, catalog: known } },
          state,
        ),
      context,
    );
  }
}

/**
 * A score: the period's close is scheduled before its first score is appended (so every score in the log
 * has its period's timer); a tournament player whose join was interrupted after paying has the seat
 * confirmed first.
 */
@CommandHandler(SubmitScore)
export class SubmitScoreHandler implements ICommandHandler<SubmitScore> {
  constructor(
    private readonly streams: StreamCommandHandler,
    private readonly timers: PeriodTimers,
    private readonly seats: TournamentSeats,
  ) {}

  async execute({ submission, context }: SubmitScore): Promise<CommandResult> {
    const { leaderboardId, playerId } = submission;
    const boardStream = leaderboards.leaderboardStreamId(leaderboardId);
    let { state: leaderboard } = await this.streams.load(boardStream, leaderboards.leaderboardDecider);
    if (leaderboard.status === 'Defined') {
      const seat = leaderboard.seats.get(playerId);
      if (seat && !seat.confirmed) {
        await this.seats.confirmIfEntered(leaderboardId, playerId, seat.reservationId, context.receivedAt);
        ({ state: leaderboard } = await this.streams.load(boardStream, leaderboards.leaderboardDecider));
      }
      await this.timers.scheduleFor(leaderboard, context.receivedAt);
    }
    return this.streams.handle(
      leaderboards.playerScoresStreamId(leaderboardId, playerId),
      leaderboards.playerScoresDecider,
      (state) =>
        leaderboards.submitScore(
          // The request's arrival time is also the event's occurredAt: one clock reading decides the period.
          {
            type: 'SubmitScore',
            data: { ...submission, leaderboard, submittedAt: context.receivedAt, decidedAt: new Date() },
          },
          state,
        ),
      context,
    );
  }
}
