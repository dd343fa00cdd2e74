import { economy, leaderboards } from '@app/domain';
import type { RecordedEvent } from '@app/event-store';
import { SqliteEventStore } from '@app/event-store/sqlite';
import { sleep } from '@test/support/clusterWorkers';
import { seededRandom } from '@test/support/random';
import { freePort, waitFor } from '@test/support/servers';
import { type ApiClient, apiClient, keys, testApiKeys } from '@test/support/testApp';
import { WorkerProcess } from '@test/support/workers';
import { randomInt } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Reproduce a run with PERIOD_CLOSER_SEED=<the seed in the suite's name>. */
const SEED = Number(process.env.PERIOD_CLOSER_SEED ?? randomInt(1, 2 ** 31));
const random = seededRandom(SEED);
/** An integer in [0, below). */
const randomBelow = (below: number) => Math.floor(random() * below);

const KILLS = 10;
const LEASE_TTL_MS = 1000;
const PLAYERS = 360;
const FUNDS = 100;
/** Pays 320 of 360 ranks, in currency and items, over four rank ranges. */
const REWARDS = [
  { fromRank: 1, toRank: 1, currencies: { GOLD: 1_000 }, items: { crown: 1 } },
  { fromRank: 2, toRank: 10, currencies: { GOLD: 500 }, items: { medal: 2 } },
  { fromRank: 11, toRank: 100, currencies: { GOLD: 100 }, items: { medal: 1 } },
  { fromRank: 101, toRank: 320, currencies: { GOLD: 10 } },
];
/** Three boards, each its own period to close and pay, each ranking the players in another order. */
const BOARDS = [
  { id: 'spring-cup', multiplier: 7919 },
  { id: 'summer-cup', multiplier: 104_729 },
  { id: 'autumn-cup', multiplier: 1_299_709 },
];
const playerIds = Array.from({ length: PLAYERS }, (_, i) => `racer-${String(i).padStart(3, '0')}`);
/** Distinct scores (100,003 is prime and no multiplier a multiple of it). */
const scoreOf = (board: (typeof BOARDS)[number], i: number) => ((i * board.multiplier) % 100_003) + 1;

type Reward = { GOLD: number; crown: number; medal: number };
const rewardAt = (rank: number | undefined): Reward => {
  const tier = REWARDS.find((each) => rank !== undefined && rank >= each.fromRank && rank <= each.toRank);
  const items: Partial<Record<'crown' | 'medal', number>> = tier?.items ?? {};
  return { GOLD: tier?.currencies.GOLD ?? 0, crown: items.crown ?? 0, medal: items.medal ?? 0 };
};

/**
 * Each winner is paid exactly once, whatever happens to the period closer: the closer runs in api
 * processes sharing one SQLite event store (two at a time, one active through the `period-closer` lease),
 * and the active one is killed with SIGKILL at random points of closes, payouts and adjudications, and
 * restarted each time; then one is frozen (SIGSTOP) past its lease in the middle of a payout and resumed
 * (SIGCONT) while the other pays the same standings, and once more after the other has settled a later
 * adjudication of the period. The verdict is read from the log alone: for every player and period, what
 * was granted less what was taken back equals what the player's final rank pays, each adjudication's
 * payout and each close recorded once, and every balance is the funding plus the rewards.
 */
