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
    return { _id: event.data.playerId, playerId: event.data.playerId, items, revision: event.revision };
  },
};
