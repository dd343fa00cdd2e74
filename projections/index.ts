import { catalogItemView } from './catalogItemView';
import { currencyView } from './currencyView';
import { inventoryView } from './inventoryView';
import { leaderboardEntryView } from './leaderboardEntryView';
import { leaderboardPeriodView } from './leaderboardPeriodView';
import { leaderboardView } from './leaderboardView';
import { ledgerView } from './ledgerView';
import type { AnyProjection } from './project';
import { walletView } from './walletView';

export * from './projection';
export * from './project';
export * from './replay';
export * from './digest';
export * from './walletView';
export * from './inventoryView';
export * from './ledgerView';
export * from './catalogItemView';
export * from './leaderboardView';
export * from './leaderboardEntryView';
export * from './leaderboardPeriodView';
export * from './currencyView';
export * from './playerEconomyState';

/** Every read model, in one list: what the projector applies and what a rebuild recreates. */
export const readModels: readonly AnyProjection[] = [
  walletView,
  inventoryView,
  ledgerView,
  catalogItemView,
  leaderboardView,
  leaderboardEntryView,
  leaderboardPeriodView,
  currencyView,
] as unknown as readonly AnyProjection[];

export const readModelCollections = readModels.map((projection) => projection.collection);
