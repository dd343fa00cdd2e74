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
    expect(state).toEqual({ balances: { GOLD: 90 }, items: {}, tournaments: {}, rewards: {} });
  });
});

describe('tournament entries', () => {
  const enter = (
    fee?: { currency: string; amount: number } | { sku: string; quantity: number },
    reservationId = 'r1',
  ) => ({
    type: 'EnterTournament' as const,
    data: { playerId, leaderboardId: 'cup', reservationId, ...(fee ? { fee } : {}) },
  });
  const entered = (reservationId = 'r1'): PlayerEconomyEvent => ({
    type: 'TournamentEntered',
    data: {
      playerId,
      leaderboardId: 'cup',
      reservationId,
      fee: { currency: 'GOLD', amount: 50, balanceAfter: 10 },
    },
  });
  const lapsed: PlayerEconomyEvent = {
    type: 'TournamentEntryLapsed',
    data: { playerId, leaderboardId: 'cup', reservationId: 'r1', reason: 'lapsed' },
  };

  it('pays the fee and records the entry in one event', () =>
    given([granted('GOLD', 60, 60)])
      .when(enter({ currency: 'GOLD', amount: 50 }))
      .then([entered()]));

  it('takes an item as the fee', () =>
    given([purchased('potion', 3, { currency: 'GOLD', amount: 10 }, 0, 3)])
      .when(enter({ sku: 'potion', quantity: 2 }))
      .then([
        {
          type: 'TournamentEntered',
          data: {
            playerId,
            leaderboardId: 'cup',
            reservationId: 'r1',
            itemFee: { sku: 'potion', quantity: 2, quantityAfter: 1 },
          },
        },
      ]));

  it.each([
    [
      'a fee the player cannot afford',
      [granted('GOLD', 49, 49)],
      enter({ currency: 'GOLD', amount: 50 }),
      'insufficient-funds',
    ],
    ['items the player does not hold', [], enter({ sku: 'potion', quantity: 1 }), 'insufficient-items'],
    ['a second entry', [granted('GOLD', 60, 60), entered()], enter(undefined, 'r2'), 'already-joined'],
    [
      'an entry whose reservation lapsed',
      [granted('GOLD', 60, 60), lapsed],
      enter({ currency: 'GOLD', amount: 50 }),
      'tournament-entry-lapsed',
    ],
  ] as const)('refuses %s', (_name, history, command, code) =>
    given([...history])
      .when(command)
      .thenRejects(code),
  );

  it('lapses a reservation only when its entry was not recorded', () => {
    const lapse = {
      type: 'LapseTournamentEntry' as const,
      data: { playerId, leaderboardId: 'cup', reservationId: 'r1', reason: 'lapsed' as const },
    };
    given([]).when(lapse).then([lapsed]);
    given([granted('GOLD', 60, 60), entered()])
      .when(lapse)
      .thenNothingHappens();
    given([lapsed]).when(lapse).thenNothingHappens();
  });
});

