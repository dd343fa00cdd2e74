import type { RewardGrant } from '../leaderboards/rewards';
import type { DomainEvent, StateSnapshots } from '../shared/decider';

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

/** A tournament's entry: its fee paid (an amount of a currency, or items given up) and the seat it holds. */
export type TournamentEntered = DomainEvent<
  'TournamentEntered',
  {
    playerId: string;
    leaderboardId: string;
    reservationId: string;
    fee?: Money & { balanceAfter: number };
    itemFee?: { sku: string; quantity: number; quantityAfter: number };
  }
>;
/**
 * A seat reserved for this player was given up before the entry was recorded (the entry was refused, or
 * the reservation expired): that reservation enters no more.
 */
export type TournamentEntryLapsed = DomainEvent<
  'TournamentEntryLapsed',
  { playerId: string; leaderboardId: string; reservationId: string; reason: 'refused' | 'lapsed' }
>;

/** Which standings of which period a reward follows: adjudication 0 is the close. */
export type RewardSource = Readonly<{ leaderboardId: string; period: string; adjudication: number }>;

/** One currency of a reward or clawback and the balance it leaves. */
export type CurrencyChange = Readonly<{ currency: string; amount: number; balanceAfter: number }>;
/** One item of a reward or clawback and the quantity it leaves. */
export type ItemChange = Readonly<{ sku: string; quantity: number; quantityAfter: number }>;

/**
 * A period's reward (or, after an adjudication, what the player's new rank adds to it). Amounts that
 * would leave a balance beyond 2^53-1 or a holding beyond the item's limit are `withheld`, not paid.
 */
export type RewardGranted = DomainEvent<
  'RewardGranted',
  RewardSource & {
    playerId: string;
    rank: number;
    currencies: readonly CurrencyChange[];
    items: readonly ItemChange[];
    withheld?: Readonly<{ currencies?: Record<string, number>; items?: Record<string, number> }>;
  }
>;
/**
 * Rewards taken back after an adjudication: what the player was credited beyond what their new rank (if
 * any) pays. No balance or holding goes below zero: what was owed back but already spent is the
 * `shortfall`, recorded and written off.
 */
export type RewardClawedBack = DomainEvent<
  'RewardClawedBack',
  RewardSource & {
    playerId: string;
    /** The player's rank in the adjudicated standings; absent when excluded or no longer ranked. */
    rank?: number;
    currencies: readonly CurrencyChange[];
    items: readonly ItemChange[];
    shortfall?: Readonly<{ currencies?: Record<string, number>; items?: Record<string, number> }>;
  }
>;

export type PlayerEconomyEvent =
  | CurrencyGranted
  | CurrencySpent
  | ItemPurchased
  | ItemConsumed
  | TournamentEntered
  | TournamentEntryLapsed
  | RewardGranted
  | RewardClawedBack;

/** A player's place in one tournament: entered through a reservation, or that reservation lapsed. */
export type TournamentEntry = Readonly<{ reservationId: string; status: 'entered' | 'lapsed' }>;

/**
 * What a player was credited of one period's rewards, net (granted, less taken back and written off), and
 * the latest adjudication whose settlement changed it.
 */
export type PeriodCredit = Required<RewardGrant> & Readonly<{ adjudication: number }>;

/**
 * One aggregate per player: balances, inventory, tournament entries and rewards change together or not
 * at all. `rewards` holds the player's credit per period (`{leaderboardId}.{period}`).
 */
export type PlayerEconomy = Readonly<{
  balances: Readonly<Record<string, number>>;
  items: Readonly<Record<string, number>>;
  tournaments: Readonly<Record<string, TournamentEntry>>;
  rewards: Readonly<Record<string, PeriodCredit>>;
}>;

export const initialState = (): PlayerEconomy => ({ balances: {}, items: {}, tournaments: {}, rewards: {} });

const rewardKey = (source: Pick<RewardSource, 'leaderboardId' | 'period'>) =>
  `${source.leaderboardId}.${source.period}`;

/** What the player was credited of a period's rewards, net of clawbacks and write-offs. */
export const creditedReward = (state: PlayerEconomy, source: RewardSource): PeriodCredit | undefined => {
  const key = rewardKey(source);
  return Object.hasOwn(state.rewards, key) ? state.rewards[key] : undefined;
};

/** A period's credit after a grant (sign 1) or a clawback with its shortfall (sign -1). */
const credit = (
  state: PlayerEconomy,
  event: RewardGranted | RewardClawedBack,
): Readonly<Record<string, PeriodCredit>> => {
  const key = rewardKey(event.data);
  const before = Object.hasOwn(state.rewards, key)
    ? state.rewards[key]
    : { currencies: {}, items: {}, adjudication: 0 };
  const sign = event.type === 'RewardGranted' ? 1 : -1;
  const written = event.type === 'RewardClawedBack' ? event.data.shortfall : undefined;
  const move = (held: Readonly<Record<string, number>>, changes: [string, number][]) => {
    const next = { ...held };
    for (const [name, amount] of changes) {
      const after = (next[name] ?? 0) + sign * amount;
      if (after === 0) delete next[name];
      else next[name] = after;
    }
    return next;
  };
  return {
    ...state.rewards,
    [key]: {
      currencies: move(before.currencies, [
        ...event.data.currencies.map((change): [string, number] => [change.currency, change.amount]),
        ...Object.entries(written?.currencies ?? {}),
      ]),
      items: move(before.items, [
        ...event.data.items.map((change): [string, number] => [change.sku, change.quantity]),
        ...Object.entries(written?.items ?? {}),
      ]),
      adjudication: Math.max(before.adjudication, event.data.adjudication),
    },
  };
};

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
        ...state,
        balances: withEntry(state.balances, event.data.totalPrice.currency, event.data.balanceAfter),
        items: withEntry(state.items, event.data.sku, event.data.quantityAfter),
      };
    case 'ItemConsumed':
      return { ...state, items: withEntry(state.items, event.data.sku, event.data.quantityAfter) };
    case 'TournamentEntered': {
      const { leaderboardId, reservationId, fee, itemFee } = event.data;
      return {
        ...state,
        balances: fee ? withEntry(state.balances, fee.currency, fee.balanceAfter) : state.balances,
        items: itemFee ? withEntry(state.items, itemFee.sku, itemFee.quantityAfter) : state.items,
        tournaments: { ...state.tournaments, [leaderboardId]: { reservationId, status: 'entered' } },
      };
    }
    case 'TournamentEntryLapsed': {
      const { leaderboardId, reservationId } = event.data;
      return {
        ...state,
        tournaments: { ...state.tournaments, [leaderboardId]: { reservationId, status: 'lapsed' } },
      };
    }
    case 'RewardGranted':
    case 'RewardClawedBack':
      return {
        ...state,
        rewards: credit(state, event),
        balances: event.data.currencies.reduce(
          (balances, change) => withEntry(balances, change.currency, change.balanceAfter),
          state.balances,
        ),
        items: event.data.items.reduce(
          (items, change) => withEntry(items, change.sku, change.quantityAfter),
          state.items,
        ),
      };
    default:
      return state;
  }
};

/** Bump the version whenever evolve or PlayerEconomy changes: snapshots of the old fold are ignored. */
export const playerEconomySnapshots: StateSnapshots<PlayerEconomy> = { version: 2 };

export const playerEconomyStreamId = (playerId: string): string => `playerEconomy-${playerId}`;
