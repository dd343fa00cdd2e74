import type { economy } from '@app/domain';
import type { ReadModelDocument } from '@app/read-store';
import { ECONOMY_EVENTS } from './ledgerView';
import type { Projection } from './projection';

/** GET /v1/players/{playerId}/inventory */
export type InventoryView = ReadModelDocument & {
  playerId: string;
  /** sku -> quantity held; an item used up disappears. */
  items: Record<string, number>;
};

export const inventoryView: Projection<InventoryView, economy.PlayerEconomyEvent> = {
  collection: { name: 'inventories' },
  // Events that change no item still move the stream revision the view reports.
  handles: ECONOMY_EVENTS,
  documentId: (event) => event.data.playerId,
  evolve: (doc, event) => {
    const items = { ...doc?.items };
    const hold = (sku: string, quantity: number) => {
      if (quantity === 0) delete items[sku];
      else items[sku] = quantity;
    };
    switch (event.type) {
      case 'ItemPurchased':
      case 'ItemConsumed':
        hold(event.data.sku, event.data.quantityAfter);
        break;
      case 'TournamentEntered':
        if (event.data.itemFee) hold(event.data.itemFee.sku, event.data.itemFee.quantityAfter);
        break;
      case 'RewardGranted':
      case 'RewardClawedBack':
        for (const { sku, quantityAfter } of event.data.items) hold(sku, quantityAfter);
        break;
    }
    // The previous document's strings (equal values): the event's copies are dropped young.
    const playerId = doc?.playerId ?? event.data.playerId;
    return { _id: doc?._id ?? playerId, playerId, items, revision: event.revision };
  },
};
