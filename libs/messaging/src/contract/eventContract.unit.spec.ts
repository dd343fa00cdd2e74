import { randomUUID } from 'node:crypto';
import {
  CURRENCY_PATTERN,
  type DomainEvent,
  ID_PATTERN,
  audit,
  catalog,
  economy,
  fold,
  leaderboards,
} from '@app/domain';
import type { RecordedEvent } from '@app/event-store';
import Ajv from 'ajv';
import { HEADERS, WATERMARK_TYPE, toEventMessage, toWatermarkMessage } from '../envelope';
import asyncapi from './asyncapi.json';
import { type DecodedMessage, EVENT_TYPES, decodeEventMessage, validateEvent } from './eventContract';

type Schema = Record<string, unknown> & { properties?: Record<string, Schema>; pattern?: string };
type Example = { headers?: Record<string, string>; payload?: unknown };
type Message = { name: string; headers: Schema; payload: Schema; examples?: Example[] };
const document = asyncapi as unknown as {
  components: { schemas: Record<string, Schema>; messages: Record<string, Message> };
};
const messages = Object.values(document.components.messages);
const messageOf = (type: string): Message => {
  const message = messages.find((candidate) => candidate.payload.properties?.type?.const === type);
  if (!message) throw new Error(`no message for ${type}`);
  return message;
};

/** Every event type the deciders emit, produced by them from commands, in stream order. */
const eventsFromTheDeciders = (): { streamId: string; event: DomainEvent }[] => {
  const out: { streamId: string; event: DomainEvent }[] = [];
  const record = <E extends DomainEvent>(streamId: string, events: E[]): E[] => {
    out.push(...events.map((event) => ({ streamId, event })));
    return events;
  };

  const potion = {
    sku: 'health-potion',
    name: ' Health Potion ',
    prices: { GOLD: 10, GEMS: 1 },
    stackable: true,
    maxStack: 99,
  };
  const itemStream = catalog.catalogItemStreamId(potion.sku);
  const defined = record(
    itemStream,
    catalog.catalogDecider.decide({ type: 'DefineCatalogItem', data: potion }, catalog.initialState()),
  );
  const item = fold(catalog.catalogDecider, defined);
  record(
    itemStream,
    catalog.catalogDecider.decide(
      { type: 'DefineCatalogItem', data: { ...potion, prices: { GOLD: 12, GEMS: 1 } } },
      item,
    ),
  );

  const playerId = 'p-1';
  const wallet = economy.playerEconomyStreamId(playerId);
  let state = economy.initialState();
  const change = (command: economy.PlayerEconomyCommand) => {
    const events = record(wallet, economy.playerEconomyDecider.decide(command, state));
    state = fold(economy.playerEconomyDecider, events, state);
  };
  change({ type: 'GrantCurrency', data: { playerId, currency: 'GOLD', amount: 100, reason: 'welcome' } });
  change({
    type: 'PurchaseItem',
    data: { playerId, sku: potion.sku, quantity: 3, currency: 'GOLD', item },
  });
  change({ type: 'ConsumeItem', data: { playerId, sku: potion.sku, quantity: 3, item } });
  change({ type: 'SpendCurrency', data: { playerId, currency: 'GOLD', amount: 70, reason: 'guild fee' } });

  const board = {
    leaderboardId: 'weekly_kills',
    sortOrder: 'asc',
    operator: 'increment',
    resetSchedule: 'weekly',
    minScore: -50,
  } as const;
  const boardStream = leaderboards.leaderboardStreamId(board.leaderboardId);
  const boardDefined = record(
    boardStream,
    leaderboards.leaderboardDecider.decide(
      { type: 'DefineLeaderboard', data: board },
      leaderboards.initialState(),
    ),
  );
  const leaderboard = fold(leaderboards.leaderboardDecider, boardDefined);
  record(
    boardStream,
    leaderboards.leaderboardDecider.decide(
      { type: 'DefineLeaderboard', data: { ...board, maxScore: 1000 } },
      leaderboard,
    ),
  );
  record(
    leaderboards.playerScoresStreamId(board.leaderboardId, playerId),
    leaderboards.playerScoresDecider.decide(
      {
        type: 'SubmitScore',
        data: {
          leaderboardId: board.leaderboardId,
          playerId,
          score: -7,
          metadata: { matchId: 'm-981', ranked: true, kills: 3.5 },
          submittedAt: new Date('2026-11-21T07:18:03.512Z'),
          leaderboard,
        },
      },
      leaderboards.initialPlayerScores(),
    ),
  );
  record(
    audit.AUDIT_STREAM_ID,
    audit.logAnchorsDecider.decide(
      {
        type: 'AnchorLog',
        data: {
          fromPosition: 0,
          position: out.length,
          eventCount: out.length,
          previousDigest: audit.GENESIS_DIGEST,
          digest: 'c0ffee'.padEnd(64, '0'),
          streamHeads: { [wallet]: 3, [boardStream]: 1 },
        },
      },
      audit.initialState(),
    ),
  );
  return out;
};

