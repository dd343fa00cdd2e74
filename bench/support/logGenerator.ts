import { GENESIS_HASH, eventHash } from '@app/audit';
import { catalog, leaderboards } from '@app/domain';
import { type NewEvent } from '@app/event-store';
import { SqliteEventStore } from '@app/event-store/sqlite';
import { randomUUID } from 'node:crypto';
import { EconomyTraffic, commandMetadata, trafficPlayerId } from './economyTraffic';
import { now } from './stats';

/** Generated boards pay no rewards and charge no fee: they name no currency or item. */
const NO_CATALOG: leaderboards.KnownCatalog = { currency: () => false, item: () => false };

export type LogOptions = {
  /** The SQLite file to write (created with the store's schema; an existing log is appended to). */
  file: string;
  /** Events to write, board definitions included. */
  events: number;
  /** Players the economy events and scores are spread over (round-robin); about 50 events each by default, at most 10,000 players. */
  players?: number;
  /** Leaderboards (`board-0`, `board-1`, ...; desc, best, never reset) the scores go to. */
  boards?: number;
  /** Share of the events that are score submissions; the rest are grants and purchases (one in four). */
  scoreShare?: number;
  /** Appends handed to the store per group commit (one transaction, one fsync). */
  batch?: number;
  /** Hash-chain every event as the command side does (metadata hash and previousHash), for the audit benchmarks. */
  chained?: boolean;
};

export type GeneratedLog = {
  file: string;
  events: number;
  byType: Record<string, number>;
  players: number;
  boards: string[];
  seconds: number;
};

export const boardId = (index: number): string => `board-${index}`;

/**
 * Writes a realistic event log: leaderboard definitions, then currency grants, item purchases and
 * score submissions decided by the domain's own deciders (so every event is one the API could have
 * appended, at the right stream revision), through the event store's append API, `batch` appends per
 * group commit at synchronous=NORMAL (the fill is not what is measured). Scores are deterministic
 * (seeded); ids are random. Used by the benchmark suite (replay, rank queries) and the replay checks.
 */
export async function generateLog(options: LogOptions): Promise<GeneratedLog> {
  const { file, events, scoreShare = 0.3, batch = 2000 } = options;
  const players = options.players ?? Math.max(1, Math.min(10_000, Math.ceil(events / 50)));
  const boardCount = options.boards ?? 3;
  const boards = Array.from({ length: boardCount }, (_, i) => boardId(i));
  const store = new SqliteEventStore(file, { synchronous: 'NORMAL' });
  const append = appender(store, options.chained ?? false);
  const byType: Record<string, number> = {};
  const count = (type: string) => (byType[type] = (byType[type] ?? 0) + 1);
  const start = now();
  try {
    const definitions = boards.map((leaderboardId) => {
      const definition: leaderboards.LeaderboardDefinition = {
        leaderboardId,
        sortOrder: 'desc',
        operator: 'best',
        resetSchedule: 'never',
      };
      const [event] = leaderboards.defineLeaderboard(
        { type: 'DefineLeaderboard', data: { ...definition, catalog: NO_CATALOG } },
        leaderboards.initialState(),
      );
      return { leaderboardId, event, state: leaderboards.evolve(leaderboards.initialState(), event) };
    });
    await Promise.all(
      definitions.map(({ leaderboardId, event }) => {
        count(event.type);
        return append(leaderboards.leaderboardStreamId(leaderboardId), toNew(event), 'no_stream');
      }),
    );

    const economy = new EconomyTraffic(players);
    // Per board and player: the last entry (what submitScore folds) and the stream's revision.
    const scores = new Map<string, { state: leaderboards.PlayerScores; revision: number }>();
    const random = seeded(7);
    let scoreTurn = 0;
    const nextScore = () => {
      const turn = scoreTurn++;
      const { leaderboardId, state: board } = definitions[turn % boardCount];
      const playerId = `player-${String(Math.floor(turn / boardCount) % players).padStart(6, '0')}`;
      const streamId = leaderboards.playerScoresStreamId(leaderboardId, playerId);
      const held = scores.get(streamId) ?? { state: leaderboards.initialPlayerScores(), revision: -1 };
      const [event] = leaderboards.submitScore(
        {
          type: 'SubmitScore',
          data: {
            leaderboardId,
            playerId,
            score: random(1_000_000),
            submittedAt: new Date(),
            decidedAt: new Date(),
            leaderboard: board,
          },
        },
        held.state,
      );
      const expected = held.revision < 0 ? ('no_stream' as const) : held.revision;
      scores.set(streamId, {
        state: leaderboards.evolvePlayerScores(held.state, event),
        revision: held.revision + 1,
      });
      return { streamId, expected, event: toNew(event) };
    };

    let written = boardCount;
    let scoreCredit = 0;
    while (written < events) {
      const round: Promise<unknown>[] = [];
      for (let i = 0; i < batch && written < events; i++, written++) {
        scoreCredit += scoreShare;
        const next = scoreCredit >= 1 ? (scoreCredit--, nextScore()) : economy.next();
        count(next.event.type);
        round.push(append(next.streamId, next.event, next.expected));
      }
      await Promise.all(round);
    }
    return { file, events: written, byType, players, boards, seconds: (now() - start) / 1000 };
  } finally {
    await store.close();
  }
}

