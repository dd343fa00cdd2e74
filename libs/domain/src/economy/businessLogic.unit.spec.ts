import type { CatalogItem } from '../catalog/catalogItem';
import { deciderSpecification } from '@test/support/deciderSpecification';
import { playerEconomyDecider } from './businessLogic';
import type { PlayerEconomyEvent } from './playerEconomy';

const given = deciderSpecification(playerEconomyDecider).given;
const playerId = 'p1';

const granted = (currency: string, amount: number, balanceAfter: number): PlayerEconomyEvent => ({
  type: 'CurrencyGranted',
  data: { playerId, currency, amount, reason: 'quest', balanceAfter },
});
const sword: CatalogItem = {
  status: 'Defined',
  sku: 'sword',
  name: 'Sword',
  prices: { GOLD: 100 },
  stackable: false,
};
const potion: CatalogItem = {
  status: 'Defined',
  sku: 'potion',
  name: 'Potion',
  prices: { GOLD: 10, GEMS: 1 },
  stackable: true,
  maxStack: 5,
};
const unknown: CatalogItem = { status: 'Undefined' };
const purchased = (
  sku: string,
  quantity: number,
  unit: { currency: string; amount: number },
  balanceAfter: number,
  quantityAfter: number,
): PlayerEconomyEvent => ({
  type: 'ItemPurchased',
  data: {
    playerId,
    sku,
    quantity,
    unitPrice: unit,
    totalPrice: { currency: unit.currency, amount: unit.amount * quantity },
    balanceAfter,
    quantityAfter,
  },
});

