import { type CommandContext, type CommandResult, StreamCommandHandler } from '@app/application';
import { catalog } from '@app/domain';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';

export class DefineCatalogItem extends Command<CommandResult> {
  constructor(
    readonly item: catalog.CatalogItemDefinition,
    readonly context: CommandContext,
  ) {
    super();
  }
}

@CommandHandler(DefineCatalogItem)
export class DefineCatalogItemHandler implements ICommandHandler<DefineCatalogItem> {
  constructor(private readonly streams: StreamCommandHandler) {}

  execute({ item, context }: DefineCatalogItem): Promise<CommandResult> {
    return this.streams.handle(
      catalog.catalogItemStreamId(item.sku),
      catalog.catalogDecider,
      (state) => catalog.defineCatalogItem({ type: 'DefineCatalogItem', data: item }, state),
      context,
    );
  }
}

export class DefineCurrency extends Command<CommandResult> {
  constructor(
    readonly currency: catalog.CurrencyDefinition,
    readonly context: CommandContext,
  ) {
    super();
  }
}

@CommandHandler(DefineCurrency)
export class DefineCurrencyHandler implements ICommandHandler<DefineCurrency> {
  constructor(private readonly streams: StreamCommandHandler) {}

  execute({ currency, context }: DefineCurrency): Promise<CommandResult> {
    return this.streams.handle(
      catalog.currencyStreamId(currency.code),
      catalog.currencyDecider,
      (state) => catalog.defineCurrency({ type: 'DefineCurrency', data: currency }, state),
      context,
    );
  }
}
