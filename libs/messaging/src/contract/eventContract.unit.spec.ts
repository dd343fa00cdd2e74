import { randomUUID } from 'node:crypto';
import { summarizeStandings } from '@app/audit';
import {
  type Command,
  CURRENCY_PATTERN,
  type Decider,
  DomainError,
  type DomainEvent,
  ID_PATTERN,
  audit,
  catalog,
  economy,
  sessions,
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
  /** One stream: each command decided on the state its previous events left. */
  const stream = <State, Cmd extends Command, E extends DomainEvent>(
    streamId: string,
    decider: Decider<State, Cmd, E>,
  ) => {
    let state = decider.initialState();
    return {
      run: (command: Cmd): E[] => {
        const events = record(streamId, decider.decide(command, state));
        state = fold(decider, events, state);
        return events;
      },
      state: () => state,
    };
  };

  const gold = stream(catalog.currencyStreamId('GOLD'), catalog.currencyDecider);
  gold.run({ type: 'DefineCurrency', data: { code: 'GOLD', name: ' Gold ' } });
  gold.run({ type: 'DefineCurrency', data: { code: 'GOLD', name: 'Gold coins' } });

  const potion = {
    sku: 'health-potion',
    name: ' Health Potion ',
    prices: { GOLD: 10, GEMS: 1 },
    stackable: true,
    maxStack: 99,
  };
  const potions = stream(catalog.catalogItemStreamId(potion.sku), catalog.catalogDecider);
  potions.run({ type: 'DefineCatalogItem', data: potion });
  const item = potions.state();
  potions.run({
    type: 'DefineCatalogItem',
    data: { ...potion, prices: { GOLD: 12, GEMS: 1 }, maxStack: 5 },
  });
  const repriced = potions.state();
  const known: leaderboards.KnownCatalog = {
    currency: (code) => gold.state().status === 'Defined' && code === 'GOLD',
    item: (sku) => sku === potion.sku,
  };

  const walletOf = (playerId: string) =>
    stream(economy.playerEconomyStreamId(playerId), economy.playerEconomyDecider);
  const wallets = new Map<string, ReturnType<typeof walletOf>>();
  /** A command on its player's economy stream. */
  const change = (command: economy.PlayerEconomyCommand) => {
    const { playerId } = command.data;
    const wallet = wallets.get(playerId) ?? walletOf(playerId);
    wallets.set(playerId, wallet);
    return wallet.run(command);
  };
  const grant = (playerId: string, amount: number) =>
    change({ type: 'GrantCurrency', data: { playerId, currency: 'GOLD', amount, reason: 'welcome' } });

  const playerId = 'p-1';
  grant(playerId, 100);
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
  const weekly = stream(
    leaderboards.leaderboardStreamId(board.leaderboardId),
    leaderboards.leaderboardDecider,
  );
  weekly.run({ type: 'DefineLeaderboard', data: { ...board, catalog: known } });
  const leaderboard = weekly.state();
  weekly.run({ type: 'DefineLeaderboard', data: { ...board, maxScore: 1000, catalog: known } });
  const score = (
    boardState: leaderboards.Leaderboard,
    player: string,
    points: number,
    submittedAt: string,
    metadata?: leaderboards.ScoreMetadata,
  ) => {
    const leaderboardId = (boardState as leaderboards.LeaderboardDefinition).leaderboardId;
    return record(
      leaderboards.playerScoresStreamId(leaderboardId, player),
      leaderboards.playerScoresDecider.decide(
        {
          type: 'SubmitScore',
          data: {
            leaderboardId,
            playerId: player,
            score: points,
            ...(metadata ? { metadata } : {}),
            submittedAt: new Date(submittedAt),
            decidedAt: new Date(submittedAt),
            leaderboard: boardState,
          },
        },
        leaderboards.initialPlayerScores(),
      ),
    );
  };
  score(leaderboard, playerId, -7, '2026-11-21T07:18:03.512Z', {
    matchId: 'm-981',
    ranked: true,
    kills: 3.5,
  });

  // A board of 6-hour periods with a reward table: its periods are labelled by their start instant.
  const rush = stream(leaderboards.leaderboardStreamId('rush'), leaderboards.leaderboardDecider);
  rush.run({
    type: 'DefineLeaderboard',
    data: {
      leaderboardId: 'rush',
      sortOrder: 'desc',
      operator: 'best',
      resetSchedule: { type: 'every', count: 6, unit: 'hours', anchor: '2026-11-21T00:00:00Z' },
      rewards: [{ fromRank: 1, toRank: 3, currencies: { GOLD: 25 } }],
      catalog: known,
    },
  });
  score(rush.state(), playerId, 31, '2026-11-21T07:18:04.001Z');

  // A tournament: one window, a fee, a reward table paying GOLD and potions.
  const window = {
    type: 'window',
    start: '2026-12-10T00:00:00.000Z',
    end: '2026-12-11T00:00:00.000Z',
  } as const;
  const rewards: leaderboards.RewardTier[] = [
    { fromRank: 1, toRank: 1, currencies: { GOLD: 1000 }, items: { [potion.sku]: 5 } },
    { fromRank: 2, toRank: 10, currencies: { GOLD: 100 } },
  ];
  const cup = stream(leaderboards.leaderboardStreamId('winter-cup'), leaderboards.leaderboardDecider);
  cup.run({
    type: 'DefineLeaderboard',
    data: {
      leaderboardId: 'winter-cup',
      sortOrder: 'desc',
      operator: 'best',
      resetSchedule: window,
      minScore: 0,
      rewards,
      tournament: {
        joinOpensAt: '2026-12-09T00:00:00Z',
        joinClosesAt: '2026-12-10T12:00:00.000Z',
        maxParticipants: 100,
        entryFee: { currency: 'GOLD', amount: 50 },
      },
      catalog: known,
    },
  });
  // Joining as the application's saga does: reserve, enter (pay), then confirm, or lapse and release.
  const joinAt = new Date('2026-12-09T18:30:00.000Z');
  const join = (board: typeof cup, player: string) => {
    const leaderboardId = (board.state() as leaderboards.LeaderboardDefinition).leaderboardId;
    const reservationId = randomUUID();
    const expiresAt = new Date(joinAt.getTime() + 60_000);
    board.run({
      type: 'ReserveSeat',
      data: { leaderboardId, playerId: player, reservationId, now: joinAt, expiresAt },
    });
    const fee = (board.state() as leaderboards.LeaderboardDefinition).tournament?.entryFee;
    const settle = (reason: 'refused' | 'lapsed') => {
      change({
        type: 'LapseTournamentEntry',
        data: { playerId: player, leaderboardId, reservationId, reason },
      });
      board.run({ type: 'ReleaseSeat', data: { playerId: player, reservationId, reason } });
    };
    return {
      enter: () => {
        try {
          change({ type: 'EnterTournament', data: { playerId: player, leaderboardId, reservationId, fee } });
        } catch (refusal) {
          if (!(refusal instanceof DomainError)) throw refusal;
          settle('refused');
          return;
        }
        board.run({ type: 'ConfirmSeat', data: { playerId: player, reservationId } });
      },
      lapse: () => settle('lapsed'),
    };
  };
  grant(playerId, 60);
  join(cup, playerId).enter();
  join(cup, 'p-2').enter(); // nothing to pay with: refused
  join(cup, 'p-4').lapse(); // never came back to pay
  grant('p-3', 600);
  change({
    type: 'PurchaseItem',
    data: { playerId: 'p-3', sku: potion.sku, quantity: 2, currency: 'GOLD', item: repriced },
  });
  join(cup, 'p-3').enter();
  // A second tournament whose fee is an item.
  const duel = stream(leaderboards.leaderboardStreamId('potion-duel'), leaderboards.leaderboardDecider);
  duel.run({
    type: 'DefineLeaderboard',
    data: {
      leaderboardId: 'potion-duel',
      sortOrder: 'asc',
      operator: 'latest',
      resetSchedule: window,
      tournament: {
        joinClosesAt: window.end,
        maxParticipants: 2,
        entryFee: { sku: potion.sku, quantity: 1 },
      },
      catalog: known,
    },
  });
  join(duel, 'p-3').enter();

  // The window's scores, its timer and close, payouts, an exclusion, the adjudication and its payouts.
  const period = leaderboards.periodOf(window, new Date(window.start)) as string;
  const bounds = leaderboards.periodBounds(window, period) as leaderboards.PeriodBounds;
  const closer = stream(
    leaderboards.leaderboardPeriodStreamId('winter-cup', period),
    leaderboards.leaderboardPeriodDecider,
  );
  closer.run({
    type: 'SchedulePeriodClose',
    data: {
      leaderboardId: 'winter-cup',
      period,
      startsAt: bounds.start,
      endsAt: bounds.end,
      after: out.length,
    },
  });
  const scores = [
    ...score(cup.state(), 'p-3', 900, '2026-12-10T09:12:45.090Z'),
    ...score(cup.state(), playerId, 700, '2026-12-10T18:40:02.871Z'),
  ] as leaderboards.ScoreSubmitted[];
  const standings = (excluded: string[] = []) =>
    summarizeStandings(
      leaderboards.rankStandings(leaderboards.entriesOf(scores, period).values(), 'desc', new Set(excluded)),
    );
  const closedAt = new Date(bounds.end.getTime() + leaderboards.SCORE_GRACE_MS);
  closer.run({ type: 'ClosePeriod', data: { cut: out.length, now: closedAt, rewards, ...standings() } });
  const payouts = (adjudication: number, ranks: Map<string, number>, before = new Map<string, number>()) => {
    const source = { leaderboardId: 'winter-cup', period, adjudication };
    let players = 0;
    for (const player of new Set([...ranks.keys(), ...before.keys()])) {
      const rank = ranks.get(player);
      const reward = leaderboards.rewardFor(rewards, rank);
      const catalogNow = new Map([[potion.sku, potions.state()]]);
      const settled = change({
        type: 'SettleReward',
        data: {
          playerId: player,
          source,
          ...(reward ? { owed: { rank: rank!, reward } } : {}),
          catalog: catalogNow,
        },
      });
      if (settled.length > 0) players += 1;
    }
    closer.run({ type: 'RecordRewardsPaid', data: { adjudication, players } });
  };
  const ranksOf = (summary: ReturnType<typeof standings>) =>
    new Map(summary.top.map((standing) => [standing.playerId, standing.rank]));
  // p-3 holds 1 potion of at most 5: 1 of the 5 won is withheld.
  payouts(0, ranksOf(standings()));
  change({
    type: 'SpendCurrency',
    data: { playerId: 'p-3', currency: 'GOLD', amount: 1426, reason: 'shop' },
  });
  change({ type: 'ConsumeItem', data: { playerId: 'p-3', sku: potion.sku, quantity: 1, item: repriced } });
  closer.run({ type: 'ExcludePlayer', data: { playerId: 'p-3', reason: ' aimbot ', ranked: true } });
  closer.run({ type: 'AdjudicatePeriod', data: { excluded: ['p-3'], ...standings(['p-3']) } });
  // p-1 moves up to 1st; p-3 owes back 1000 GOLD and 5 potions but holds 100 GOLD and 4 potions.
  payouts(1, ranksOf(standings(['p-3'])), ranksOf(standings()));

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
          streamHeads: { [economy.playerEconomyStreamId(playerId)]: 3 },
        },
      },
      audit.initialState(),
    ),
  );
  record(
    sessions.playerSessionsStreamId(playerId),
    sessions.playerSessionsDecider.decide(
      {
        type: 'RevokePlayerSessions',
        data: { playerId, reason: 'account compromised', now: '2026-11-21T08:00:00.000Z' },
      },
      sessions.playerSessionsDecider.initialState(),
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
const changed = (
  type: string,
  change: (event: Json) => void,
  which: (event: RecordedEvent) => boolean = () => true,
): Json => {
  const copy = JSON.parse(JSON.stringify(domainEvents.find((event) => event.type === type && which(event))));
  change(copy);
  return copy;
};
const isTournament = (event: RecordedEvent) => (event.data as Json).tournament !== undefined;
const hasRewards = (event: RecordedEvent) => (event.data as Json).rewards !== undefined;
const isRepeating = (event: RecordedEvent) => (event.data as Json).resetSchedule?.type === 'every';
const hasFee = (event: RecordedEvent) => (event.data as Json).fee !== undefined;
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
      [
        'a period instant without milliseconds',
        changed('ScoreSubmitted', (e) => (e.data.period = '2026-12-10T00:00:00Z')),
        '/data/period must match pattern',
      ],
      [
        'a tournament on a calendar schedule',
        changed('LeaderboardDefined', (e) => (e.data.resetSchedule = 'daily'), isTournament),
        '/data/resetSchedule must be object',
      ],
      [
        'rewards on a board whose period never ends',
        changed('LeaderboardDefined', (e) => (e.data.resetSchedule = 'never'), hasRewards),
        '/data/rewards is not allowed',
      ],
      [
        'an every schedule in seconds',
        changed('LeaderboardDefined', (e) => (e.data.resetSchedule.unit = 'seconds'), isRepeating),
        '/data/resetSchedule/unit must be one of minutes, hours, days',
      ],
      [
        'a reward tier that pays nothing',
        changed('LeaderboardDefined', (e) => delete e.data.rewards[0].currencies, hasRewards),
        '/data/rewards/0/currencies is required',
      ],
      [
        'an entry fee in a lower-case currency',
        changed('LeaderboardDefined', (e) => (e.data.tournament.entryFee.currency = 'gold'), isTournament),
        '/data/tournament/entryFee/currency must match pattern',
      ],
      [
        'a reservation id that is no UUID',
        changed('TournamentSeatReserved', (e) => (e.data.reservationId = 'r-1')),
        '/data/reservationId must match format "uuid"',
      ],
      [
        'a seat released for another reason',
        changed('TournamentSeatReleased', (e) => (e.data.reason = 'kicked')),
        '/data/reason must be one of refused, lapsed',
      ],
      [
        'an entry paid in currency and items',
        changed('TournamentEntered', (e) => (e.data.itemFee = { sku: 'x', quantity: 1, quantityAfter: 0 })),
        '/data must NOT be valid',
      ],
      [
        'a fee without the balance it left',
        changed(
          'TournamentEntered',
          (e) => delete e.data.fee.balanceAfter,
          (e) => hasFee(e),
        ),
        '/data/fee/balanceAfter is required',
      ],
      ['a reward for rank 0', changed('RewardGranted', (e) => (e.data.rank = 0)), '/data/rank must be >= 1'],
      [
        'a reward of the never-ending period',
        changed('RewardGranted', (e) => (e.data.period = 'all')),
        '/data/period must match pattern',
      ],
      [
        'an empty withheld record',
        changed('RewardGranted', (e) => (e.data.withheld = {})),
        '/data/withheld must NOT have fewer than 1 properties',
      ],
      [
        'a clawback after the close',
        changed('RewardClawedBack', (e) => (e.data.adjudication = 0)),
        '/data/adjudication must be >= 1',
      ],
      [
        'a close in the stream of the board',
        changed('LeaderboardPeriodClosed', (e) => (e.streamId = 'leaderboard-winter-cup')),
        '/streamId must match pattern',
      ],
      [
        'a standings hash in hex',
        changed('LeaderboardPeriodClosed', (e) => (e.data.standingsHash = 'ab'.repeat(32))),
        '/data/standingsHash must match pattern',
      ],
      [
        'more than the best 10 in a close',
        changed('LeaderboardPeriodClosed', (e) => (e.data.top = Array(11).fill(e.data.top[0]))),
        '/data/top must NOT have more than 10 items',
      ],
      [
        'an untrimmed exclusion reason',
        changed('PlayerExcludedFromPeriod', (e) => (e.data.reason = 'aimbot ')),
        '/data/reason must match pattern',
      ],
      [
        'an adjudication that excludes nobody',
        changed('LeaderboardPeriodAdjudicated', (e) => (e.data.excluded = [])),
        '/data/excluded must NOT have fewer than 1 items',
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

    it('lists the domain sort orders, operators, schedules and limits', () => {
      const definition = schemas.LeaderboardDefinition.properties as Record<string, Schema>;
      const property = (schema: string, name: string) => schemas[schema].properties?.[name] as Schema;
      expect(schemas.SortOrder.enum).toEqual(leaderboards.SORT_ORDERS);
      expect(definition.operator.enum).toEqual(leaderboards.SCORE_OPERATORS);
      expect(definition.resetSchedule).toEqual({ $ref: '#/components/schemas/ResetSchedule' });
      expect(schemas.CalendarSchedule.enum).toEqual(leaderboards.CALENDAR_SCHEDULES);
      expect(property('RepeatingSchedule', 'unit').enum).toEqual(leaderboards.REPEAT_UNITS);
      expect(property('RewardTier', 'toRank').maximum).toBe(leaderboards.MAX_REWARDED_RANK);
      expect(schemas.RewardTable.maxItems).toBe(leaderboards.MAX_REWARD_TIERS);
      expect(property('LeaderboardPeriodClosedData', 'top').maxItems).toBe(leaderboards.RECORDED_TOP);
    });

    it('accepts the period label of every schedule, and takes only a period that ends as a period stream', () => {
      const scorePeriod = new RegExp(schemas.ScoreSubmittedData.properties?.period.pattern as string);
      const endingPeriod = new RegExp(schemas.PeriodLabel.pattern as string);
      const periodStream = new RegExp(
        messageOf('LeaderboardPeriodClosed').payload.properties?.streamId.pattern as string,
      );
      const schedules: leaderboards.ResetSchedule[] = [
        ...leaderboards.CALENDAR_SCHEDULES,
        ...leaderboards.REPEAT_UNITS.map((unit) => ({
          type: 'every' as const,
          count: 7,
          unit,
          anchor: '2026-03-29T01:30:00.250Z',
        })),
        { type: 'window', start: '2025-12-31T23:59:59.999Z', end: '2027-01-10T00:00:00.000Z' },
      ];
      for (const day of [0, 3, 59, 180, 364, 365, 370]) {
        const at = new Date(Date.UTC(2026, 0, 1 + day, 23, 59, 30, 5));
        for (const schedule of schedules) {
          const label = leaderboards.periodOf(schedule, at) as string;
          expect(label).toMatch(scorePeriod);
          expect(leaderboards.isPeriodOf(schedule, label)).toBe(true);
          if (!leaderboards.periodsEnd(schedule)) {
            expect(label).not.toMatch(endingPeriod);
            continue;
          }
          expect(label).toMatch(endingPeriod);
          expect(leaderboards.leaderboardPeriodStreamId('winter-cup', label)).toMatch(periodStream);
        }
      }
      for (const label of [
        '2026-13',
        '2026-02-30x',
        '2026-W54',
        '2026-12-10T00:00:00Z',
        '2026-12-10T24:00:00.000Z',
      ]) {
        expect(label).not.toMatch(scorePeriod);
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