describe('player economy', () => {
  describe('GrantCurrency', () => {
    it('credits the balance and records the balance after', () =>
      given([granted('GOLD', 50, 50)])
        .when({ type: 'GrantCurrency', data: { playerId, currency: 'GOLD', amount: 25, reason: 'quest' } })
        .then([granted('GOLD', 25, 75)]));

    it.each([0, -5, 1.5, Number.MAX_SAFE_INTEGER + 1, Number.NaN, '10'])('rejects amount %p', (amount) =>
      given([])
        .when({
          type: 'GrantCurrency',
          data: { playerId, currency: 'GOLD', amount: amount as number, reason: 'quest' },
        })
        .thenRejects('invalid-input', 'amount'),
    );

    it('rejects a grant that would take the balance past 2^53-1', () =>
      given([granted('GOLD', Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER)])
        .when({ type: 'GrantCurrency', data: { playerId, currency: 'GOLD', amount: 1, reason: 'quest' } })
        .thenRejects('balance-overflow', 'amount'));

    it.each(['gold', '', '__proto__', 'GO.LD'])('rejects currency code %p', (currency) =>
      given([])
        .when({ type: 'GrantCurrency', data: { playerId, currency, amount: 1, reason: 'quest' } })
        .thenRejects('invalid-input', 'currency'),
    );

    it('requires a reason', () =>
      given([])
        .when({ type: 'GrantCurrency', data: { playerId, currency: 'GOLD', amount: 1, reason: ' ' } })
        .thenRejects('invalid-input', 'reason'));
  });

  describe('SpendCurrency', () => {
    it('debits the balance', () =>
      given([granted('GOLD', 50, 50)])
        .when({ type: 'SpendCurrency', data: { playerId, currency: 'GOLD', amount: 50, reason: 'reroll' } })
        .then([
          {
            type: 'CurrencySpent',
            data: { playerId, currency: 'GOLD', amount: 50, reason: 'reroll', balanceAfter: 0 },
          },
        ]));

    it('never lets a balance go below zero', () =>
      given([granted('GOLD', 50, 50)])
        .when({ type: 'SpendCurrency', data: { playerId, currency: 'GOLD', amount: 51, reason: 'reroll' } })
        .thenRejects('insufficient-funds', 'amount'));

    it('treats a currency never granted as a zero balance', () =>
      given([granted('GOLD', 50, 50)])
        .when({ type: 'SpendCurrency', data: { playerId, currency: 'GEMS', amount: 1, reason: 'reroll' } })
        .thenRejects('insufficient-funds'));
  });

  describe('PurchaseItem', () => {
    it('debits the price and grants the item in one event', () =>
      given([granted('GOLD', 250, 250)])
        .when({ type: 'PurchaseItem', data: { playerId, sku: 'sword', quantity: 1, item: sword } })
        .then([purchased('sword', 1, { currency: 'GOLD', amount: 100 }, 150, 1)]));

    it('charges quantity times the unit price', () =>
      given([granted('GOLD', 100, 100)])
        .when({
          type: 'PurchaseItem',
          data: { playerId, sku: 'potion', quantity: 3, currency: 'GOLD', item: potion },
        })
        .then([purchased('potion', 3, { currency: 'GOLD', amount: 10 }, 70, 3)]));

    it('rejects a purchase the balance cannot cover', () =>
      given([granted('GOLD', 99, 99)])
        .when({ type: 'PurchaseItem', data: { playerId, sku: 'sword', quantity: 1, item: sword } })
        .thenRejects('insufficient-funds'));

    it('rejects an unknown sku', () =>
      given([granted('GOLD', 500, 500)])
        .when({ type: 'PurchaseItem', data: { playerId, sku: 'shield', quantity: 1, item: unknown } })
        .thenRejects('unknown-item', 'sku'));

    it('rejects when the price changed since the client saw it', () =>
      given([granted('GOLD', 500, 500)])
        .when({
          type: 'PurchaseItem',
          data: {
            playerId,
            sku: 'sword',
            quantity: 1,
            expectedPrice: { currency: 'GOLD', amount: 90 },
            item: sword,
          },
        })
        .thenRejects('price-changed', 'expectedPrice.amount'));

    it('accepts the purchase when the expected price still holds, and pays in its currency', () =>
      given([granted('GEMS', 5, 5)])
        .when({
          type: 'PurchaseItem',
          data: {
            playerId,
            sku: 'potion',
            quantity: 2,
            expectedPrice: { currency: 'GEMS', amount: 1 },
            item: potion,
          },
        })
        .then([purchased('potion', 2, { currency: 'GEMS', amount: 1 }, 3, 2)]));

    it('asks for the currency when the item has several prices', () =>
      given([granted('GOLD', 500, 500)])
        .when({ type: 'PurchaseItem', data: { playerId, sku: 'potion', quantity: 1, item: potion } })
        .thenRejects('currency-required', 'currency'));

    it('rejects a currency the item is not sold for', () =>
      given([granted('GEMS', 500, 500)])
        .when({
          type: 'PurchaseItem',
          data: { playerId, sku: 'sword', quantity: 1, currency: 'GEMS', item: sword },
        })
        .thenRejects('currency-not-accepted', 'currency'));

    it('rejects exceeding the max stack of a stackable item', () =>
      given([granted('GOLD', 500, 500), purchased('potion', 4, { currency: 'GOLD', amount: 10 }, 460, 4)])
        .when({
          type: 'PurchaseItem',
          data: { playerId, sku: 'potion', quantity: 2, currency: 'GOLD', item: potion },
        })
        .thenRejects('stack-limit-exceeded', 'quantity'));

    it('holds at most one of a non-stackable item', () =>
      given([granted('GOLD', 500, 500), purchased('sword', 1, { currency: 'GOLD', amount: 100 }, 400, 1)])
        .when({ type: 'PurchaseItem', data: { playerId, sku: 'sword', quantity: 1, item: sword } })
        .thenRejects('stack-limit-exceeded'));

    it.each([0, -1, 2.5])('rejects quantity %p', (quantity) =>
      given([granted('GOLD', 500, 500)])
        .when({
          type: 'PurchaseItem',
          data: { playerId, sku: 'potion', quantity, currency: 'GOLD', item: potion },
        })
        .thenRejects('invalid-input', 'quantity'),
    );

    it('rejects a total price beyond 2^53-1 rather than rounding it', () =>
      given([granted('GOLD', 500, 500)])
        .when({
          type: 'PurchaseItem',
          data: {
            playerId,
            sku: 'potion',
            quantity: Number.MAX_SAFE_INTEGER,
            currency: 'GOLD',
            item: potion,
          },
        })
        .thenRejects('invalid-input', 'quantity'));
  });

  describe('ConsumeItem', () => {
    it('removes items the player holds', () =>
      given([granted('GOLD', 100, 100), purchased('potion', 5, { currency: 'GOLD', amount: 10 }, 50, 5)])
        .when({ type: 'ConsumeItem', data: { playerId, sku: 'potion', quantity: 2, item: potion } })
        .then([{ type: 'ItemConsumed', data: { playerId, sku: 'potion', quantity: 2, quantityAfter: 3 } }]));

    it('rejects consuming more than the player holds', () =>
      given([granted('GOLD', 100, 100), purchased('potion', 1, { currency: 'GOLD', amount: 10 }, 90, 1)])
        .when({ type: 'ConsumeItem', data: { playerId, sku: 'potion', quantity: 2, item: potion } })
        .thenRejects('insufficient-items', 'quantity'));

    it('rejects an unknown sku', () =>
      given([])
        .when({ type: 'ConsumeItem', data: { playerId, sku: 'ghost', quantity: 1, item: unknown } })
        .thenRejects('unknown-item', 'sku'));

    it('records the reason when one is given', () =>
      given([granted('GOLD', 100, 100), purchased('potion', 5, { currency: 'GOLD', amount: 10 }, 50, 5)])
        .when({
          type: 'ConsumeItem',
          data: { playerId, sku: 'potion', quantity: 1, reason: 'duplicate grant', item: potion },
        })
        .then([
          {
            type: 'ItemConsumed',
            data: { playerId, sku: 'potion', quantity: 1, quantityAfter: 4, reason: 'duplicate grant' },
          },
        ]));

    it('rejects a blank reason', () =>
      given([granted('GOLD', 100, 100), purchased('potion', 5, { currency: 'GOLD', amount: 10 }, 50, 5)])
        .when({
          type: 'ConsumeItem',
          data: { playerId, sku: 'potion', quantity: 1, reason: ' ', item: potion },
        })
        .thenRejects('invalid-input', 'reason'));
  });

  it('removes an item from the inventory once its quantity reaches zero', () => {
    const events = [
      granted('GOLD', 100, 100),
      purchased('potion', 1, { currency: 'GOLD', amount: 10 }, 90, 1),
      { type: 'ItemConsumed', data: { playerId, sku: 'potion', quantity: 1, quantityAfter: 0 } } as const,
    ];
    const state = events.reduce(playerEconomyDecider.evolve, playerEconomyDecider.initialState());
    expect(state).toEqual({ balances: { GOLD: 90 }, items: {} });
  });
});