/** Wraps events the way the store records them: per-stream revision, global position, full metadata. */
const recorded = (events: { streamId: string; event: DomainEvent }[]): RecordedEvent[] => {
  const revisions = new Map<string, number>();
  return events.map(({ streamId, event }, index) => {
    const revision = (revisions.get(streamId) ?? -1) + 1;
    revisions.set(streamId, revision);
    const commandId = randomUUID();
    return {
      id: randomUUID(),
      type: event.type,
      streamId,
      revision,
      position: index + 1,
      occurredAt: new Date(Date.UTC(2026, 10, 21, 7, 0, index)).toISOString(),
      data: event.data,
      metadata: {
        schemaVersion: 1,
        commandId,
        requestHash: 'x3QhJ0mT9rV2cWkq8yLpN4bZ6fD1sGaE5uHoKjIi7Yw',
        correlationId: `req-${index}`,
        causationId: commandId,
        actor: 'game-server',
      },
    };
  });
};

const domainEvents = recorded(eventsFromTheDeciders());
const eventOf = (type: string) => domainEvents.find((event) => event.type === type) as RecordedEvent;
const purchase = eventOf('ItemPurchased');

// The specs below corrupt parsed JSON on purpose: any field may become anything.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;
/** A deep copy of the event of this type, as parsed JSON, with one change. */
const changed = (type: string, change: (event: Json) => void): Json => {
  const copy = JSON.parse(JSON.stringify(eventOf(type)));
  change(copy);
  return copy;
};
const purchaseWith = (change: (event: Json) => void): Json => changed('ItemPurchased', change);
const decode = (value: unknown, headers: Record<string, string | undefined> = {}): DecodedMessage =>
  decodeEventMessage(typeof value === 'string' ? value : JSON.stringify(value), headers);

