import { NotFoundError, idCursor } from '@app/application';
import { type CatalogItemView, catalogItemView, catalogItemsBySku, currenciesByCode } from '@app/projections';
import type { ReadStore } from '@app/read-store';
import { Inject } from '@nestjs/common';
import { type IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { READ_STORE } from '../persistence/tokens';
import type { CatalogItemResponse, CatalogPageResponse, CurrencyPageResponse } from './dto';

export class GetCatalogItem extends Query<CatalogItemResponse> {
  constructor(readonly sku: string) {
    super();
  }
}

export class ListCatalogItems extends Query<CatalogPageResponse> {
  constructor(
    readonly cursor: string | undefined,
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
    const item = await this.readStore.find(catalogItemView.collection, sku);
    if (!item) throw new NotFoundError('unknown-item', `no catalog item ${sku}`);
    return toResponse(item);
  }
}

@QueryHandler(ListCatalogItems)
export class ListCatalogItemsHandler implements IQueryHandler<ListCatalogItems> {
  constructor(@Inject(READ_STORE) private readonly readStore: ReadStore) {}

  async execute({ cursor, limit }: ListCatalogItems): Promise<CatalogPageResponse> {
    const after = idCursor.decode(cursor);
    const page = await this.readStore.page(catalogItemsBySku, after && { sku: after.s }, limit + 1);
    const items = page.slice(0, limit).map(toResponse);
    return {
      items,
      nextCursor: page.length > limit ? idCursor.encode({ s: items[items.length - 1].sku }) : null,
    };
  }
}

export class ListCurrencies extends Query<CurrencyPageResponse> {
  constructor(
    readonly cursor: string | undefined,
    readonly limit: number,
  ) {
    super();
  }
}

@QueryHandler(ListCurrencies)
export class ListCurrenciesHandler implements IQueryHandler<ListCurrencies> {
  constructor(@Inject(READ_STORE) private readonly readStore: ReadStore) {}

  async execute({ cursor, limit }: ListCurrencies): Promise<CurrencyPageResponse> {
    const after = idCursor.decode(cursor);
    const page = await this.readStore.page(currenciesByCode, after && { code: after.s }, limit + 1);
    const currencies = page.slice(0, limit).map(({ code, name, revision }) => ({ code, name, revision }));
    return {
      currencies,
      nextCursor: page.length > limit ? idCursor.encode({ s: currencies[currencies.length - 1].code }) : null,
    };
  }
}
