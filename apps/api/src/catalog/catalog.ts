import { catalog } from '@app/domain';
import type { CatalogItemView } from '@app/projections';
import type { ReadStore } from '@app/read-store';
import { Inject } from '@nestjs/common';
import {
  Command,
  CommandHandler,
  type ICommandHandler,
  type IQueryHandler,
  Query,
  QueryHandler,
} from '@nestjs/cqrs';
import type { CommandContext } from '../http/commandRequest';
import { Problem } from '../http/problem';
import { encodeCursor } from '../http/validation';
import { AggregateStore, type CommandResult } from '../infrastructure/aggregateStore';
import { READ_STORE } from '../infrastructure/tokens';
import type { CatalogItemResponse, CatalogPageResponse } from './dto';

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
  constructor(private readonly streams: AggregateStore) {}

  execute({ item, context }: DefineCatalogItem): Promise<CommandResult> {
    return this.streams.handle(
      catalog.catalogItemStreamId(item.sku),
      catalog.catalogDecider,
      (state) => catalog.defineCatalogItem({ type: 'DefineCatalogItem', data: item }, state),
      context,
    );
  }
}

export class GetCatalogItem extends Query<CatalogItemResponse> {
  constructor(readonly sku: string) {
    super();
  }
}

export class ListCatalogItems extends Query<CatalogPageResponse> {
  constructor(
    readonly afterSku: string | undefined,
    readonly limit: number,
  ) {
    super();
  }
}

const toResponse = ({ _id: _, ...item }: CatalogItemView): CatalogItemResponse => item;

@QueryHandler(GetCatalogItem)
export class GetCatalogItemHandler implements IQueryHandler<GetCatalogItem> {
  constructor(@Inject(READ_STORE) private readonly readStore: ReadStore) {}

  async execute({ sku }: GetCatalogItem): Promise<CatalogItemResponse> {
    const item = await this.readStore.find<CatalogItemView>('catalogItems', sku);
    if (!item) throw new Problem(404, 'unknown-item', 'unknown item', `no catalog item ${sku}`);
    return toResponse(item);
  }
}

@QueryHandler(ListCatalogItems)
export class ListCatalogItemsHandler implements IQueryHandler<ListCatalogItems> {
  constructor(@Inject(READ_STORE) private readonly readStore: ReadStore) {}

  async execute({ afterSku, limit }: ListCatalogItems): Promise<CatalogPageResponse> {
    const page = await this.readStore.page<CatalogItemView>(
      { collection: 'catalogItems', index: 'bySku', group: {} },
      afterSku === undefined ? undefined : { sku: afterSku },
      limit + 1,
    );
    const items = page.slice(0, limit).map(toResponse);
    return {
      items,
      nextCursor: page.length > limit ? encodeCursor({ s: items[items.length - 1].sku }) : null,
    };
  }
}
