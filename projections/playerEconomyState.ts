import type { InventoryView } from './inventoryView';
import type { WalletView } from './walletView';

/** A player's balances as the API answers them: from the live read model, or as of a past point (audit). */
export type WalletState = { playerId: string; balances: Record<string, number>; revision: number };

/** A player's items as the API answers them, ordered by sku. */
export type InventoryState = {
  playerId: string;
  items: { sku: string; quantity: number }[];
  revision: number;
};

/** revision -1: the player has no economy event yet. */
export const walletState = (playerId: string, view: WalletView | null | undefined): WalletState => ({
  playerId,
  balances: view?.balances ?? {},
  revision: view?.revision ?? -1,
});

export const inventoryState = (playerId: string, view: InventoryView | null | undefined): InventoryState => ({
  playerId,
  items: Object.entries(view?.items ?? {})
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([sku, quantity]) => ({ sku, quantity })),
  revision: view?.revision ?? -1,
});
