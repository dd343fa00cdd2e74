import { CURRENCY_PATTERN } from '@app/domain';
import { type Static, Type } from '@sinclair/typebox';
import {
  Constraint,
  CurrencyCode,
  Id,
  KeyedBy,
  NextCursor,
  PageQuery,
  ReadQuery,
  Strict,
  Text,
} from '../http/schemas';

export const SkuParams = Strict({ sku: Id('The catalog item', 'health-potion') });
export const CurrencyParams = Strict({ code: CurrencyCode });

export const CurrencyBody = Strict(
  { name: Text(200, 'Shown to players', 'Gold coins') },
  { $id: 'CurrencyBody' },
);
export type CurrencyBody = Static<typeof CurrencyBody>;

export const CurrencyPageResponse = Strict(
  {
    currencies: Type.Array(Strict({ code: Type.String(), name: Type.String(), revision: Type.Integer() })),
    nextCursor: NextCursor,
  },
  { $id: 'CurrencyPageResponse' },
);
export type CurrencyPageResponse = Static<typeof CurrencyPageResponse>;

/** At most this many currencies price one item. */
const MAX_PRICES = 32;

export const CatalogItemBody = Strict(
  {
    name: Text(200, 'Shown to players', 'Health potion'),
    prices: KeyedBy(CURRENCY_PATTERN.source, Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }), {
      minProperties: 1,
      maxProperties: MAX_PRICES,
      description: 'Unit price per accepted currency, in minor units',
      examples: [{ GOLD: 100, GEMS: 2 }],
    }),
    stackable: Type.Boolean({ description: 'Whether a player may hold more than one' }),
    maxStack: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: Number.MAX_SAFE_INTEGER,
        description: 'Most a player may hold of a stackable item (only for stackable items)',
      }),
    ),
  },
  {
    $id: 'CatalogItemBody',
    allOf: [
      // A non-stackable item is held once at most: maxStack belongs to stackable items only.
      Constraint('maxStack', 'maxStack applies to stackable items only', {
        if: { properties: { stackable: { const: false } } },
        then: { not: { required: ['maxStack'] } },
      }),
    ],
  },
);
export type CatalogItemBody = Static<typeof CatalogItemBody>;

export const CatalogItemQuery = Strict(ReadQuery);
export const CatalogPageQuery = Strict(PageQuery);
export type CatalogPageQuery = Static<typeof CatalogPageQuery>;

export const CatalogItemResponse = Strict({
  sku: Type.String(),
  name: Type.String(),
  prices: Type.Record(Type.String(), Type.Integer()),
  stackable: Type.Boolean(),
  maxStack: Type.Optional(Type.Integer()),
  revision: Type.Integer(),
});
export type CatalogItemResponse = Static<typeof CatalogItemResponse>;

export const CatalogPageResponse = Strict(
  { items: Type.Array(CatalogItemResponse), nextCursor: NextCursor },
  { $id: 'CatalogPageResponse' },
);
export type CatalogPageResponse = Static<typeof CatalogPageResponse>;
