import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { Constraint, Id, NextCursor, PageQuery, Position, Strict } from '../http/schemas';

const Moment = (description: string) => Type.String({ format: 'date-time', description });

export const PlayerParams = Strict({ playerId: Id('The player', 'p1') });

export const VerifyQuery = Strict(
  {
    stream: Type.Optional(
      Type.String({
        pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,200}$',
        description: 'One stream',
        examples: ['playerEconomy-p1'],
      }),
    ),
    category: Type.Optional(
      Type.String({
        pattern: '^[A-Za-z0-9]{1,64}$',
        description: 'Every stream named {category}-...',
        examples: ['playerEconomy'],
      }),
    ),
  },
  {
    allOf: [
      Constraint('category', 'give stream or category, not both', {
        not: { required: ['stream', 'category'] },
      }),
    ],
  },
);
export type VerifyQuery = Static<typeof VerifyQuery>;

export const HistoryQuery = Strict({ limit: PageQuery.limit, cursor: PageQuery.cursor });
export type HistoryQuery = Static<typeof HistoryQuery>;

export const StateAtQuery = Strict(
  {
    position: Type.Optional(Position('A global position: every event up to it')),
    at: Type.Optional(Moment('A moment: every event that occurred at or before it')),
  },
  {
    allOf: [
      Constraint('position', 'give position or at (exactly one)', {
        oneOf: [{ required: ['position'] }, { required: ['at'] }],
      }),
    ],
  },
);
export type StateAtQuery = Static<typeof StateAtQuery>;

export const ExportQuery = Strict(
  {
    playerId: Type.Optional(Id("A player's economy stream", 'p1')),
    from: Type.Optional(Moment('Every event that occurred at or after this moment')),
    to: Type.Optional(Moment('... and before this one (not before from)')),
  },
  {
    allOf: [
      Constraint('playerId', 'give playerId or from/to, not both', {
        not: { anyOf: [{ required: ['playerId', 'from'] }, { required: ['playerId', 'to'] }] },
      }),
      Constraint('playerId', 'give playerId, or both from and to', {
        anyOf: [{ required: ['playerId'] }, { required: ['from'] }, { required: ['to'] }],
      }),
      Constraint('from', 'give playerId, or both from and to', {
        if: { required: ['to'] },
        then: { required: ['from'] },
      }),
      Constraint('to', 'give playerId, or both from and to', {
        if: { required: ['from'] },
        then: { required: ['to'] },
      }),
    ],
  },
);
export type ExportQuery = Static<typeof ExportQuery>;

export const ReplayCheckQuery = Strict({
  limit: Type.Optional(
    Type.Integer({ minimum: 1, maximum: 1000, default: 100, description: 'Differences listed' }),
  ),
});
export type ReplayCheckQuery = Static<typeof ReplayCheckQuery>;

const BrokenLink = Strict({
  kind: Type.Union(
    ['altered', 'relinked', 'missing', 'unchained', 'truncated', 'anchor-mismatch'].map((kind) =>
      Type.Literal(kind),
    ),
  ),
  streamId: Type.String(),
  revision: Type.Integer(),
  position: Type.Optional(Type.Integer()),
  expected: Type.String(),
  actual: Type.String(),
  detail: Type.String(),
});

const Counts = {
  events: Type.Integer(),
  streams: Type.Integer(),
  chained: Type.Integer({ description: 'Events with a hash, checked against their content and predecessor' }),
  legacy: Type.Integer({ description: 'Events written before hashing' }),
  anchors: Type.Integer({ description: 'Anchors checked against the log' }),
};

export const VerificationResponse = Type.Union([
  Strict({ ok: Type.Literal(true), ...Counts }),
  Strict({ ok: Type.Literal(false), broken: BrokenLink, ...Counts }),
]);

const Json = Type.Object({}, { additionalProperties: true });

const StoredEvent = {
  id: Type.String(),
  type: Type.String(),
  streamId: Type.String(),
  revision: Type.Integer(),
  position: Type.Integer(),
  occurredAt: Type.String({ format: 'date-time' }),
  data: Json,
  metadata: Type.Object(
    {
      schemaVersion: Type.Integer(),
      hash: Type.Optional(Type.String()),
      previousHash: Type.Optional(Type.String()),
    },
    {
      additionalProperties: true,
      description: 'Command id, request hash, correlation, actor and the hash chain',
    },
  ),
};

export const HistoryResponse = Strict(
  {
    playerId: Type.String(),
    streamId: Type.String(),
    events: Type.Array(
      Strict({
        ...StoredEvent,
        verification: Type.Union([
          Strict({ status: Type.Union([Type.Literal('verified'), Type.Literal('legacy')]) }),
          Strict({ status: Type.Literal('broken'), broken: BrokenLink }),
        ]),
      }),
    ),
    nextCursor: NextCursor,
  },
  { $id: 'HistoryResponse' },
);

