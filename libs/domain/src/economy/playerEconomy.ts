import type { DomainEvent } from '../shared/decider';

/** A price actually paid: currency and amount in minor units. */
export type Money = Readonly<{ currency: string; amount: number }>;

export type CurrencyGranted = DomainEvent<
  'CurrencyGranted',
  { playerId: string; currency: string; amount: number; reason: string; balanceAfter: number }
>;
export type CurrencySpent = DomainEvent<
  'CurrencySpent',
  { playerId: string; currency: string; amount: number; reason: string; balanceAfter: number }
>;
/** Debit and item grant in one event: a purchase can never half-happen. */
export type ItemPurchased = DomainEvent<
  'ItemPurchased',
  {
    playerId: string;
    sku: string;
    quantity: number;
    unitPrice: Money;
    totalPrice: Money;
    balanceAfter: number;
    quantityAfter: number;
  }
>;
export type ItemConsumed = DomainEvent<
  'ItemConsumed',
  { playerId: string; sku: string; quantity: number; quantityAfter: number; reason?: string }
>;

export type PlayerEconomyEvent = CurrencyGranted | CurrencySpent | ItemPurchased | ItemConsumed;

/** One aggregate per player: balances and inventory change together or not at all. */
export type PlayerEconomy = Readonly<{
  balances: Readonly<Record<string, number>>;
  items: Readonly<Record<string, number>>;
}>;

export const initialState = (): PlayerEconomy => ({ balances: {}, items: {} });

export const balanceOf = (state: PlayerEconomy, currency: string): number =>
  Object.hasOwn(state.balances, currency) ? state.balances[currency] : 0;

export const quantityOf = (state: PlayerEconomy, sku: string): number =>
  Object.hasOwn(state.items, sku) ? state.items[sku] : 0;

const withEntry = (
  record: Readonly<Record<string, number>>,
  key: string,
  value: number,
): Record<string, number> => {
  const next = { ...record };
  if (value === 0) delete next[key];
  else next[key] = value;
  return next;
};

// The events carry the resulting balance/quantity, so evolve just takes them: what the decider saw is
// what every replay sees, and the ledger projection needs no state of its own.
export const evolve = (state: PlayerEconomy, event: PlayerEconomyEvent): PlayerEconomy => {
  switch (event.type) {
    case 'CurrencyGranted':
    case 'CurrencySpent':
      return { ...state, balances: withEntry(state.balances, event.data.currency, event.data.balanceAfter) };
    case 'ItemPurchased':
      return {
        balances: withEntry(state.balances, event.data.totalPrice.currency, event.data.balanceAfter),
        items: withEntry(state.items, event.data.sku, event.data.quantityAfter),
      };
    case 'ItemConsumed':
      return { ...state, items: withEntry(state.items, event.data.sku, event.data.quantityAfter) };
    default:
      return state;
  }
};

export const playerEconomyStreamId = (playerId: string): string => `playerEconomy-${playerId}`;
