import { type CatalogItem, holdingLimit } from '../catalog/catalogItem';
import type { Command, Decider } from '../shared/decider';
import { DomainError } from '../shared/errors';
import { assertCurrency, assertId, assertPositiveSafeInteger, safeAdd } from '../shared/values';
import {
  type Money,
  type PlayerEconomy,
  type PlayerEconomyEvent,
  balanceOf,
  evolve,
  initialState,
  quantityOf,
} from './playerEconomy';

export type GrantCurrency = Command<
  'GrantCurrency',
  { playerId: string; currency: string; amount: number; reason: string }
>;
export type SpendCurrency = Command<
  'SpendCurrency',
  { playerId: string; currency: string; amount: number; reason: string }
>;
export type PurchaseItem = Command<
  'PurchaseItem',
  {
    playerId: string;
    sku: string;
    quantity: number;
    /** Which price to pay when the item has several; implied by expectedPrice. */
    currency?: string;
    /** The unit price the player was shown; a different current price rejects the purchase. */
    expectedPrice?: Money;
    /** The catalog entry as the handler loaded it. */
    item: CatalogItem;
  }
>;
export type ConsumeItem = Command<
  'ConsumeItem',
  {
    playerId: string;
    sku: string;
    quantity: number;
    /** Why, when someone says (an operator's correction); the game's own use needs none. */
    reason?: string;
    item: CatalogItem;
  }
>;

export type PlayerEconomyCommand = GrantCurrency | SpendCurrency | PurchaseItem | ConsumeItem;

const MAX_REASON_LENGTH = 200;

function assertReason(reason: unknown): asserts reason is string {
  if (typeof reason !== 'string' || reason.trim() === '' || reason.length > MAX_REASON_LENGTH) {
    throw new DomainError('invalid-input', `reason must be 1..${MAX_REASON_LENGTH} characters`, 'reason');
  }
}

export const grantCurrency = ({ data }: GrantCurrency, state: PlayerEconomy): PlayerEconomyEvent[] => {
  assertId(data.playerId, 'playerId');
  assertCurrency(data.currency, 'currency');
  assertPositiveSafeInteger(data.amount, 'amount');
  assertReason(data.reason);

  const balanceAfter = safeAdd(balanceOf(state, data.currency), data.amount);
  if (balanceAfter === undefined) {
    throw new DomainError('balance-overflow', `${data.currency} balance would exceed 2^53-1`, 'amount');
  }
  return [{ type: 'CurrencyGranted', data: { ...data, balanceAfter } }];
};

export const spendCurrency = ({ data }: SpendCurrency, state: PlayerEconomy): PlayerEconomyEvent[] => {
  assertId(data.playerId, 'playerId');
  assertCurrency(data.currency, 'currency');
  assertPositiveSafeInteger(data.amount, 'amount');
  assertReason(data.reason);

  const balance = balanceOf(state, data.currency);
  if (balance < data.amount) {
    throw new DomainError(
      'insufficient-funds',
      `${data.currency} balance ${balance} is less than ${data.amount}`,
      'amount',
    );
  }
  return [{ type: 'CurrencySpent', data: { ...data, balanceAfter: balance - data.amount } }];
};