const WalletState = Strict({
  playerId: Type.String(),
  balances: Type.Record(Type.String(), Type.Integer()),
  revision: Type.Integer(),
});
const InventoryState = Strict({
  playerId: Type.String(),
  items: Type.Array(Strict({ sku: Type.String(), quantity: Type.Integer() })),
  revision: Type.Integer(),
});

export const StateAtResponse = Strict(
  {
    playerId: Type.String(),
    at: Type.Union([
      Strict({ position: Type.Integer() }),
      Strict({ timestamp: Type.String({ format: 'date-time' }) }),
    ]),
    revision: Type.Integer(),
    position: Type.Integer(),
    occurredAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    wallet: WalletState,
    inventory: InventoryState,
    verification: Type.Union([
      Strict({ ok: Type.Literal(true), events: Type.Integer() }),
      Strict({ ok: Type.Literal(false), events: Type.Integer(), broken: BrokenLink }),
    ]),
  },
  { $id: 'StateAtResponse' },
);

const Progress = Strict({
  phase: Type.String({ examples: ['verify', 'replay', 'compare wallets'] }),
  done: Type.Integer({ description: 'Events or documents done in this phase' }),
  unit: Type.Union([Type.Literal('events'), Type.Literal('documents')]),
  position: Type.Optional(Type.Integer({ description: 'The log position reached' })),
  until: Type.Optional(Type.Integer({ description: 'The log position the phase stops at' })),
  rate: Type.Integer({ description: 'Items per second so far' }),
  secondsLeft: Type.Optional(Type.Integer({ description: 'At that pace, when the end is known' })),
});

/** One line of a run's progress stream: progress, then the result or the error that ended the run. */
export const ProgressLine = ({ $id: _, ...result }: TSchema): TSchema =>
  Type.Union(
    [
      Strict({ progress: Progress }),
      Strict({ result: result as TSchema }),
      Strict({ error: Strict({ title: Type.String(), detail: Type.String() }) }),
    ],
    { description: 'One JSON object per line' },
  );

/** One line of the NDJSON export: a stored event envelope. */
export const ExportLine: TSchema = Strict(StoredEvent, { description: 'One stored event envelope per line' });

const Difference = Strict({
  collection: Type.String(),
  id: Type.String(),
  kind: Type.Union([Type.Literal('missing'), Type.Literal('unexpected'), Type.Literal('different')]),
  fields: Type.Optional(Type.Array(Type.String())),
  expected: Type.Union([Json, Type.Null()]),
  actual: Type.Union([Json, Type.Null()]),
});

export const ReplayCheckResponse = Strict(
  {
    ok: Type.Boolean(),
    position: Type.Integer(),
    events: Type.Integer(),
    documents: Type.Record(Type.String(), Type.Integer()),
    differenceCount: Type.Integer(),
    differences: Type.Array(Difference),
    unsettled: Type.Array(Strict({ collection: Type.String(), id: Type.String() })),
    liveBehind: Type.Optional(Type.Literal(true)),
    seconds: Type.Number(),
  },
  { $id: 'ReplayCheckResponse' },
);

export const StandingsQuery = Strict(
  {
    position: Type.Optional(Position('A global position: the standings as the log stood there')),
    at: Type.Optional(Moment('A moment: every event that occurred at or before it')),
    adjudication: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 10_000,
        description: "A closed period's standings: 0 the close; the latest by default",
      }),
    ),
    limit: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 1000, default: 100, description: 'Entries listed from the top' }),
    ),
  },
  {
    allOf: [
      Constraint('position', 'give position or at (exactly one)', {
        oneOf: [{ required: ['position'] }, { required: ['at'] }],
      }),
    ],
  },
);
export type StandingsQuery = Static<typeof StandingsQuery>;

const Standing = Strict({
  rank: Type.Integer({ minimum: 1 }),
  playerId: Type.String(),
  score: Type.Integer(),
  subscore: Type.Integer(),
  achievedAt: Type.String({ format: 'date-time' }),
});

export const StandingsResponse = Strict(
  {
    leaderboardId: Type.String(),
    period: Type.String(),
    asOf: Type.Union([
      Strict({ position: Type.Integer() }),
      Strict({ timestamp: Type.String({ format: 'date-time' }) }),
    ]),
    status: Type.Union([Type.Literal('unknown'), Type.Literal('open'), Type.Literal('closed')], {
      description: "closed: the standings are the close's (scores up to its cut), adjudicated as asked",
    }),
    adjudication: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]),
    excluded: Type.Array(Type.String()),
    entries: Type.Integer({ minimum: 0 }),
    standingsHash: Type.String({ description: 'SHA-256 (base64url) of the complete standings' }),
    top: Type.Array(Standing),
    verification: Type.Optional(
      Strict(
        { recordedHash: Type.String(), matches: Type.Boolean() },
        {
          description:
            'A closed period: the hash its close or adjudication recorded, and whether the log still gives it',
        },
      ),
    ),
  },
  { $id: 'StandingsResponse' },
);
export type StandingsResponse = Static<typeof StandingsResponse>;
