import { type Static, Type } from '@sinclair/typebox';
import {
  Amount,
  Constraint,
  CurrencyCode,
  Id,
  NextCursor,
  PageQuery,
  ReadQuery,
  Strict,
  Text,
} from '../http/schemas';

export const PlayerParams = Strict({ playerId: Id('The player', 'p1') });

export const CurrencyChangeBody = Strict(
  {
    currency: CurrencyCode,
    amount: Amount('Minor units'),
    reason: Text(200, 'Why: shown in the ledger', 'daily-login-reward'),
  },
  { $id: 'CurrencyChangeBody' },
);
export type CurrencyChangeBody = Static<typeof CurrencyChangeBody>;

const Quantity = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, examples: [1] });

/** Some quantity of one catalog item: what a consumption names. */
export const ConsumptionBody = Strict(
  {
    sku: Id('The catalog item', 'health-potion'),
    quantity: Quantity,
    reason: Type.Optional(Text(200, 'Why, when someone says (a correction): shown in the ledger', 'refund')),
  },
  { $id: 'ConsumptionBody' },
);
export type ConsumptionBody = Static<typeof ConsumptionBody>;

export const PurchaseBody = Strict(
  {
    sku: Id('The catalog item', 'health-potion'),
    quantity: Quantity,
    currency: Type.Optional({ ...CurrencyCode, description: 'Which price to pay when the item has several' }),
    expectedPrice: Type.Optional(
      Strict(
        { currency: CurrencyCode, amount: Amount('Unit price in minor units') },
        { description: 'The unit price the player saw (it names the currency); a different price is a 409' },
      ),
    ),
  },
  {
    $id: 'PurchaseBody',
    allOf: [
      // expectedPrice names the currency itself: the two together could contradict each other.
      Constraint('currency', 'give currency or expectedPrice (which names the currency), not both', {
        not: { required: ['currency', 'expectedPrice'] },
      }),
    ],
  },
);
export type PurchaseBody = Static<typeof PurchaseBody>;

export const WalletQuery = Strict(ReadQuery);
export const LedgerQuery = Strict(PageQuery);
export type LedgerQuery = Static<typeof LedgerQuery>;

export const WalletResponse = Strict(
  {
    playerId: Type.String(),
    balances: Type.Record(Type.String(), Type.Integer(), { examples: [{ GOLD: 150 }] }),
    revision: Type.Integer({
      description: 'Economy stream revision the view reflects (-1: no activity yet)',
    }),
  },
  { $id: 'WalletResponse' },
);
export type WalletResponse = Static<typeof WalletResponse>;

export const InventoryResponse = Strict(
  {
    playerId: Type.String(),
    items: Type.Array(Strict({ sku: Type.String(), quantity: Type.Integer() })),
    revision: Type.Integer(),
  },
  { $id: 'InventoryResponse' },
);
export type InventoryResponse = Static<typeof InventoryResponse>;

const LedgerChange = Type.Union([
  Strict({
    currency: Type.String(),
    delta: Type.Integer({ description: 'Signed change' }),
    balanceAfter: Type.Integer(),
  }),
  Strict({
    sku: Type.String(),
    delta: Type.Integer({ description: 'Signed change' }),
    quantityAfter: Type.Integer(),
  }),
]);

export const LedgerResponse = Strict(
  {
    playerId: Type.String(),
    entries: Type.Array(
      Strict({
        eventId: Type.String({ format: 'uuid' }),
        revision: Type.Integer(),
        position: Type.Integer(),
        type: Type.String(),
        occurredAt: Type.String({ format: 'date-time' }),
        reason: Type.Optional(Type.String()),
        changes: Type.Array(LedgerChange),
      }),
    ),
    nextCursor: NextCursor,
  },
  { $id: 'LedgerResponse' },
);
export type LedgerResponse = Static<typeof LedgerResponse>;