export const purchaseItem = ({ data }: PurchaseItem, state: PlayerEconomy): PlayerEconomyEvent[] => {
  assertId(data.playerId, 'playerId');
  assertId(data.sku, 'sku');
  assertPositiveSafeInteger(data.quantity, 'quantity');
  const { item } = data;
  if (item.status !== 'Defined') {
    throw new DomainError('unknown-item', `no catalog item ${data.sku}`, 'sku');
  }

  const unitPrice = priceToPay(data, item.prices);
  const total = unitPrice.amount * data.quantity;
  if (!Number.isSafeInteger(total)) {
    throw new DomainError('invalid-input', 'quantity times price exceeds 2^53-1', 'quantity');
  }
  const balance = balanceOf(state, unitPrice.currency);
  if (balance < total) {
    throw new DomainError(
      'insufficient-funds',
      `${unitPrice.currency} balance ${balance} is less than the price ${total}`,
      'quantity',
    );
  }
  const quantityAfter = quantityOf(state, data.sku) + data.quantity;
  if (quantityAfter > holdingLimit(item)) {
    throw new DomainError(
      'stack-limit-exceeded',
      `holding ${quantityAfter} of ${data.sku} would exceed its limit of ${holdingLimit(item)}`,
      'quantity',
    );
  }

  return [
    {
      type: 'ItemPurchased',
      data: {
        playerId: data.playerId,
        sku: data.sku,
        quantity: data.quantity,
        unitPrice,
        totalPrice: { currency: unitPrice.currency, amount: total },
        balanceAfter: balance - total,
        quantityAfter,
      },
    },
  ];
};

/** Picks the unit price from the catalog and holds it against what the client was shown. */
const priceToPay = (data: PurchaseItem['data'], prices: Readonly<Record<string, number>>): Money => {
  if (data.expectedPrice !== undefined) {
    assertCurrency(data.expectedPrice.currency, 'expectedPrice.currency');
    assertPositiveSafeInteger(data.expectedPrice.amount, 'expectedPrice.amount');
    if (data.currency !== undefined && data.currency !== data.expectedPrice.currency) {
      throw new DomainError('invalid-input', 'currency and expectedPrice.currency differ', 'currency');
    }
  }
  const accepted = Object.keys(prices);
  const currency =
    data.expectedPrice?.currency ?? data.currency ?? (accepted.length === 1 ? accepted[0] : undefined);
  if (currency === undefined) {
    throw new DomainError(
      'currency-required',
      `${data.sku} is priced in ${accepted.join(', ')}: name the currency to pay in`,
      'currency',
    );
  }
  assertCurrency(currency, 'currency');
  if (!Object.hasOwn(prices, currency)) {
    throw new DomainError(
      'currency-not-accepted',
      `${data.sku} cannot be bought with ${currency}`,
      'currency',
    );
  }
  const amount = prices[currency];
  if (data.expectedPrice !== undefined && data.expectedPrice.amount !== amount) {
    throw new DomainError(
      'price-changed',
      `${data.sku} costs ${amount} ${currency} now, not ${data.expectedPrice.amount}`,
      'expectedPrice.amount',
    );
  }
  return { currency, amount };
};

export const consumeItem = ({ data }: ConsumeItem, state: PlayerEconomy): PlayerEconomyEvent[] => {
  assertId(data.playerId, 'playerId');
  assertId(data.sku, 'sku');
  assertPositiveSafeInteger(data.quantity, 'quantity');
  if (data.reason !== undefined) assertReason(data.reason);
  if (data.item.status !== 'Defined') {
    throw new DomainError('unknown-item', `no catalog item ${data.sku}`, 'sku');
  }
  const held = quantityOf(state, data.sku);
  if (held < data.quantity) {
    throw new DomainError(
      'insufficient-items',
      `player holds ${held} of ${data.sku}, fewer than ${data.quantity}`,
      'quantity',
    );
  }
  return [
    {
      type: 'ItemConsumed',
      data: {
        playerId: data.playerId,
        sku: data.sku,
        quantity: data.quantity,
        quantityAfter: held - data.quantity,
        ...(data.reason === undefined ? {} : { reason: data.reason }),
      },
    },
  ];
};

export const playerEconomyDecider: Decider<PlayerEconomy, PlayerEconomyCommand, PlayerEconomyEvent> = {
  initialState,
  evolve,
  decide: (command, state) => {
    switch (command.type) {
      case 'GrantCurrency':
        return grantCurrency(command, state);
      case 'SpendCurrency':
        return spendCurrency(command, state);
      case 'PurchaseItem':
        return purchaseItem(command, state);
      case 'ConsumeItem':
        return consumeItem(command, state);
    }
  },
};
