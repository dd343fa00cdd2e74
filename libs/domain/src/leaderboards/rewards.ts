import { DomainError } from '../shared/errors';
import { ID_PATTERN, assertCurrency, assertPositiveSafeInteger } from '../shared/values';

/** Currencies (minor units) and items (quantities) paid to one player. */
export type RewardGrant = Readonly<{
  currencies?: Readonly<Record<string, number>>;
  items?: Readonly<Record<string, number>>;
}>;

/** What every rank from `fromRank` to `toRank` (1-based, inclusive) receives. */
export type RewardTier = Readonly<{ fromRank: number; toRank: number } & RewardGrant>;

/** The most ranks a reward table may pay: a close pays each of them as its own command. */
export const MAX_REWARDED_RANK = 1_000_000;
export const MAX_REWARD_TIERS = 100;

/** Which currencies and items exist (the catalog as the handler loaded it). */
export type KnownCatalog = Readonly<{ currency: (code: string) => boolean; item: (sku: string) => boolean }>;

/**
 * A reward table is tiers in rank order that do not overlap, each paying at least one positive amount of
 * a currency or an item the catalog knows.
 */
export function assertRewardTable(tiers: readonly RewardTier[], catalog: KnownCatalog): void {
  if (!Array.isArray(tiers) || tiers.length > MAX_REWARD_TIERS) {
    throw new DomainError(
      'invalid-input',
      `rewards must be a list of at most ${MAX_REWARD_TIERS} tiers`,
      'rewards',
    );
  }
  const sorted = tiers
    .map((tier, index) => ({ tier, index }))
    .sort((a, b) => a.tier.fromRank - b.tier.fromRank);
  let previous: { tier: RewardTier; index: number } | undefined;
  for (const { tier, index } of sorted) {
    const at = `rewards[${index}]`;
    assertPositiveSafeInteger(tier.fromRank, `${at}.fromRank`);
    assertPositiveSafeInteger(tier.toRank, `${at}.toRank`);
    if (tier.toRank < tier.fromRank) {
      throw new DomainError(
        'invalid-input',
        `toRank ${tier.toRank} is before fromRank ${tier.fromRank}`,
        `${at}.toRank`,
      );
    }
    if (tier.toRank > MAX_REWARDED_RANK) {
      throw new DomainError(
        'invalid-input',
        `ranks beyond ${MAX_REWARDED_RANK} are not paid`,
        `${at}.toRank`,
      );
    }
    if (previous && tier.fromRank <= previous.tier.toRank) {
      throw new DomainError(
        'invalid-input',
        `ranks ${tier.fromRank}-${tier.toRank} overlap rewards[${previous.index}] (${previous.tier.fromRank}-${previous.tier.toRank})`,
        `${at}.fromRank`,
      );
    }
    const currencies = Object.entries(tier.currencies ?? {});
    const items = Object.entries(tier.items ?? {});
    if (currencies.length + items.length === 0) {
      throw new DomainError('invalid-input', 'a tier pays at least one currency or item', at);
    }
    for (const [currency, amount] of currencies) {
      assertCurrency(currency, `${at}.currencies`);
      assertPositiveSafeInteger(amount, `${at}.currencies.${currency}`);
      if (!catalog.currency(currency)) {
        throw new DomainError(
          'invalid-input',
          `${currency} is not a defined currency`,
          `${at}.currencies.${currency}`,
        );
      }
    }
    for (const [sku, quantity] of items) {
      if (!ID_PATTERN.test(sku))
        throw new DomainError('invalid-input', `${sku} is not an item id`, `${at}.items`);
      assertPositiveSafeInteger(quantity, `${at}.items.${sku}`);
      if (!catalog.item(sku)) {
        throw new DomainError('invalid-input', `${sku} is not a catalog item`, `${at}.items.${sku}`);
      }
    }
    previous = { tier, index };
  }
}

/** The tiers in rank order, as a definition stores them (so equal tables compare equal). */
export const normaliseRewardTable = (tiers: readonly RewardTier[]): RewardTier[] =>
  [...tiers]
    .sort((a, b) => a.fromRank - b.fromRank)
    .map(({ fromRank, toRank, currencies, items }) => ({
      fromRank,
      toRank,
      ...(currencies && Object.keys(currencies).length > 0 ? { currencies: sortedRecord(currencies) } : {}),
      ...(items && Object.keys(items).length > 0 ? { items: sortedRecord(items) } : {}),
    }));

const sortedRecord = (record: Readonly<Record<string, number>>): Record<string, number> =>
  Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : 1)));

/** The highest rank the table pays (0 when it pays none). */
export const lastRewardedRank = (tiers: readonly RewardTier[] | undefined): number =>
  (tiers ?? []).reduce((last, tier) => Math.max(last, tier.toRank), 0);

/** What `rank` (1-based) receives; undefined when the table pays it nothing. */
export const rewardFor = (
  tiers: readonly RewardTier[] | undefined,
  rank: number | undefined,
): RewardGrant | undefined =>
  rank === undefined ? undefined : tiers?.find((tier) => rank >= tier.fromRank && rank <= tier.toRank);

/**
 * What turns `paid` into `owed`, per currency and item: `grant` the amounts owed beyond what was paid,
 * `clawBack` the amounts paid beyond what is owed. Both empty when they are equal.
 */
export const rewardDifference = (
  owed: RewardGrant | undefined,
  paid: RewardGrant | undefined,
): { grant: RewardGrant; clawBack: RewardGrant } => {
  const split = (
    next: Readonly<Record<string, number>> = {},
    before: Readonly<Record<string, number>> = {},
  ) => {
    const up: Record<string, number> = {};
    const down: Record<string, number> = {};
    for (const key of [...new Set([...Object.keys(next), ...Object.keys(before)])].sort()) {
      const change = (next[key] ?? 0) - (before[key] ?? 0);
      if (change > 0) up[key] = change;
      else if (change < 0) down[key] = -change;
    }
    return { up, down };
  };
  const currencies = split(owed?.currencies, paid?.currencies);
  const items = split(owed?.items, paid?.items);
  return {
    grant: compact(currencies.up, items.up),
    clawBack: compact(currencies.down, items.down),
  };
};

const compact = (currencies: Record<string, number>, items: Record<string, number>): RewardGrant => ({
  ...(Object.keys(currencies).length > 0 ? { currencies } : {}),
  ...(Object.keys(items).length > 0 ? { items } : {}),
});

/** Whether the grant pays nothing. */
export const isEmptyGrant = (grant: RewardGrant | undefined): boolean =>
  !grant || (Object.keys(grant.currencies ?? {}).length === 0 && Object.keys(grant.items ?? {}).length === 0);
