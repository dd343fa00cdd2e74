import type { catalog } from '@app/domain';
import type { IndexQuery, ReadModelDocument } from '@app/read-store';
import type { Projection } from './projection';

/** GET /v1/catalog/currencies */
export type CurrencyView = ReadModelDocument & catalog.CurrencyDefinition;

export const currencyView: Projection<CurrencyView, catalog.CurrencyEvent> = {
  collection: { name: 'currencies', indexes: { byCode: { groupBy: [], orderBy: [['code', 1]] } } },
  handles: ['CurrencyDefined', 'CurrencyUpdated'],
  documentId: (event) => event.data.code,
  evolve: (_doc, event) => ({ _id: event.data.code, ...event.data, revision: event.revision }),
};

/** Every defined currency by code. */
export const currenciesByCode: IndexQuery<CurrencyView> = {
  collection: currencyView.collection,
  index: 'byCode',
  group: {},
};
