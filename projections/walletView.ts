import type { economy } from '@app/domain';
import type { ReadModelDocument } from '@app/read-store';
import { ECONOMY_EVENTS } from './ledgerView';
import type { Projection } from './projection';

/** GET /v1/players/{playerId}/wallet */
export type WalletView = ReadModelDocument & {
  playerId: string;
  /** Every currency the player ever held, including those spent down to 0. */
  balances: Record<string, number>;
};

export const walletView: Projection<WalletView, economy.PlayerEconomyEvent> = {
  collection: { name: 'wallets' },
  // Events that change no balance still move the stream revision the view reports.
  handles: ECONOMY_EVENTS,
  documentId: (event) => event.data.playerId,
  evolve: (doc, event) => {
    const balances = { ...doc?.balances };
    switch (event.type) {
      case 'CurrencyGranted':
      case 'CurrencySpent':
        balances[event.data.currency] = event.data.balanceAfter;
        break;
      case 'ItemPurchased':
        balances[event.data.totalPrice.currency] = event.data.balanceAfter;
        break;
      case 'TournamentEntered':
        if (event.data.fee) balances[event.data.fee.currency] = event.data.fee.balanceAfter;
        break;
      case 'RewardGranted':
      case 'RewardClawedBack':
        for (const { currency, balanceAfter } of event.data.currencies) balances[currency] = balanceAfter;
        break;
    }
    // The previous document's strings (equal values): the event's copies are dropped young.
    const playerId = doc?.playerId ?? event.data.playerId;
    return { _id: doc?._id ?? playerId, playerId, balances, revision: event.revision };
  },
};
