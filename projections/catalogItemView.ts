import type { catalog } from '@app/domain';
import type { IndexQuery, ReadModelDocument } from '@app/read-store';
import type { Projection } from './projection';

/** GET /v1/catalog/items[/{sku}] */
export type CatalogItemView = ReadModelDocument & catalog.CatalogItemDefinition;

export const catalogItemView: Projection<CatalogItemView, catalog.CatalogItemEvent> = {
  collection: {
    name: 'catalogItems',
    indexes: {
      bySku: { groupBy: [], orderBy: [['sku', 1]] },
    },
  },
  handles: ['CatalogItemDefined', 'CatalogItemUpdated'],
  documentId: (event) => event.data.sku,
  evolve: (_doc, event) => ({ _id: event.data.sku, ...event.data, revision: event.revision }),
};

/** The whole catalog by sku. */
export const catalogItemsBySku: IndexQuery<CatalogItemView> = {
  collection: catalogItemView.collection,
  index: 'bySku',
  group: {},
};
