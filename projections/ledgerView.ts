import type { economy } from '@app/domain';
import type { IndexQuery, ReadModelDocument } from '@app/read-store';
import type { Projection } from './projection';

export type LedgerChange =
  | { currency: string; delta: number; balanceAfter: number }
  | { sku: string; delta: number; quantityAfter: number };

/** GET /v1/players/{playerId}/ledger - one document per economy event, in stream order. */
export type LedgerEntryView = ReadModelDocument & {
  eventId: string;
  playerId: string;
  type: economy.PlayerEconomyEvent['type'];
  occurredAt: string;
  position: number;
  reason?: string;
  changes: LedgerChange[];
};

const changesOf = (event: economy.PlayerEconomyEvent): LedgerChange[] => {
  switch (event.type) {
    case 'CurrencyGranted':
      return [
        { currency: event.data.currency, delta: event.data.amount, balanceAfter: event.data.balanceAfter },
      ];
    case 'CurrencySpent':
      return [
        { currency: event.data.currency, delta: -event.data.amount, balanceAfter: event.data.balanceAfter },
      ];
    case 'ItemPurchased':
      return [
        {
          currency: event.data.totalPrice.currency,
          delta: -event.data.totalPrice.amount,
          balanceAfter: event.data.balanceAfter,
        },
        { sku: event.data.sku, delta: event.data.quantity, quantityAfter: event.data.quantityAfter },
      ];
    case 'ItemConsumed':
      return [{ sku: event.data.sku, delta: -event.data.quantity, quantityAfter: event.data.quantityAfter }];
    case 'TournamentEntered': {
      const { fee, itemFee } = event.data;
      if (fee) return [{ currency: fee.currency, delta: -fee.amount, balanceAfter: fee.balanceAfter }];
      if (itemFee)
        return [{ sku: itemFee.sku, delta: -itemFee.quantity, quantityAfter: itemFee.quantityAfter }];
      return [];
    }
    case 'TournamentEntryLapsed':
      return [];
    case 'RewardGranted':
    case 'RewardClawedBack': {
      const sign = event.type === 'RewardGranted' ? 1 : -1;
      return [
        ...event.data.currencies.map(({ currency, amount, balanceAfter }) => ({
          currency,
          delta: sign * amount,
          balanceAfter,
        })),
        ...event.data.items.map(({ sku, quantity, quantityAfter }) => ({
          sku,
          delta: sign * quantity,
          quantityAfter,
        })),
      ];
    }
  }
};

// `join`, not a template: one flat string per ledger line instead of a chain of rope strings.
const reasonOf = (event: economy.PlayerEconomyEvent): string => {
  switch (event.type) {
    case 'CurrencyGranted':
    case 'CurrencySpent':
      return event.data.reason;
    case 'ItemPurchased':
      return ['purchase of', event.data.quantity, event.data.sku].join(' ');
    case 'ItemConsumed':
      return event.data.reason ?? ['consumption of', event.data.quantity, event.data.sku].join(' ');
    case 'TournamentEntered':
      return ['entry to', event.data.leaderboardId].join(' ');
    case 'TournamentEntryLapsed':
      return ['lapsed entry to', event.data.leaderboardId].join(' ');
    case 'RewardGranted':
      return ['reward for rank', event.data.rank, 'on', event.data.leaderboardId, event.data.period].join(
        ' ',
      );
    case 'RewardClawedBack':
      return ['reward taken back on', event.data.leaderboardId, event.data.period].join(' ');
  }
};

/**
 * The type names as this module's own constants: a ledger line keeps one shared string instead of the
 * copy each parsed event carries (hundreds of thousands of lines in a replay).
 */
const TYPES: { readonly [Type in economy.PlayerEconomyEvent['type']]: Type } = {
  CurrencyGranted: 'CurrencyGranted',
  CurrencySpent: 'CurrencySpent',
  ItemPurchased: 'ItemPurchased',
  ItemConsumed: 'ItemConsumed',
  TournamentEntered: 'TournamentEntered',
  TournamentEntryLapsed: 'TournamentEntryLapsed',
  RewardGranted: 'RewardGranted',
  RewardClawedBack: 'RewardClawedBack',
};

/** Every economy event: each is a ledger line, and moves the stream revision the wallet and inventory report. */
export const ECONOMY_EVENTS = Object.values(TYPES);

export const ledgerView: Projection<LedgerEntryView, economy.PlayerEconomyEvent> = {
  collection: {
    name: 'ledger',
    indexes: {
      // Total: a player's ledger lines come from one stream, so their revisions are unique.
      byPlayer: { groupBy: ['playerId'], orderBy: [['revision', 1]] },
    },
  },
  handles: ECONOMY_EVENTS,
  documentId: (event) => event.id,
  // Insert-only: an event's ledger line never changes once written.
  evolve: (doc, event) =>
    doc ?? {
      _id: event.id,
      eventId: event.id,
      playerId: event.data.playerId,
      revision: event.revision,
      position: event.position,
      type: TYPES[event.type] ?? event.type,
      occurredAt: event.occurredAt,
      reason: reasonOf(event),
      changes: changesOf(event),
    },
};

/** One player's ledger lines, oldest first. */
export const playerLedger = (playerId: string): IndexQuery<LedgerEntryView> => ({
  collection: ledgerView.collection,
  index: 'byPlayer',
  group: { playerId },
});