export type CompetitionLogOptions = {
  /** The SQLite file to write (created with the store's schema). */
  file: string;
  leaderboardId: string;
  /** Players with one score each in the window (`player-000000`, ...). */
  players: number;
  /** The board's one period; every score is submitted inside it, while the log is written. */
  window: { start: Date; end: Date };
  /** The board's reward table; the currencies and items it names are defined first. */
  rewards: leaderboards.RewardTier[];
  /** Appends handed to the store per group commit. */
  batch?: number;
};

export type CompetitionLog = { file: string; period: string; events: number; seconds: number };

/**
 * Writes the log of a competition about to end: the currencies and items a reward table pays, a board
 * with a `window` schedule and that table, its period's durable close timer (LeaderboardPeriodScheduled,
 * `after` the head before any score, as the api writes it before the period's first score), then one
 * score per player in the window. Every event is decided by the domain's deciders at the right stream
 * revision and hash-chained as the command side chains it; scores are deterministic (seeded).
 */
export async function generateCompetitionLog(options: CompetitionLogOptions): Promise<CompetitionLog> {
  const { file, leaderboardId, players, window, rewards, batch = 2000 } = options;
  const store = new SqliteEventStore(file, { synchronous: 'NORMAL' });
  const append = appender(store, true);
  const start = now();
  let events = 0;
  const write = async (streamId: string, [event]: { type: string; data: object }[]) => {
    events++;
    await append(streamId, toNew(event), 'no_stream');
  };
  try {
    const currencies = [...new Set(rewards.flatMap((tier) => Object.keys(tier.currencies ?? {})))];
    const items = [...new Set(rewards.flatMap((tier) => Object.keys(tier.items ?? {})))];
    for (const code of currencies) {
      const data = { code, name: code };
      await write(
        catalog.currencyStreamId(code),
        catalog.defineCurrency({ type: 'DefineCurrency', data }, { status: 'Undefined' }),
      );
    }
    for (const sku of items) {
      const data = {
        sku,
        name: sku,
        prices: Object.fromEntries(currencies.map((code) => [code, 1])),
        stackable: true,
      };
      await write(
        catalog.catalogItemStreamId(sku),
        catalog.defineCatalogItem({ type: 'DefineCatalogItem', data }, catalog.initialState()),
      );
    }
    const known: leaderboards.KnownCatalog = {
      currency: (code) => currencies.includes(code),
      item: (sku) => items.includes(sku),
    };
    const resetSchedule = {
      type: 'window',
      start: window.start.toISOString(),
      end: window.end.toISOString(),
    } as const;
    const defined = leaderboards.defineLeaderboard(
      {
        type: 'DefineLeaderboard',
        data: { leaderboardId, sortOrder: 'desc', operator: 'best', resetSchedule, rewards, catalog: known },
      },
      leaderboards.initialState(),
    );
    await write(leaderboards.leaderboardStreamId(leaderboardId), defined);
    const board = leaderboards.evolve(leaderboards.initialState(), defined[0]);
    const period = leaderboards.periodOf(resetSchedule, window.start)!;
    await write(
      leaderboards.leaderboardPeriodStreamId(leaderboardId, period),
      leaderboards.decidePeriod(
        {
          type: 'SchedulePeriodClose',
          data: {
            leaderboardId,
            period,
            startsAt: window.start,
            endsAt: window.end,
            after: await store.headPosition(),
          },
        },
        leaderboards.initialPeriodState(),
      ),
    );
    const random = seeded(11);
    for (let from = 0; from < players; from += batch) {
      const round: Promise<unknown>[] = [];
      for (let player = from; player < Math.min(players, from + batch); player++) {
        const playerId = trafficPlayerId(player);
        const submittedAt = new Date();
        const command = {
          type: 'SubmitScore',
          data: {
            leaderboardId,
            playerId,
            score: random(1_000_000_000),
            submittedAt,
            decidedAt: submittedAt,
            leaderboard: board,
          },
        } as const;
        const [event] = leaderboards.submitScore(command, leaderboards.initialPlayerScores());
        events++;
        round.push(
          append(leaderboards.playerScoresStreamId(leaderboardId, playerId), toNew(event), 'no_stream'),
        );
      }
      await Promise.all(round);
    }
    return { file, period, events, seconds: (now() - start) / 1000 };
  } finally {
    await store.close();
  }
}

/** A seeded generator (an LCG): integers in [0, bound), the same sequence for the same seed. */
const seeded = (seed: number) => (bound: number) => {
  seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0;
  return seed % bound;
};

/**
 * Appends one event at `expected`; with `chained`, hash-chains it first as the command side does
 * (metadata hash and previousHash, from each stream's last hash).
 */
const appender = (store: SqliteEventStore, chained: boolean) => {
  const links = new Map<string, string>();
  return (streamId: string, event: NewEvent, expected: 'no_stream' | number) => {
    if (chained) {
      const previousHash = links.get(streamId) ?? GENESIS_HASH;
      const revision = expected === 'no_stream' ? 0 : expected + 1;
      const occurredAt = event.occurredAt.toISOString();
      const hash = eventHash({ ...event, streamId, revision, occurredAt, previousHash });
      event.metadata = { ...event.metadata, previousHash, hash };
      links.set(streamId, hash);
    }
    return store.appendToStream(streamId, [event], expected);
  };
};

const toNew = (event: { type: string; data: object }): NewEvent => ({
  id: randomUUID(),
  type: event.type,
  data: event.data as NewEvent['data'],
  metadata: commandMetadata(),
  occurredAt: new Date(),
});
