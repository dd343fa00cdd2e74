import { audit, economy, leaderboards } from '@app/domain';

/** A seeded generator (mulberry32): a failing case is found again from its seed. */
export const seededRandom = (seed: number) => {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (max: number) => Math.floor(next() * max);
  const pick = <T>(values: readonly T[]): T => values[int(values.length)];
  return { next, int, pick, chance: (p: number) => next() < p };
};

export type Random = ReturnType<typeof seededRandom>;

/** Every stream's events as the store gives them back: JSON, with no undefined and no Date left. */
const stored = <E>(events: E[]): E[] => JSON.parse(JSON.stringify(events)) as E[];

const PLAYERS = ['p1', 'p2', 'p3', 'p4'];
const CURRENCIES = ['GOLD', 'GEMS', 'TOKENS'];
const SKUS = ['potion', 'sword', 'shield'];
const BOARDS = ['daily', 'cup'];
const PERIODS = ['2026-01-01', '2026-01-02', 'window'];

const changes = (random: Random) => ({
  currencies: CURRENCIES.filter(() => random.chance(0.4)).map((currency) => ({
    currency,
    amount: 1 + random.int(50),
    balanceAfter: random.int(3),
  })),
  items: SKUS.filter(() => random.chance(0.3)).map((sku) => ({
    sku,
    quantity: 1 + random.int(3),
    quantityAfter: random.int(3),
  })),
});

/**
 * Events of every type a player's economy stream holds, with small value ranges so that balances and
 * holdings reach 0 (and leave the state) and rewards of one period are granted and taken back.
 */
export const economyEvents = (random: Random, count: number): economy.PlayerEconomyEvent[] =>
  stored(
    Array.from({ length: count }, (): economy.PlayerEconomyEvent => {
      const playerId = 'p1';
      const source = { leaderboardId: random.pick(BOARDS), period: random.pick(PERIODS), adjudication: 0 };
      switch (random.int(8)) {
        case 0:
        case 1: {
          const type = random.pick(['CurrencyGranted', 'CurrencySpent'] as const);
          const currency = random.pick(CURRENCIES);
          return { type, data: { playerId, currency, amount: 5, reason: 'r', balanceAfter: random.int(3) } };
        }
        case 2: {
          const currency = random.pick(CURRENCIES);
          return {
            type: 'ItemPurchased',
            data: {
              playerId,
              sku: random.pick(SKUS),
              quantity: 1,
              unitPrice: { currency, amount: 3 },
              totalPrice: { currency, amount: 3 },
              balanceAfter: random.int(3),
              quantityAfter: random.int(3),
            },
          };
        }
        case 3:
          return {
            type: 'ItemConsumed',
            data: { playerId, sku: random.pick(SKUS), quantity: 1, quantityAfter: random.int(3) },
          };
        case 4:
          return {
            type: 'TournamentEntered',
            data: {
              playerId,
              leaderboardId: random.pick(BOARDS),
              reservationId: `r${random.int(4)}`,
              ...(random.chance(0.5)
                ? { fee: { currency: random.pick(CURRENCIES), amount: 2, balanceAfter: random.int(3) } }
                : {}),
              ...(random.chance(0.3)
                ? { itemFee: { sku: random.pick(SKUS), quantity: 1, quantityAfter: random.int(3) } }
                : {}),
            },
          };
        case 5:
          return {
            type: 'TournamentEntryLapsed',
            data: {
              playerId,
              leaderboardId: random.pick(BOARDS),
              reservationId: `r${random.int(4)}`,
              reason: random.pick(['refused', 'lapsed'] as const),
            },
          };
        case 6:
          return {
            type: 'RewardGranted',
            data: { ...source, playerId, rank: 1 + random.int(5), ...changes(random) },
          };
        default:
          return {
            type: 'RewardClawedBack',
            data: {
              ...source,
              playerId,
              ...changes(random),
              ...(random.chance(0.5)
                ? { shortfall: { currencies: { [random.pick(CURRENCIES)]: 1 + random.int(4) } } }
                : {}),
            },
          };
      }
    }),
  );

/** A board's definitions and a tournament's seats, reserved, confirmed and released by a few players. */
export const leaderboardEvents = (random: Random, count: number): leaderboards.LeaderboardEvent[] =>
  stored(
    Array.from({ length: count }, (_, index): leaderboards.LeaderboardEvent => {
      const leaderboardId = 'cup';
      if (index === 0 || random.chance(0.05)) {
        return {
          type: index === 0 ? 'LeaderboardDefined' : 'LeaderboardUpdated',
          data: {
            leaderboardId,
            sortOrder: random.pick(['desc', 'asc'] as const),
            operator: random.pick(['best', 'latest', 'increment'] as const),
            resetSchedule: {
              type: 'window',
              start: '2026-01-01T00:00:00.000Z',
              end: '2026-01-08T00:00:00.000Z',
            },
            ...(random.chance(0.5) ? { minScore: random.int(10) } : {}),
            tournament: { joinClosesAt: '2026-01-02T00:00:00.000Z', maxParticipants: 1 + random.int(100) },
          },
        };
      }
      const seat = { leaderboardId, playerId: random.pick(PLAYERS), reservationId: `r${random.int(3)}` };
      switch (random.int(3)) {
        case 0:
          return {
            type: 'TournamentSeatReserved',
            data: { ...seat, expiresAt: `2026-01-01T00:0${random.int(9)}:00.000Z` },
          };
        case 1:
          return { type: 'TournamentSeatConfirmed', data: seat };
        default:
          return {
            type: 'TournamentSeatReleased',
            data: { ...seat, reason: random.pick(['refused', 'lapsed'] as const) },
          };
      }
    }),
  );

/** One player's submissions to a board, over a few periods. */
export const scoreEvents = (random: Random, count: number): leaderboards.ScoreSubmissionEvent[] =>
  stored(
    Array.from({ length: count }, (): leaderboards.ScoreSubmissionEvent => {
      const score = random.int(1000) - 100;
      const entry = {
        score: random.int(1000),
        subscore: random.int(10),
        achievedAt: `2026-01-01T00:00:0${random.int(9)}.000Z`,
      };
      return {
        type: 'ScoreSubmitted',
        data: {
          leaderboardId: 'daily',
          playerId: 'p1',
          period: random.pick(PERIODS),
          score,
          subscore: 0,
          ...(random.chance(0.3) ? { metadata: { map: random.pick(['a', 'b']), level: random.int(5) } } : {}),
          submittedAt: entry.achievedAt,
          sortOrder: 'desc',
          entry,
        },
      };
    }),
  );

/** The audit stream's anchors, one range after another. */
export const anchorEvents = (random: Random, count: number): audit.AuditEvent[] => {
  let position = 0;
  return stored(
    Array.from({ length: count }, (): audit.AuditEvent => {
      const fromPosition = position;
      position += 1 + random.int(1000);
      return {
        type: 'LogAnchored',
        data: {
          fromPosition,
          position,
          eventCount: position - fromPosition,
          previousDigest: random.int(16).toString(16).repeat(64),
          digest: random.int(16).toString(16).repeat(64),
          streamHeads: { [`playerEconomy-${random.pick(PLAYERS)}`]: random.int(100) },
        },
      };
    }),
  );
};
