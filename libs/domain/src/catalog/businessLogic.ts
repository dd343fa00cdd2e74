import type { Command, Decider } from '../shared/decider';
import { DomainError } from '../shared/errors';
import { assertCurrency, assertId, assertPositiveSafeInteger } from '../shared/values';
import {
  type CatalogItem,
  type CatalogItemDefinition,
  type CatalogItemEvent,
  evolve,
  initialState,
} from './catalogItem';

export type DefineCatalogItem = Command<'DefineCatalogItem', CatalogItemDefinition>;
export type CatalogCommand = DefineCatalogItem;

const MAX_NAME_LENGTH = 200;

export const defineCatalogItem = (command: DefineCatalogItem, state: CatalogItem): CatalogItemEvent[] => {
  const item = command.data;
  assertId(item.sku, 'sku');
  if (typeof item.name !== 'string' || item.name.trim() === '' || item.name.length > MAX_NAME_LENGTH) {
    throw new DomainError('invalid-input', `name must be 1..${MAX_NAME_LENGTH} characters`, 'name');
  }
  const currencies = Object.keys(item.prices ?? {});
  if (currencies.length === 0) {
    throw new DomainError('invalid-input', 'prices must name at least one currency', 'prices');
  }
  for (const currency of currencies) {
    assertCurrency(currency, `prices.${currency}`);
    assertPositiveSafeInteger(item.prices[currency], `prices.${currency}`);
  }
  if (item.maxStack !== undefined) {
    if (!item.stackable) {
      throw new DomainError('invalid-input', 'maxStack applies to stackable items only', 'maxStack');
    }
    assertPositiveSafeInteger(item.maxStack, 'maxStack');
  }

  const definition = normalise(item);
  if (state.status === 'Undefined') return [{ type: 'CatalogItemDefined', data: definition }];
  // Re-sending the same definition is a no-op, so live-ops tooling can PUT the whole catalog blindly.
  if (sameDefinition(state, definition)) return [];
  return [{ type: 'CatalogItemUpdated', data: definition }];
};

const normalise = (item: CatalogItemDefinition): CatalogItemDefinition => ({
  sku: item.sku,
  name: item.name.trim(),
  prices: Object.fromEntries(Object.entries(item.prices).sort(([a], [b]) => (a < b ? -1 : 1))),
  stackable: item.stackable,
  ...(item.maxStack !== undefined ? { maxStack: item.maxStack } : {}),
});

const sameDefinition = (state: CatalogItemDefinition, next: CatalogItemDefinition): boolean =>
  JSON.stringify(normalise(state)) === JSON.stringify(next);

export const catalogDecider: Decider<CatalogItem, CatalogCommand, CatalogItemEvent> = {
  initialState,
  evolve,
  decide: (command, state) => {
    switch (command.type) {
      case 'DefineCatalogItem':
        return defineCatalogItem(command, state);
    }
  },
};