describe(`period closer: exactly-once payouts under kill -9 and racing closers (e2e, seed ${SEED})`, () => {
  let dataDir: string;
  /** The log, read directly: what the test observes and judges by. */
  let events: SqliteEventStore;
  /** The api the game and the operators talk to; it runs no closer (PERIOD_CLOSER=false). */
  let api: WorkerProcess;
  let apiUrl: string;
  let client: ApiClient;
  const closers: WorkerProcess[] = [];
  let period: string;
  /** Where every kill and pause landed, to explain a failure. */
  const journal: string[] = [];
  let kills = 0;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'period-closer-'));
    // The schema first, so the processes do not race to create it.
    events = new SqliteEventStore(join(dataDir, 'events.db'));
    const shared = { DATA_DIR: dataDir, API_KEYS: testApiKeys, SQLITE_SYNCHRONOUS: 'NORMAL' };
    // The closers listen on a port of the system's choosing, a new one at each restart.
    for (let i = 0; i < 2; i++) {
      const closer = new WorkerProcess('api', {
        ...shared,
        PERIOD_CLOSER_LEASE_TTL_MS: String(LEASE_TTL_MS),
      });
      closer.start();
      closers.push(closer);
    }
    const port = await freePort();
    apiUrl = `http://127.0.0.1:${port}`;
    client = apiClient(apiUrl);
    api = new WorkerProcess('api', { ...shared, PORT: String(port), PERIOD_CLOSER: 'false' });
    api.start();
    await waitFor('the api', async () => (await fetch(`${apiUrl}/health`)).ok, {
      timeoutMs: 60_000,
      alive: () => api.running,
    }).catch((error: Error) => Promise.reject(new Error(`${error.message}\n${api.output}`)));
    await activeCloser();
  }, 120_000);

  afterAll(async () => {
    process.stderr.write(`period closer, seed ${SEED}:\n${journal.join('\n')}\n`);
    for (const worker of [...closers, api]) {
      worker?.resume();
      await worker?.close();
    }
    await events?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  /** A command to the api, with a fresh Idempotency-Key; resolves with the status. */
  const command = async (method: string, path: string, body: unknown, key = keys.admin) =>
    (await client.command(method, path, body, key)).status;

  /** On failure, where the kills and pauses landed and what the closers last said. */
  const explain = () =>
    [
      `seed ${SEED}`,
      ...journal,
      ...closers.map((closer, i) => `--- closer ${i} ---\n${closer.output.slice(-3000)}`),
    ].join('\n');

  const closerHolding = async (): Promise<WorkerProcess | undefined> => {
    const holder = await events.leaseHolder('period-closer');
    return closers.find((closer) => closer.running && holder?.owner.includes(`-${closer.pid}-`));
  };
  /** The closer process that holds the lease, once one does. */
  const activeCloser = async (): Promise<WorkerProcess> => {
    await waitFor('a closer holding the lease', async () => (await closerHolding()) !== undefined, {
      timeoutMs: 60_000,
      intervalMs: 5,
    }).catch((error: Error) => Promise.reject(new Error(`${error.message}\n${explain()}`)));
    return (await closerHolding())!;
  };

  const periodStream = (boardId: string) => leaderboards.leaderboardPeriodStreamId(boardId, period);
  const periodState = async (boardId: string) =>
    (await events.readStream(periodStream(boardId))).reduce(
      (state, event) =>
        leaderboards.evolvePeriod(state, event as unknown as leaderboards.LeaderboardPeriodEvent),
      leaderboards.initialPeriodState(),
    );
  /** How many standings the board's period has recorded (the close is the first) and paid. */
  const progressOf = async (boardId: string) => {
    const state = await periodState(boardId);
    return state.status === 'Unscheduled'
      ? { adjudications: 0, paidThrough: -1 }
      : { adjudications: state.adjudications.length, paidThrough: state.paidThrough };
  };
  /**
   * Excludes a player from every board and freezes (SIGSTOP) the active closer a random moment after it
   * settled the first reward of the new standings: in the middle of paying them. Returns the frozen closer
   * once the other has taken its lapsed lease.
   */
  const freezeInPayout = async (round: string): Promise<WorkerProcess> => {
    const next = (await progressOf(BOARDS[0].id)).adjudications;
    let seen = await events.headPosition();
    await excludeOnePerBoard(round);
    const frozen = await activeCloser();
    let paying = '';
    await waitFor(
      `the payout of adjudication ${next}`,
      async () => {
        for (const event of await events.readAll(seen, 1000)) {
          seen = event.position;
          const data = event.data as { leaderboardId?: string; adjudication?: number };
          if (event.type.startsWith('Reward') && data.adjudication === next) {
            paying = data.leaderboardId!;
            return true;
          }
        }
        return false;
      },
      { timeoutMs: 60_000, intervalMs: 1 },
    );
    await sleep(randomBelow(3));
    frozen.pause();
    const paid = (await progressOf(paying)).paidThrough >= next;
    journal.push(
      `${round}: froze pid ${frozen.pid} at position ${await events.headPosition()} paying adjudication ` +
        `${next} of ${paying} (${paid ? 'all paid already' : 'unfinished'})`,
    );
    await waitFor(
      'the other closer taking the lapsed lease',
      async () => ![undefined, frozen].includes(await closerHolding()),
      { timeoutMs: 60_000, intervalMs: 5 },
    ).catch((error: Error) => Promise.reject(new Error(`${error.message}\n${explain()}`)));
    return frozen;
  };

  /** Every board's period is closed, adjudicated after each exclusion and paid: nothing is left to do. */
  const settled = async () => {
    for (const { id } of BOARDS) {
      const state = await periodState(id);
      if (state.status !== 'Closed') return false;
      if (leaderboards.pendingWork(state, new Date(8.64e15)) !== undefined) return false;
    }
    return true;
  };
  const untilSettled = (what: string) =>
    waitFor(what, settled, { timeoutMs: 120_000, intervalMs: 20 }).catch((error: Error) =>
      Promise.reject(new Error(`${error.message}\n${explain()}`)),
    );

  /** The excluded players of a board, in the order they were excluded (from the log). */
  const excludedFrom = async (boardId: string) => {
    const state = await periodState(boardId);
    return state.status === 'Unscheduled' ? [] : [...state.excluded];
  };
  /** The ranks the test expects: every score, best first, without the excluded players. */
  const expectedRanks = (board: (typeof BOARDS)[number], excluded: readonly string[]) =>
    new Map(
      playerIds
        .map((playerId, i) => ({ playerId, score: scoreOf(board, i) }))
        .filter(({ playerId }) => !excluded.includes(playerId))
        .sort((a, b) => b.score - a.score)
        .map(({ playerId }, index) => [playerId, index + 1]),
    );

  /** Excludes from each board one player ranked among the first 110 now: every reward edge may move. */
  const excludeOnePerBoard = async (round: string) => {
    for (const board of BOARDS) {
      const ranks = expectedRanks(board, await excludedFrom(board.id));
      const rank = 1 + randomBelow(110);
      const playerId = [...ranks].find(([, each]) => each === rank)![0];
      const excluded = await command(
        'POST',
        `/v1/leaderboards/${board.id}/periods/${encodeURIComponent(period)}/exclusions`,
        { playerId, reason: `collusion found in review ${round}` },
      );
      expect(excluded).toBe(201);
      journal.push(`${round}: excluded ${playerId} (rank ${rank}) from ${board.id}`);
    }
  };

  /**
   * Kills the active closer with SIGKILL at a random point: after a random number (0..maxEvents) of new
   * events in the log, then a random pause shorter than `maxDelayMs`, unless the work is done by then;
   * restarts it at once. Returns whether it killed (with work left to do).
   */
  const killAtRandomPoint = async (maxEvents: number, maxDelayMs: number): Promise<boolean> => {
    const victim = await activeCloser();
    const from = await events.headPosition();
    const after = randomBelow(maxEvents + 1);
    const delayMs = randomBelow(maxDelayMs);
    // The head is read often (it is cheap) and the periods' streams now and then.
    let probes = 0;
    await waitFor(
      'the kill point',
      async () => (await events.headPosition()) >= from + after || (++probes % 50 === 0 && (await settled())),
      { timeoutMs: 120_000, intervalMs: 1 },
    );
    await sleep(delayMs);
    if (await settled()) return false;
    const pid = victim.pid;
    await victim.kill9();
    const head = await events.headPosition();
    journal.push(`kill ${kills + 1}: pid ${pid} at position ${head} (${after} events + ${delayMs} ms)`);
    victim.start();
    return true;
  };

  it('defines the rewards, funds the players and scores three boards inside their window', async () => {
    expect(await command('PUT', '/v1/catalog/currencies/GOLD', { name: 'Gold' })).toBe(201);
    for (const sku of ['crown', 'medal']) {
      const item = await command('PUT', `/v1/catalog/items/${sku}`, {
        name: sku,
        prices: { GOLD: 1_000_000 },
        stackable: true,
      });
      expect(item).toBe(201);
    }

    const inBatches = async (work: (() => Promise<number>)[]) => {
      const statuses: number[] = [];
      for (let i = 0; i < work.length; i += 16) {
        statuses.push(...(await Promise.all(work.slice(i, i + 16).map((each) => each()))));
      }
      return statuses;
    };
    const started = Date.now();
    const funded = await inBatches(
      playerIds.map(
        (playerId) => () =>
          command(
            'POST',
            `/v1/players/${playerId}/grants`,
            { currency: 'GOLD', amount: FUNDS, reason: 'season start' },
            keys.game,
          ),
      ),
    );
    expect(funded).toEqual(playerIds.map(() => 201));
    // The window holds the three boards' scores, one command each like a grant: three fundings' time,
    // with as much again to spare, scaled by how fast this machine ran the funding.
    const fundingMs = Date.now() - started;
    const start = new Date(Date.now() - 1000);
    const end = new Date(Date.now() + 2000 + 6 * fundingMs);
    period = start.toISOString();
    for (const board of BOARDS) {
      const defined = await command('PUT', `/v1/leaderboards/${board.id}`, {
        sortOrder: 'desc',
        operator: 'best',
        resetSchedule: { type: 'window', start: start.toISOString(), end: end.toISOString() },
        rewards: REWARDS,
      });
      expect(defined).toBe(201);
    }
    const scored = await inBatches(
      BOARDS.flatMap((board) =>
        playerIds.map(
          (playerId, i) => () =>
            command(
              'POST',
              `/v1/leaderboards/${board.id}/scores`,
              { playerId, score: scoreOf(board, i) },
              keys.game,
            ),
        ),
      ),
    );
    expect(scored.filter((status) => status !== 201)).toEqual([]);
    // The closes are due after the window and the score grace; the kills start there.
    await sleep(end.getTime() + leaderboards.SCORE_GRACE_MS - Date.now());
  }, 180_000);

  it(`closes, pays and adjudicates while the active closer is killed at random points (at least ${KILLS} times)`, async () => {
    for (let round = 1; ; round++) {
      while (!(await settled())) {
        // The closes pay hundreds of players: kill anywhere in them; an adjudication writes a few events
        // after reading the standings again: kill before, between or after them.
        if (await (round === 1 ? killAtRandomPoint(80, 20) : killAtRandomPoint(3, 250))) kills += 1;
      }
      if (kills >= KILLS) break;
      if (round > 20) throw new Error(`only ${kills} kills landed in 20 rounds\n${explain()}`);
      // More work: an exclusion on every board, each adjudicated and settled again.
      await excludeOnePerBoard(`kill round ${round}`);
    }
    expect(kills).toBeGreaterThanOrEqual(KILLS);
  }, 600_000);

  it('pays the same standings from two closers at once: one frozen past its lease mid-payout, then resumed', async () => {
    const frozen = await freezeInPayout('race');
    // The other closer pays; the frozen one resumes meanwhile, carrying on as if it held the lease.
    await sleep(randomBelow(300));
    frozen.resume();
    await untilSettled('the raced payouts');
  }, 180_000);

  it('settles nothing of an older adjudication that a closer resumes after a later one was paid', async () => {
    const frozen = await freezeInPayout('stale');
    const other = (await closerHolding())!;
    await untilSettled('the payout, by the other closer');
    await excludeOnePerBoard('later');
    await untilSettled('the later adjudication');
    // The frozen closer carries on with its payout of the older standings; once it holds the lease again
    // (the other stops and lets it go), that payout is over.
    frozen.resume();
    await other.stop();
    await waitFor('the resumed closer holding the lease', async () => (await closerHolding()) === frozen, {
      timeoutMs: 60_000,
      intervalMs: 5,
    });
    other.start();
    await untilSettled('everything');
  }, 180_000);

  it('paid every rewarded player exactly what the final standings pay, once, as the log shows', async () => {
    const economyEvents = new Map<string, RecordedEvent[]>();
    for (const playerId of playerIds) {
      economyEvents.set(playerId, await events.readStream(economy.playerEconomyStreamId(playerId)));
    }
    const expectedBalances: Record<string, Reward> = Object.fromEntries(
      playerIds.map((playerId) => [playerId, { GOLD: FUNDS, crown: 0, medal: 0 }]),
    );
    for (const board of BOARDS) {
      const stream = await events.readStream(periodStream(board.id));
      const state = await periodState(board.id);
      if (state.status !== 'Closed') throw new Error(`${board.id} is ${state.status}`);
      const adjudications = state.adjudications.length;
      const count = (type: string) => stream.filter((event) => event.type === type).length;
      // The close once, each adjudication once, each payout recorded once.
      expect([count('LeaderboardPeriodClosed'), count('LeaderboardPeriodAdjudicated')]).toEqual([
        1,
        adjudications - 1,
      ]);
      expect(
        stream
          .filter((event) => event.type === 'LeaderboardPeriodRewardsPaid')
          .map((event) => (event.data as { adjudication: number }).adjudication),
      ).toEqual(Array.from({ length: adjudications }, (_, i) => i));

      const finalRanks = expectedRanks(board, state.excluded);
      const net: Record<string, Reward> = {};
      const settlements = new Map<string, number>();
      for (const [playerId, events] of economyEvents) {
        net[playerId] = { GOLD: 0, crown: 0, medal: 0 };
        for (const event of events) {
          if (event.type !== 'RewardGranted' && event.type !== 'RewardClawedBack') continue;
          const data = event.data as economy.RewardGranted['data'] & economy.RewardClawedBack['data'];
          if (data.leaderboardId !== board.id || data.period !== period) continue;
          expect([data.withheld, data.shortfall]).toEqual([undefined, undefined]);
          const sign = event.type === 'RewardGranted' ? 1 : -1;
          for (const change of data.currencies) net[playerId].GOLD += sign * change.amount;
          for (const change of data.items)
            net[playerId][change.sku as 'crown' | 'medal'] += sign * change.quantity;
          const settlement = `${event.type} ${data.adjudication}`;
          settlements.set(
            `${playerId} ${settlement}`,
            (settlements.get(`${playerId} ${settlement}`) ?? 0) + 1,
          );
        }
      }
      // No settlement twice: at most one grant and one clawback per player and adjudication; at the close,
      // exactly one grant for each rewarded rank.
      expect([...settlements].filter(([, times]) => times > 1)).toEqual([]);
      const closingRanks = expectedRanks(board, []);
      expect(playerIds.filter((playerId) => settlements.has(`${playerId} RewardGranted 0`))).toEqual(
        playerIds.filter((playerId) => closingRanks.get(playerId)! <= REWARDS.at(-1)!.toRank),
      );
      // Nobody skipped, nobody paid twice: the net of every player is what the final rank pays.
      expect(net).toEqual(
        Object.fromEntries(playerIds.map((playerId) => [playerId, rewardAt(finalRanks.get(playerId))])),
      );
      for (const playerId of playerIds) {
        for (const key of ['GOLD', 'crown', 'medal'] as const)
          expectedBalances[playerId][key] += net[playerId][key];
      }
    }
    // Balances and holdings: the funding plus the rewards, nothing else.
    const held = Object.fromEntries(
      [...economyEvents].map(([playerId, events]) => {
        const state = events.reduce(
          (folded, event) => economy.evolve(folded, event as unknown as economy.PlayerEconomyEvent),
          economy.initialState(),
        );
        return [
          playerId,
          {
            GOLD: state.balances.GOLD ?? 0,
            crown: state.items.crown ?? 0,
            medal: state.items.medal ?? 0,
          },
        ];
      }),
    );
    expect(held).toEqual(expectedBalances);
  }, 120_000);
});
