import type { DomainEvent } from '../shared/decider';

/** Unit prices in minor units, one per accepted currency: `{ GOLD: 100, GEMS: 2 }`. */
export type Prices = Readonly<Record<string, number>>;

export type CatalogItemDefinition = Readonly<{
  sku: string;
  name: string;
  prices: Prices;
  stackable: boolean;
  /** Most a player may hold. Absent on a stackable item: no limit. A non-stackable item is always 1. */
  maxStack?: number;
}>;

export type CatalogItemDefined = DomainEvent<'CatalogItemDefined', CatalogItemDefinition>;
export type CatalogItemUpdated = DomainEvent<'CatalogItemUpdated', CatalogItemDefinition>;
export type CatalogItemEvent = CatalogItemDefined | CatalogItemUpdated;

export type CatalogItem = { status: 'Undefined' } | ({ status: 'Defined' } & CatalogItemDefinition);

export const initialState = (): CatalogItem => ({ status: 'Undefined' });

export const evolve = (state: CatalogItem, event: CatalogItemEvent): CatalogItem => {
  switch (event.type) {
    case 'CatalogItemDefined':
    case 'CatalogItemUpdated':
      return { status: 'Defined', ...event.data };
    default:
      return state;
  }
};

export const catalogItemStreamId = (sku: string): string => `catalogItem-${sku}`;

/** How many of this item one player may hold. */
export const holdingLimit = (item: CatalogItemDefinition): number =>
  item.stackable ? (item.maxStack ?? Number.MAX_SAFE_INTEGER) : 1;
