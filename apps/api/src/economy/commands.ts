import { type CommandContext, type CommandResult, StreamCommandHandler } from '@app/application';
import { catalog, economy } from '@app/domain';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';

type WithoutItem<C extends { data: object }> = C extends { data: infer D }
  ? Omit<C, 'data'> & { data: Omit<D, 'item'> }
  : never;

/** A player economy command as the API receives it: the catalog item is looked up by the handler. */
export type EconomyRequest =
  | economy.GrantCurrency
  | economy.SpendCurrency
  | WithoutItem<economy.PurchaseItem>
  | WithoutItem<economy.ConsumeItem>;

export class ChangePlayerEconomy extends Command<CommandResult> {
  constructor(
    readonly request: EconomyRequest,
    readonly context: CommandContext,
  ) {
    super();
  }
}

@CommandHandler(ChangePlayerEconomy)
export class ChangePlayerEconomyHandler implements ICommandHandler<ChangePlayerEconomy> {
  constructor(private readonly streams: StreamCommandHandler) {}

  async execute({ request, context }: ChangePlayerEconomy): Promise<CommandResult> {
    const command = await this.withCatalogItem(request);
    return this.streams.handle(
      economy.playerEconomyStreamId(request.data.playerId),
      economy.playerEconomyDecider,
      (state) => economy.playerEconomyDecider.decide(command, state),
      context,
    );
  }

  /** Purchases and consumptions are decided against the catalog entry as it is now. */
  private async withCatalogItem(request: EconomyRequest): Promise<economy.PlayerEconomyCommand> {
    if (request.type !== 'PurchaseItem' && request.type !== 'ConsumeItem') return request;
    const { state: item } = await this.streams.load(
      catalog.catalogItemStreamId(request.data.sku),
      catalog.catalogDecider,
    );
    return { ...request, data: { ...request.data, item } } as economy.PlayerEconomyCommand;
  }
}
