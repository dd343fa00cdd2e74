/**
 * The process of the closed-period benchmark (bench/frozen.ts forks it with IPC and --expose-gc): one
 * leaderboard period of `entries` entries held twice, live in one MemoryReadStore and closed in another
 * (the leaderboard projection applied its LeaderboardPeriodClosed: the group frozen), in the same process.
 *
 * - Memory: the V8 heap plus ArrayBuffer backing stores (where typed arrays keep their elements, outside
 *   the heap), after a full GC, before and after each store is filled.
 * - Latency: the queries the api runs on a board (top 100, the next page after a cursor, a player's rank,
 *   an around-me window of 21, one entry by id), in rounds alternating between the two stores so that
 *   drift on a shared machine falls on both alike.
 * - The close's freeze, the longest the event loop waited meanwhile, and the first write to a frozen
 *   entry (which thaws the group first).
 */
import type { leaderboards } from '@app/domain';
import {
  type AnyProjection,
  type LeaderboardEntryView,
  boardRanking,
  leaderboardEntryView,
  project,
} from '@app/projections';
import type { DocumentWrite } from '@app/read-store';
import { MemoryReadStore } from '@app/read-store/memory';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { FrozenGroup } from '../libs/read-store/src/memory/frozenGroup';
import { type Distribution, distribution, now } from './support/stats';

export type FrozenWorkerConfig = {
  role: 'frozen';
  entries: number;
  /** Calls per query kind and store. */
  queries: number;
  /** Share of the entries whose submission carried metadata. */
  metadataShare: number;
};

export type FrozenQuery = 'top100' | 'nextPage' | 'rankOf' | 'aroundMe' | 'find';

export type FrozenWorkerReport = {
  entries: number;
  /** Heap + array buffers held by each store, MB. */
  memoryMb: { live: number; frozen: number };
  /** Latency per query kind, µs. */
  latency: Record<FrozenQuery, { live: Distribution; frozen: Distribution }>;
  freezeSeconds: number;
  /** The longest the event loop waited during the freeze (it builds the columns in steps), ms. */
  freezeStallMs: number;
  /** The first write to the frozen group: thaw, then the write. */
  thawSeconds: number;
  /** How the frozen group holds each field (FrozenGroup.layout). */
  layout: Record<string, string>;
};

const LEADERBOARD = 'board-0';
const PERIOD = '2026-01';
const QUERY = boardRanking(LEADERBOARD, PERIOD);
const COLLECTION = leaderboardEntryView.collection.name;

const gc = () => {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (!collect) throw new Error('the frozen benchmark needs node --expose-gc');
  collect();
  collect();
};
const heldBytes = () => {
  gc();
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return heapUsed + arrayBuffers;
};

/** A deterministic pseudo-random integer below `bound`. */
const randomFrom = (seed: number) => (bound: number) => {
  seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0;
  return seed % bound;
};

const playerId = (n: number) => `player-${String(n).padStart(7, '0')}`;

/**
 * The period's entries as the api's read model holds them: each one the leaderboard projection's
 * document for a ScoreSubmitted event read back from the log (JSON), so strings are per event as after
 * a replay. Scores as the log generator draws them; achievements spread over the month, to the ms.
 */
function* entryWrites(count: number, metadataShare: number): Generator<DocumentWrite[]> {
  const random = randomFrom(7);
  const monthStart = Date.UTC(2026, 0, 1);
  const batch = 10_000;
  for (let from = 0; from < count; from += batch) {
    const writes: DocumentWrite[] = [];
    for (let n = from; n < Math.min(count, from + batch); n++) {
      const achievedAt = new Date(monthStart + random(31 * 86_400_000)).toISOString();
      const score = random(1_000_000);
      const data = {
        leaderboardId: LEADERBOARD,
        playerId: playerId(n),
        period: PERIOD,
        score,
        subscore: 0,
        ...(random(1000) < metadataShare * 1000
          ? { metadata: { character: 'mage', level: random(60) } }
          : {}),
        submittedAt: achievedAt,
        sortOrder: 'desc' as leaderboards.SortOrder,
        entry: { score, subscore: 0, achievedAt },
      };
      const event = JSON.parse(JSON.stringify({ type: 'ScoreSubmitted', data, revision: random(20) }));
      const doc = leaderboardEntryView.evolve(null, event)!;
      writes.push({ collection: COLLECTION, id: doc._id, doc });
    }
    yield writes;
  }
}