describe('settling rewards', () => {
  const source = { leaderboardId: 'cup', period: 'P', adjudication: 0 };
  const catalog = new Map([
    ['sword', sword],
    ['potion', potion],
  ]);
  const settle = (
    owed: { rank: number; currencies?: Record<string, number>; items?: Record<string, number> } | undefined,
    adjudication = 0,
  ) => ({
    type: 'SettleReward' as const,
    data: {
      playerId,
      source: { ...source, adjudication },
      ...(owed
        ? { owed: { rank: owed.rank, reward: { currencies: owed.currencies, items: owed.items } } }
        : {}),
      catalog,
    },
  });
  const rewarded = (
    rank: number,
    currencies: { currency: string; amount: number; balanceAfter: number }[],
    items: { sku: string; quantity: number; quantityAfter: number }[] = [],
    extra: object = {},
  ): PlayerEconomyEvent => ({
    type: 'RewardGranted',
    data: { ...source, playerId, rank, currencies, items, ...extra },
  });

  it('pays currencies and items, each with what it leaves', () =>
    given([granted('GOLD', 5, 5)])
      .when(settle({ rank: 1, currencies: { GOLD: 100 }, items: { potion: 2 } }))
      .then([
        rewarded(
          1,
          [{ currency: 'GOLD', amount: 100, balanceAfter: 105 }],
          [{ sku: 'potion', quantity: 2, quantityAfter: 2 }],
        ),
      ]));

  it('pays nothing twice: what is already credited is not owed again', () =>
    given([granted('GOLD', 5, 5), rewarded(1, [{ currency: 'GOLD', amount: 100, balanceAfter: 105 }])])
      .when(settle({ rank: 1, currencies: { GOLD: 100 } }))
      .thenNothingHappens());

  it('withholds what would pass a holding limit or 2^53-1', () =>
    given([granted('GOLD', Number.MAX_SAFE_INTEGER - 1, Number.MAX_SAFE_INTEGER - 1)])
      .when(settle({ rank: 1, currencies: { GOLD: 5 }, items: { sword: 2, potion: 9 } }))
      .then([
        rewarded(
          1,
          [{ currency: 'GOLD', amount: 1, balanceAfter: Number.MAX_SAFE_INTEGER }],
          [
            { sku: 'potion', quantity: 5, quantityAfter: 5 },
            { sku: 'sword', quantity: 1, quantityAfter: 1 },
          ],
          { withheld: { currencies: { GOLD: 4 }, items: { sword: 1, potion: 4 } } },
        ),
      ]));

  it('pays a player who moved up only the difference to what they were credited', () =>
    given([rewarded(3, [{ currency: 'GOLD', amount: 100, balanceAfter: 100 }])])
      .when(settle({ rank: 1, currencies: { GOLD: 1000 }, items: { sword: 1 } }, 1))
      .then([
        {
          type: 'RewardGranted',
          data: {
            ...source,
            adjudication: 1,
            playerId,
            rank: 1,
            currencies: [{ currency: 'GOLD', amount: 900, balanceAfter: 1000 }],
            items: [{ sku: 'sword', quantity: 1, quantityAfter: 1 }],
          },
        },
      ]));

  it('takes back only what was credited, never below zero: the rest is a shortfall written off', () => {
    // Credited 4 of 5 potions (one withheld) and 100 GOLD, of which 70 are spent since.
    const history: PlayerEconomyEvent[] = [
      rewarded(
        1,
        [{ currency: 'GOLD', amount: 100, balanceAfter: 100 }],
        [{ sku: 'potion', quantity: 4, quantityAfter: 4 }],
        {
          withheld: { items: { potion: 1 } },
        },
      ),
      {
        type: 'CurrencySpent',
        data: { playerId, currency: 'GOLD', amount: 70, reason: 'shop', balanceAfter: 30 },
      },
    ];
    const clawedBack: PlayerEconomyEvent = {
      type: 'RewardClawedBack',
      data: {
        ...source,
        adjudication: 1,
        playerId,
        currencies: [{ currency: 'GOLD', amount: 30, balanceAfter: 0 }],
        items: [{ sku: 'potion', quantity: 4, quantityAfter: 0 }],
        shortfall: { currencies: { GOLD: 70 } },
      },
    };
    given(history).when(settle(undefined, 1)).then([clawedBack]);
    // Written off is settled: a later adjudication that still pays nothing takes nothing more.
    given([...history, clawedBack])
      .when(settle(undefined, 2))
      .thenNothingHappens();
  });

  it('settles an adjudication after a later one of the same period as nothing: the later one holds', () => {
    // Rank 102 paid 10 at the close; adjudication 1 left the rank's pay unchanged (no event), adjudication 2
    // moved the player to rank 100 and paid the difference. A closer that lost its lease while paying
    // adjudication 1 (paused, then resumed) settles it for this player only now.
    const history: PlayerEconomyEvent[] = [
      rewarded(102, [{ currency: 'GOLD', amount: 10, balanceAfter: 10 }]),
      {
        type: 'RewardGranted',
        data: {
          ...source,
          adjudication: 2,
          playerId,
          rank: 100,
          currencies: [{ currency: 'GOLD', amount: 90, balanceAfter: 100 }],
          items: [],
        },
      },
    ];
    given(history)
      .when(settle({ rank: 101, currencies: { GOLD: 10 } }, 1))
      .thenNothingHappens();
    given(history).when(settle(undefined, 1)).thenNothingHappens();
  });
});
