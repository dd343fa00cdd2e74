import { type CatalogItem, holdingLimit } from '../catalog/catalogItem';
import type { Command, Decider } from '../shared/decider';
import { DomainError } from '../shared/errors';
import { assertCurrency, assertId, assertPositiveSafeInteger, safeAdd } from '../shared/values';
import type { EntryFee } from '../leaderboards/leaderboard';
import { type RewardGrant, isEmptyGrant, rewardDifference } from '../leaderboards/rewards';
import {
  type CurrencyChange,
  type ItemChange,
  type Money,
  type PlayerEconomy,
  type PlayerEconomyEvent,
  type RewardSource,
  type TournamentEntry,
  balanceOf,
  creditedReward,
  evolve,
  initialState,
  playerEconomySnapshots,
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

/** Pays a tournament's fee and records the entry under the seat reserved for it. */
export type EnterTournament = Command<
  'EnterTournament',
  {
    playerId: string;
    leaderboardId: string;
    reservationId: string;
    fee?: EntryFee;
  }
>;
/**
 * The seat reserved under `reservationId` is given up (its entry refused, or its reservation expired):
 * unless its entry is recorded, it never will be.
 */
export type LapseTournamentEntry = Command<
  'LapseTournamentEntry',
  { playerId: string; leaderboardId: string; reservationId: string; reason: 'refused' | 'lapsed' }
>;
/**
 * Settles what a player holds of a period's rewards with what they are owed under one adjudication of
 * its standings: grants what is owed beyond what they were credited, takes back what they were credited
 * beyond it. `owed` is absent for a player the standings no longer reward.
 */
export type SettleReward = Command<
  'SettleReward',
  {
    playerId: string;
    source: RewardSource;
    /** The player's rank in those standings and what it pays; absent when excluded or not rewarded. */
    owed?: { rank: number; reward: RewardGrant };
    /** The reward's items as the handler loaded them (their holding limits). */
    catalog: ReadonlyMap<string, CatalogItem>;
  }
>;

export type PlayerEconomyCommand =
  | GrantCurrency
  | SpendCurrency
  | PurchaseItem
  | ConsumeItem
  | EnterTournament
  | LapseTournamentEntry
  | SettleReward;

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

const tournamentEntry = (state: PlayerEconomy, leaderboardId: string): TournamentEntry | undefined =>
  Object.hasOwn(state.tournaments, leaderboardId) ? state.tournaments[leaderboardId] : undefined;

export const enterTournament = ({ data }: EnterTournament, state: PlayerEconomy): PlayerEconomyEvent[] => {
  const { playerId, leaderboardId, reservationId, fee } = data;
  const entry = tournamentEntry(state, leaderboardId);
  if (entry?.status === 'entered') {
    throw new DomainError('already-joined', `${playerId} has joined ${leaderboardId}`, 'playerId');
  }
  if (entry?.reservationId === reservationId) {
    throw new DomainError('tournament-entry-lapsed', `the seat reserved for ${playerId} lapsed`, 'playerId');
  }
  const entered = { playerId, leaderboardId, reservationId };
  if (fee === undefined) return [{ type: 'TournamentEntered', data: entered }];
  if ('currency' in fee) {
    const balance = balanceOf(state, fee.currency);
    if (balance < fee.amount) {
      throw new DomainError(
        'insufficient-funds',
        `${fee.currency} balance ${balance} is less than the entry fee ${fee.amount}`,
        'leaderboardId',
      );
    }
    const paid = { currency: fee.currency, amount: fee.amount, balanceAfter: balance - fee.amount };
    return [{ type: 'TournamentEntered', data: { ...entered, fee: paid } }];
  }
  const held = quantityOf(state, fee.sku);
  if (held < fee.quantity) {
    throw new DomainError(
      'insufficient-items',
      `player holds ${held} of ${fee.sku}, fewer than the entry fee ${fee.quantity}`,
      'leaderboardId',
    );
  }
  const itemFee = { sku: fee.sku, quantity: fee.quantity, quantityAfter: held - fee.quantity };
  return [{ type: 'TournamentEntered', data: { ...entered, itemFee } }];
};

export const lapseTournamentEntry = (
  { data }: LapseTournamentEntry,
  state: PlayerEconomy,
): PlayerEconomyEvent[] => {
  const entry = tournamentEntry(state, data.leaderboardId);
  if (entry?.status === 'entered' || entry?.reservationId === data.reservationId) return [];
  return [{ type: 'TournamentEntryLapsed', data }];
};

export const settleReward = ({ data }: SettleReward, state: PlayerEconomy): PlayerEconomyEvent[] => {
  const credited = creditedReward(state, data.source);
  // A later adjudication of the period was settled already, against all that was credited before it: this
  // older one is superseded (a closer that lost its lease in a pause may still be paying it).
  if (credited !== undefined && credited.adjudication > data.source.adjudication) return [];
  const { grant, clawBack } = rewardDifference(data.owed?.reward, credited);
  const common = {
    ...data.source,
    playerId: data.playerId,
    ...(data.owed ? { rank: data.owed.rank } : {}),
  };
  const events: PlayerEconomyEvent[] = [];
  if (!isEmptyGrant(clawBack)) events.push(takeBack(common, clawBack, state));
  if (!isEmptyGrant(grant))
    events.push(give({ ...common, rank: data.owed!.rank }, grant, data.catalog, state));
  return events;
};

type RewardCommon = RewardSource & { playerId: string; rank?: number };

/** Pays `grant`, withholding what would pass a holding limit or 2^53-1. */
const give = (
  common: RewardCommon & { rank: number },
  grant: RewardGrant,
  catalog: ReadonlyMap<string, CatalogItem>,
  state: PlayerEconomy,
): PlayerEconomyEvent => {
  const currencies: CurrencyChange[] = [];
  const items: ItemChange[] = [];
  const withheld: { currencies: Record<string, number>; items: Record<string, number> } = {
    currencies: {},
    items: {},
  };
  for (const [currency, amount] of Object.entries(grant.currencies ?? {})) {
    const balance = balanceOf(state, currency);
    const paid = Math.min(amount, Number.MAX_SAFE_INTEGER - balance);
    if (paid < amount) withheld.currencies[currency] = amount - paid;
    if (paid > 0) currencies.push({ currency, amount: paid, balanceAfter: balance + paid });
  }
  for (const [sku, quantity] of Object.entries(grant.items ?? {})) {
    const item = catalog.get(sku);
    const held = quantityOf(state, sku);
    const room = item?.status === 'Defined' ? holdingLimit(item) - held : 0;
    const given = Math.max(0, Math.min(quantity, room));
    if (given < quantity) withheld.items[sku] = quantity - given;
    if (given > 0) items.push({ sku, quantity: given, quantityAfter: held + given });
  }
  const withholds = nonEmpty(withheld);
  return {
    type: 'RewardGranted',
    data: { ...common, currencies, items, ...(withholds ? { withheld: withholds } : {}) },
  };
};

/** Takes back `take`, never below zero: what is missing is the shortfall, written off. */
const takeBack = (common: RewardCommon, take: RewardGrant, state: PlayerEconomy): PlayerEconomyEvent => {
  const currencies: CurrencyChange[] = [];
  const items: ItemChange[] = [];
  const shortfall: { currencies: Record<string, number>; items: Record<string, number> } = {
    currencies: {},
    items: {},
  };
  for (const [currency, amount] of Object.entries(take.currencies ?? {})) {
    const balance = balanceOf(state, currency);
    const taken = Math.min(amount, balance);
    if (taken < amount) shortfall.currencies[currency] = amount - taken;
    if (taken > 0) currencies.push({ currency, amount: taken, balanceAfter: balance - taken });
  }
  for (const [sku, quantity] of Object.entries(take.items ?? {})) {
    const held = quantityOf(state, sku);
    const taken = Math.min(quantity, held);
    if (taken < quantity) shortfall.items[sku] = quantity - taken;
    if (taken > 0) items.push({ sku, quantity: taken, quantityAfter: held - taken });
  }
  const short = nonEmpty(shortfall);
  return {
    type: 'RewardClawedBack',
    data: { ...common, currencies, items, ...(short ? { shortfall: short } : {}) },
  };
};

/** The parts of a withheld or shortfall record that hold something; undefined when none does. */
const nonEmpty = (record: {
  currencies: Record<string, number>;
  items: Record<string, number>;
}): { currencies?: Record<string, number>; items?: Record<string, number> } | undefined => {
  const kept = Object.fromEntries(Object.entries(record).filter(([, part]) => Object.keys(part).length > 0));
  return Object.keys(kept).length > 0 ? kept : undefined;
};

export const playerEconomyDecider: Decider<PlayerEconomy, PlayerEconomyCommand, PlayerEconomyEvent> = {
  initialState,
  evolve,
  snapshots: playerEconomySnapshots,
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
      case 'EnterTournament':
        return enterTournament(command, state);
      case 'LapseTournamentEntry':
        return lapseTournamentEntry(command, state);
      case 'SettleReward':
        return settleReward(command, state);
    }
  },
};