describe('event contract (asyncapi.json)', () => {
  describe('accepts what the domain emits, as the relay publishes it', () => {
    it('covers every documented event type', () =>
      expect(new Set(domainEvents.map((event) => event.type))).toEqual(new Set(EVENT_TYPES)));

    it.each(domainEvents.map((event) => [event.type, event] as const))('%s', (type, event) => {
      const message = toEventMessage(event);
      expect(decodeEventMessage(Buffer.from(message.value), message.headers)).toEqual({
        kind: 'event',
        event,
      });
      // The headers toEventMessage writes are the ones the document promises.
      const validateHeaders = new Ajv({ strict: false }).compile(messageOf(type).headers);
      expect(validateHeaders(message.headers) ? [] : validateHeaders.errors).toEqual([]);
    });

    it('ignores envelope and metadata fields it does not know (tolerant reader)', () =>
      expect(
        validateEvent(
          purchaseWith((event) => {
            event.tenant = 'eu';
            event.metadata.deviceId = 'd-7';
          }),
        ),
      ).toEqual({ ok: true }));
  });

  describe('watermarks', () => {
    const watermark = { [HEADERS.eventType]: WATERMARK_TYPE };

    it('decodes the control message the relay sends, by its header', () => {
      const message = toWatermarkMessage(42, 3);
      expect(decodeEventMessage(Buffer.from(message.value), message.headers)).toEqual({
        kind: 'watermark',
        position: 42,
      });
    });

    it.each([
      ['{"position":-1}', 'invalid-envelope', '/position must be >= 0'],
      ['{"position":"42"}', 'invalid-envelope', '/position must be integer'],
      ['{}', 'invalid-envelope', '/position is required'],
      ['position=42', 'unparseable', 'not JSON'],
    ])('%s is poison (%s)', (value, reason, detail) =>
      expect(decodeEventMessage(value, watermark)).toEqual({
        kind: 'poison',
        reason,
        detail: expect.stringContaining(detail),
      }),
    );
  });

  describe('classifies poison messages', () => {
    const headers = toEventMessage(purchase).headers;
    it.each<[string, string | null, Record<string, string | undefined>, string, string]>([
      ['no value (tombstone)', null, headers, 'unparseable', 'no value'],
      ['not JSON', '{"id": ', headers, 'unparseable', 'not JSON'],
      ['a JSON array', '[1,2]', headers, 'unparseable', 'not an object'],
      ['a JSON string', '"ItemPurchased"', headers, 'unparseable', 'not an object'],
      [
        'a type the document does not know',
        JSON.stringify(purchaseWith((event) => (event.type = 'PlayerTeleported'))),
        {},
        'unknown-type',
        'unknown event type "PlayerTeleported"',
      ],
      [
        'a newer schemaVersion',
        JSON.stringify(purchaseWith((event) => (event.metadata.schemaVersion = 2))),
        {},
        'schema-too-new',
        'ItemPurchased schemaVersion 2 is newer than 1',
      ],
      [
        'an older schemaVersion than any described',
        JSON.stringify(purchaseWith((event) => (event.metadata.schemaVersion = 0))),
        {},
        'invalid-envelope',
        '/metadata/schemaVersion must be >= 1',
      ],
      [
        'no type',
        JSON.stringify(purchaseWith((event) => delete event.type)),
        {},
        'invalid-envelope',
        '/type must be a string',
      ],
      [
        'no data',
        JSON.stringify(purchaseWith((event) => delete event.data)),
        headers,
        'invalid-envelope',
        '/data is required',
      ],
      [
        'an event-type header contradicting the type',
        JSON.stringify(purchase),
        { ...headers, [HEADERS.eventType]: 'ItemConsumed' },
        'invalid-envelope',
        'header event-type "ItemConsumed" but type "ItemPurchased"',
      ],
      [
        'a schema-version header contradicting the metadata',
        JSON.stringify(purchase),
        { ...headers, [HEADERS.schemaVersion]: '2' },
        'invalid-envelope',
        'header schema-version "2" but schemaVersion 1',
      ],
    ])('%s', (_, value, messageHeaders, reason, detail) =>
      expect(decodeEventMessage(value, messageHeaders)).toEqual({
        kind: 'poison',
        reason,
        detail: expect.stringContaining(detail),
      }),
    );

    it('accepts an event without headers: the value is authoritative', () =>
      expect(decode(purchase)).toEqual({ kind: 'event', event: purchase }));
  });

  describe('rejects an invalid field and names it', () => {
    it.each<[string, Json, string]>([
      [
        'amount as a string',
        changed('CurrencyGranted', (e) => (e.data.amount = '100')),
        '/data/amount must be integer',
      ],
      ['negative amount', changed('CurrencySpent', (e) => (e.data.amount = -5)), '/data/amount must be >= 1'],
      ['zero quantity', purchaseWith((e) => (e.data.quantity = 0)), '/data/quantity must be >= 1'],
      [
        'fractional price',
        purchaseWith((e) => (e.data.unitPrice.amount = 9.99)),
        '/data/unitPrice/amount must be integer',
      ],
      [
        'amount beyond 2^53-1',
        purchaseWith((e) => (e.data.totalPrice.amount = 2 ** 53)),
        '/data/totalPrice/amount must be <= 9007199254740991',
      ],
      [
        'negative balance',
        purchaseWith((e) => (e.data.balanceAfter = -1)),
        '/data/balanceAfter must be >= 0',
      ],
      ['an extra data property', purchaseWith((e) => (e.data.discount = 5)), '/data/discount is not allowed'],
      [
        'an extra Money property',
        purchaseWith((e) => (e.data.totalPrice.tax = 1)),
        '/data/totalPrice/tax is not allowed',
      ],
      ['a missing data field', purchaseWith((e) => delete e.data.sku), '/data/sku is required'],
      [
        'a lower-case currency',
        changed('CurrencyGranted', (e) => (e.data.currency = 'gold')),
        '/data/currency must match pattern',
      ],
      ["an id with '.'", purchaseWith((e) => (e.data.playerId = 'a.b')), '/data/playerId must match pattern'],
      [
        'a blank reason',
        changed('CurrencySpent', (e) => (e.data.reason = '   ')),
        '/data/reason must match pattern',
      ],
      [
        'an untrimmed item name',
        changed('CatalogItemDefined', (e) => (e.data.name = 'Potion ')),
        '/data/name must match pattern',
      ],
      [
        'no price at all',
        changed('CatalogItemDefined', (e) => (e.data.prices = {})),
        '/data/prices must NOT have fewer than 1 properties',
      ],
      [
        'a price in a bad currency',
        changed('CatalogItemDefined', (e) => (e.data.prices = { gold: 1 })),
        '/data/prices key "gold" must match pattern',
      ],
      [
        'maxStack on a non-stackable item',
        changed('CatalogItemDefined', (e) => (e.data.stackable = false)),
        '/data/maxStack is not allowed',
      ],
      [
        'an unknown sort order',
        changed('LeaderboardDefined', (e) => (e.data.sortOrder = 'up')),
        '/data/sortOrder must be one of desc, asc',
      ],
      [
        'a fractional score',
        changed('ScoreSubmitted', (e) => (e.data.score = 1.5)),
        '/data/score must be integer',
      ],
      [
        'an impossible period',
        changed('ScoreSubmitted', (e) => (e.data.period = '2026-13')),
        '/data/period must match pattern',
      ],
      [
        'nested score metadata',
        changed('ScoreSubmitted', (e) => (e.data.metadata = { deep: { x: 1 } })),
        '/data/metadata/deep must be string,number,boolean',
      ],
      [
        'a score metadata key with a space',
        changed('ScoreSubmitted', (e) => (e.data.metadata = { 'match id': 'm-1' })),
        '/data/metadata key "match id" must match pattern',
      ],
      [
        'more than 16 score metadata keys',
        changed(
          'ScoreSubmitted',
          (e) => (e.data.metadata = Object.fromEntries([...Array(17).keys()].map((k) => [`k${k}`, k]))),
        ),
        '/data/metadata must NOT have more than 16 properties',
      ],
      [
        'a timestamp without zone',
        changed('ScoreSubmitted', (e) => (e.data.entry.achievedAt = '2026-11-21 07:00')),
        '/data/entry/achievedAt must match format "date-time"',
      ],
      ['a non-UUID id', purchaseWith((e) => (e.id = 'event-1')), '/id must match format "uuid"'],
      ['a negative revision', purchaseWith((e) => (e.revision = -1)), '/revision must be >= 0'],
      ['position 0', purchaseWith((e) => (e.position = 0)), '/position must be >= 1'],
      [
        'an occurredAt that is no date',
        purchaseWith((e) => (e.occurredAt = 'yesterday')),
        '/occurredAt must match format "date-time"',
      ],
      [
        "another aggregate's stream",
        purchaseWith((e) => (e.streamId = 'catalogItem-health-potion')),
        '/streamId must match pattern',
      ],
      ['no metadata', purchaseWith((e) => delete e.metadata), '/metadata is required'],
    ])('%s', (_, invalid, error) =>
      expect(validateEvent(invalid)).toEqual({ ok: false, errors: expect.stringContaining(error) }),
    );
  });

  describe('agrees with the domain', () => {
    const { schemas } = document.components;
    it('uses the domain id and currency patterns', () => {
      expect(schemas.Id.pattern).toBe(ID_PATTERN.source);
      expect(schemas.CurrencyCode.pattern).toBe(CURRENCY_PATTERN.source);
    });

    it('lists the domain sort orders, operators and reset schedules', () => {
      const definition = schemas.LeaderboardDefinition.properties as Record<string, Schema>;
      expect(schemas.SortOrder.enum).toEqual(leaderboards.SORT_ORDERS);
      expect(definition.operator.enum).toEqual(leaderboards.SCORE_OPERATORS);
      expect(definition.resetSchedule.enum).toEqual(leaderboards.RESET_SCHEDULES);
    });

    it('accepts the period label of every schedule', () => {
      const period = new RegExp(schemas.ScoreSubmittedData.properties?.period.pattern as string);
      for (const day of [0, 3, 59, 180, 364, 365, 370]) {
        const at = new Date(Date.UTC(2026, 0, 1 + day, 23, 59));
        for (const schedule of leaderboards.RESET_SCHEDULES) {
          expect(leaderboards.periodOf(schedule, at)).toMatch(period);
        }
      }
    });
  });

  it("every example in the document is valid against its own message's schemas", () => {
    const examples = messages.flatMap((message) =>
      (message.examples ?? []).map((example) => ({ message, example })),
    );
    expect(examples.length).toBeGreaterThan(EVENT_TYPES.length);
    for (const { message, example } of examples) {
      const validateHeaders = new Ajv({ strict: false }).compile(message.headers);
      expect({
        message: message.name,
        errors: validateHeaders(example.headers) ? null : validateHeaders.errors,
      }).toEqual({
        message: message.name,
        errors: null,
      });
      if (message.name === WATERMARK_TYPE) {
        expect(decode(example.payload, example.headers).kind).toBe('watermark');
      } else if (example.payload !== undefined) {
        expect({ message: message.name, result: validateEvent(example.payload) }).toEqual({
          message: message.name,
          result: { ok: true },
        });
      }
    }
  });

  it('decodes without compiling anything per message', () => {
    const compile = jest.spyOn(Ajv.prototype, 'compile');
    try {
      for (const event of domainEvents) decode(event, toEventMessage(event).headers);
      decode(purchaseWith((event) => (event.data.quantity = -1)));
      expect(compile).not.toHaveBeenCalled();
    } finally {
      compile.mockRestore();
    }
  });
});
