import type { economy } from '@app/domain';
import type { ReadModelDocument } from '@app/read-store';
import type { Projection } from './projection';

/** GET /v1/players/{playerId}/inventory */
export type InventoryView = ReadModelDocument & {
  playerId: string;
  /** sku -> quantity held; an item used up disappears. */
  items: Record<string, number>;
};

export const inventoryView: Projection<InventoryView, economy.PlayerEconomyEvent> = {
  collection: { name: 'inventories' },
  // Currency events change no item but move the stream revision the view reports.
  handles: ['CurrencyGranted', 'CurrencySpent', 'ItemPurchased', 'ItemConsumed'],
  documentId: (event) => event.data.playerId,
  evolve: (doc, event) => {
    const items = { ...doc?.items };
    switch (event.type) {
      case 'ItemPurchased':
      case 'ItemConsumed':
        if (event.data.quantityAfter === 0) delete items[event.data.sku];
        else items[event.data.sku] = event.data.quantityAfter;
        break;
    }
    // The previous document's strings (equal values): the event's copies are dropped young.
    const playerId = doc?.playerId ?? event.data.playerId;
    return { _id: doc?._id ?? playerId, playerId, items, revision: event.revision };
  },
};