/** The period's close as the log delivers it (what the projection reads of it: its board and period). */
const periodClosed = (entries: number) => ({
  id: 'close',
  type: 'LeaderboardPeriodClosed',
  streamId: `leaderboardPeriod-${LEADERBOARD}.${PERIOD}`,
  revision: 1,
  position: Number.MAX_SAFE_INTEGER - 1,
  occurredAt: '2026-02-01T00:00:05.000Z',
  data: {
    leaderboardId: LEADERBOARD,
    period: PERIOD,
    cut: entries,
    closedAt: '2026-02-01T00:00:05.000Z',
    rewards: [],
    entries,
    standingsHash: '',
    top: [],
  },
});

async function fill(store: MemoryReadStore, config: FrozenWorkerConfig): Promise<void> {
  let position = 0;
  for (const writes of entryWrites(config.entries, config.metadataShare))
    await store.commit(writes, ++position);
}

async function run(config: FrozenWorkerConfig): Promise<FrozenWorkerReport> {
  const collections = [leaderboardEntryView.collection as never];
  const stalls = monitorEventLoopDelay({ resolution: 5 });
  const empty = heldBytes();
  const live = new MemoryReadStore(collections);
  await fill(live, config);
  const withLive = heldBytes();
  const frozen = new MemoryReadStore(collections);
  await fill(frozen, config);
  stalls.enable();
  let start = now();
  await project(frozen, [leaderboardEntryView as unknown as AnyProjection], [periodClosed(config.entries)]);
  const freezeSeconds = (now() - start) / 1000;
  stalls.disable();
  if (!frozen.isFrozen(QUERY)) throw new Error('the close did not freeze the period');
  const withBoth = heldBytes();
  const entries = await frozen.count(QUERY);
  if (entries !== (await live.count(QUERY))) throw new Error('the two stores disagree');

  // The queries, each on inputs drawn the same for both stores.
  const random = randomFrom(11);
  const page = await live.slice(QUERY, 0, entries);
  const cursors = Array.from({ length: 1000 }, () => {
    const { rankScore, rankSubscore, achievedAt, playerId: player } = page[random(entries)];
    return { rankScore, rankSubscore, achievedAt, playerId: player };
  });
  const ids = Array.from({ length: 1000 }, () => page[random(entries)]._id);
  page.length = 0;
  const queries: Record<FrozenQuery, (store: MemoryReadStore, i: number) => Promise<unknown>> = {
    top100: (store) => store.page(QUERY, undefined, 100),
    nextPage: (store, i) => store.page<LeaderboardEntryView>(QUERY, cursors[i % cursors.length], 100),
    rankOf: (store, i) => store.rankOf(QUERY, ids[i % ids.length]),
    aroundMe: (store, i) => store.slice(QUERY, ((i * 7919) % entries) - 10, 21),
    find: (store, i) => store.find(leaderboardEntryView.collection, ids[i % ids.length]),
  };
  const latency = {} as FrozenWorkerReport['latency'];
  const rounds = 10;
  const perRound = Math.max(1, Math.ceil(config.queries / rounds));
  for (const [name, query] of Object.entries(queries) as [FrozenQuery, (typeof queries)[FrozenQuery]][]) {
    const samples = { live: [] as number[], frozen: [] as number[] };
    for (const store of [live, frozen])
      for (let i = 0; i < Math.min(500, perRound); i++) await query(store, i);
    for (let round = 0; round < rounds; round++) {
      for (const [which, store] of [
        ['live', live],
        ['frozen', frozen],
      ] as const) {
        for (let i = round * perRound; i < (round + 1) * perRound; i++) {
          const begin = performance.now();
          await query(store, i);
          samples[which].push((performance.now() - begin) * 1000);
        }
      }
    }
    latency[name] = { live: distribution(samples.live), frozen: distribution(samples.frozen) };
  }

  // How the group is held, then the first write to it: a thaw, then the write.
  const layout = FrozenGroup.build(await live.slice(QUERY, 0, entries), ['rankScore'])!.layout();
  const target = (await frozen.find<LeaderboardEntryView>(leaderboardEntryView.collection, ids[0]))!;
  start = now();
  await frozen.commit(
    [{ collection: COLLECTION, id: target._id, doc: { ...target, revision: target.revision + 1 } }],
    Number.MAX_SAFE_INTEGER,
  );
  const thawSeconds = (now() - start) / 1000;

  const mb = (bytes: number) => bytes / 2 ** 20;
  return {
    entries,
    memoryMb: { live: mb(withLive - empty), frozen: mb(withBoth - withLive) },
    latency,
    freezeSeconds,
    freezeStallMs: stalls.max / 1e6,
    thawSeconds,
    layout,
  };
}

if (require.main === module) {
  run(JSON.parse(process.argv[2]) as FrozenWorkerConfig).then(
    (report) => process.send!({ type: 'frozen', report }, () => process.exit(0)),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
