import type { economy } from '@app/domain';
import { waitFor } from '@test/support/servers';
import { keys, problemType, type Response, startApp, testApiKeys, type TestApp } from '@test/support/testApp';

const AUDITOR_KEY = 'auditor-secret-0123456789';

/**
 * 1,000 players embedded. In cluster mode FerretDB applies the read models' writes at a few per second
 * (each scans its collection), so the same tournament is played by 100: 1,000 would take tens of minutes.
 */
const PLAYERS = process.env.E2E_MODE === 'cluster' ? 100 : 1000;
const FUNDS = 100;
const FEE = 50;
const TOURNAMENT = 'winter-cup';
/** Pays half of the ranks; the tiers' edges are where an exclusion moves pay. */
const REWARDS = [
  { fromRank: 1, toRank: 1, currencies: { GOLD: 10_000 }, items: { trophy: 1 } },
  { fromRank: 2, toRank: 3, currencies: { GOLD: 5_000 } },
  { fromRank: 4, toRank: 10, currencies: { GOLD: 1_000 } },
  { fromRank: 11, toRank: PLAYERS / 4, currencies: { GOLD: 100 } },
  { fromRank: PLAYERS / 4 + 1, toRank: PLAYERS / 2, currencies: { GOLD: 10 } },
];
const REWARDED = PLAYERS / 2;
const TABLE_TOTAL = REWARDS.reduce(
  (total, tier) => {
    const ranks = tier.toRank - tier.fromRank + 1;
    return {
      GOLD: total.GOLD + ranks * tier.currencies.GOLD,
      trophy: total.trophy + ranks * (tier.items?.trophy ?? 0),
    };
  },
  { GOLD: 0, trophy: 0 },
);
const rewardOf = (rank: number | undefined) => {
  const tier = REWARDS.find((each) => rank !== undefined && rank >= each.fromRank && rank <= each.toRank);
  return { GOLD: tier?.currencies.GOLD ?? 0, trophy: tier?.items?.trophy ?? 0 };
};

const playerIds = Array.from({ length: PLAYERS }, (_, i) => `player-${String(i).padStart(4, '0')}`);
/** Distinct scores in an order unrelated to the players' numbers (7919 and 100003 are prime). */
const scoreOf = (i: number) => ((i * 7919) % 100_003) + 1;

type Entry = { rank: number; playerId: string; score: number; subscore: number; achievedAt: string };
/** What the api served at a quiescent moment: the period's entries (every page) at a global position. */
type Capture = { position: number; at: string; entries: Entry[] };
type LedgerLine = {
  eventId: string;
  type: string;
  changes: ({ currency: string; delta: number } | { sku: string; delta: number })[];
};

/** Runs `work` over `items`, `concurrency` at a time. */
async function inParallel<T, R>(items: readonly T[], concurrency: number, work: (item: T) => Promise<R>) {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await work(items[index]);
      }
    }),
  );
  return results;
}

/**
 * A tournament end to end over HTTP: 1,000 players (100 in cluster mode) pay their fee and join, score
 * inside the window, the period closes by itself and pays every reward once; the standings the api served at
 * captured moments are what the audit computes from the log for those positions; an exclusion re-adjudicates
 * the period, paying only the differences and clawing back what the excluded player won, never below zero.
 */
describe(`competitions: a ${PLAYERS}-player tournament over HTTP (e2e)`, () => {
  let api: TestApp;
  let period: string;
  let periodPath: string;
  /** How long funding every player took: the yardstick the window is sized by. */
  let fundingMs: number;
  const captures: Capture[] = [];
  /** The ranks at the close: the served entries of the last capture before it. */
  let closingRanks: Map<string, number>;
  /** The ids of the close's RewardGranted events. */
  let closePayouts: Set<string>;

  beforeAll(async () => {
    api = await startApp({
      env: { API_KEYS: `${testApiKeys};auditor:${AUDITOR_KEY}:audit`, SQLITE_SYNCHRONOUS: 'NORMAL' },
    });
  });
  afterAll(() => api?.close());

  const grant = (playerId: string, amount: number) =>
    api.command(
      'POST',
      `/v1/players/${playerId}/grants`,
      { currency: 'GOLD', amount, reason: 'season funding' },
      keys.game,
    );
  const join = (playerId: string, idempotencyKey?: string) =>
    api.command('POST', `/v1/tournaments/${TOURNAMENT}/entries`, { playerId }, keys.game, idempotencyKey);
  const submit = (playerId: string, score: number) =>
    api.command('POST', `/v1/leaderboards/${TOURNAMENT}/scores`, { playerId, score }, keys.game);
  const revision = async (streamId: string) => (await api.stream(streamId)).length;
  const economyStream = (playerId: string) => `playerEconomy-${playerId}`;

  /**
   * Resolves once the read models have applied `position` (in cluster mode the projector may be further
   * behind than one query's read-after-write wait): queries with that minPosition then answer at once.
   */
  const readModelsAt = (position: number) =>
    waitFor(
      `read models at ${position}`,
      async () => (await api.query(`/v1/tournaments/${TOURNAMENT}?minPosition=${position}`)).status !== 503,
      { timeoutMs: 300_000, intervalMs: 100 },
    );

  /** Every page of the period's entries, read once the read models have applied `position`. */
  const servedEntries = async (position: number): Promise<Entry[]> => {
    await readModelsAt(position);
    const entries: Entry[] = [];
    let cursor: string | null = null;
    do {
      const query = `period=${encodeURIComponent(period)}&limit=200&minPosition=${position}`;
      const page: Response<{ entries: Entry[]; nextCursor: string | null }> = await api.query(
        `/v1/leaderboards/${TOURNAMENT}/entries?${query}${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(page.status).toBe(200);
      for (const { rank, playerId, score, subscore, achievedAt } of page.body.entries) {
        entries.push({ rank, playerId, score, subscore, achievedAt });
      }
      cursor = page.body.nextCursor;
    } while (cursor);
    return entries;
  };

  /**
   * The entries the api serves now, with the head position and the instant: called with no command in
   * flight, so nothing changes the board between reading the head and reading the entries.
   */
  const capture = async (): Promise<Capture> => {
    const position = await api.events.headPosition();
    const at = new Date().toISOString();
    const entries = await servedEntries(position);
    // A later score is decided after `at`, never at the same millisecond.
    await waitFor('the next millisecond', () => new Date().toISOString() > at, { intervalMs: 1 });
    const taken = { position, at, entries };
    captures.push(taken);
    return taken;
  };

  const standingsAudit = async (query: string) => {
    const response = await api.query(
      `/v1/audit/leaderboards/${TOURNAMENT}/periods/${encodeURIComponent(period)}/standings?${query}&limit=${PLAYERS}`,
      AUDITOR_KEY,
    );
    expect(response.status).toBe(200);
    return response.body;
  };

  /** The period as the read models show it now. */
  const periodView = async () => {
    const response = await api.query(periodPath);
    return response.status === 200 ? response.body : undefined;
  };
  /** Waits for the period to show `condition`, then for the read models to reach the head. */
  const periodReaches = async (what: string, condition: (view: any) => boolean) => {
    await waitFor(what, async () => condition(await periodView()), { timeoutMs: 300_000, intervalMs: 250 });
    const head = await api.events.headPosition();
    await readModelsAt(head);
    return head;
  };

  const ledger = async (playerId: string, position: number): Promise<LedgerLine[]> => {
    const lines: LedgerLine[] = [];
    let cursor: string | null = null;
    do {
      const page: Response<{ entries: LedgerLine[]; nextCursor: string | null }> = await api.query(
        `/v1/players/${playerId}/ledger?limit=200&minPosition=${position}${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(page.status).toBe(200);
      lines.push(...page.body.entries);
      cursor = page.body.nextCursor;
    } while (cursor);
    return lines;
  };
  const goldOf = (line: LedgerLine) =>
    line.changes.reduce((sum, change) => sum + ('currency' in change ? change.delta : 0), 0);
  const trophiesOf = (line: LedgerLine) =>
    line.changes.reduce((sum, change) => sum + ('sku' in change ? change.delta : 0), 0);

  /** The RewardGranted and RewardClawedBack events of the period in the log, in global order. */
  const rewardEvents = async () => {
    const found: {
      id: string;
      type: 'RewardGranted' | 'RewardClawedBack';
      data: economy.RewardGranted['data'] & economy.RewardClawedBack['data'];
    }[] = [];
    for await (const batch of api.events.readStreamsByPrefix('playerEconomy-', { after: 0 })) {
      for (const event of batch) {
        if (event.type !== 'RewardGranted' && event.type !== 'RewardClawedBack') continue;
        const data = event.data as (typeof found)[number]['data'];
        if (data.leaderboardId === TOURNAMENT && data.period === period) {
          found.push({ id: event.id, type: event.type, data });
        }
      }
    }
    return found;
  };

  it('defines a currency, a reward item and the tournament, and funds every player', async () => {
    expect((await api.command('PUT', '/v1/catalog/currencies/GOLD', { name: 'Gold' })).status).toBe(201);
    expect(
      (
        await api.command('PUT', '/v1/catalog/items/trophy', {
          name: 'Trophy',
          prices: { GOLD: 1_000_000 },
          stackable: false,
        })
      ).status,
    ).toBe(201);

    const started = Date.now();
    const funded = await inParallel([...playerIds, 'latecomer'], 16, (playerId) => grant(playerId, FUNDS));
    await readModelsAt(await api.events.headPosition());
    fundingMs = Date.now() - started;
    expect(funded.map((response) => response.status)).toEqual(funded.map(() => 201));
    expect((await grant('pauper', FEE - 1)).status).toBe(201);

    // The window holds the joins, the scores and two captures of the entries once the read models have
    // caught up: a join is about three commands, a score one, a grant one, so four fundings' time is the
    // work; the window allows eight (and a few seconds more), scaled by how fast this machine ran and
    // projected the funding rather than fixed.
    const now = Date.now();
    const start = new Date(now - 1000);
    const end = new Date(now + 3000 + 8 * fundingMs);
    const defined = await api.command('PUT', `/v1/tournaments/${TOURNAMENT}`, {
      sortOrder: 'desc',
      operator: 'best',
      resetSchedule: { type: 'window', start: start.toISOString(), end: end.toISOString() },
      rewards: REWARDS,
      tournament: {
        joinClosesAt: end.toISOString(),
        maxParticipants: PLAYERS,
        entryFee: { currency: 'GOLD', amount: FEE },
      },
    });
    expect(defined.status).toBe(201);
    period = start.toISOString();
    periodPath = `/v1/leaderboards/${TOURNAMENT}/periods/${encodeURIComponent(period)}`;
  }, 120_000);

  it('takes each fee once on joining; refuses the unaffordable, one past the maximum and a second join, changing nothing', async () => {
    const board = `leaderboard-${TOURNAMENT}`;

    const boardBefore = await revision(board);
    const pauperBefore = await revision(economyStream('pauper'));
    const unaffordable = await join('pauper');
    expect([unaffordable.status, problemType(unaffordable)]).toEqual([409, '/problems/insufficient-funds']);
    expect(await revision(board)).toBe(boardBefore);
    expect(await revision(economyStream('pauper'))).toBe(pauperBefore);

    const joined = await inParallel(playerIds, 16, (playerId) => join(playerId, `join-${playerId}`));
    expect(joined.filter((response) => response.status !== 201).map((response) => response.body)).toEqual([]);

    const boardAfterJoins = await revision(board);
    const latecomerBefore = await revision(economyStream('latecomer'));
    const joinerBefore = await revision(economyStream(playerIds[7]));
    const full = await join('latecomer');
    expect([full.status, problemType(full)]).toEqual([409, '/problems/tournament-full']);
    const again = await join(playerIds[7]);
    expect([again.status, problemType(again)]).toEqual([409, '/problems/already-joined']);
    expect(await revision(board)).toBe(boardAfterJoins);
    expect(await revision(economyStream('latecomer'))).toBe(latecomerBefore);
    expect(await revision(economyStream(playerIds[7]))).toBe(joinerBefore);

    // A retry of a join (same Idempotency-Key) is answered as the first time and pays nothing more.
    const retried = await join(playerIds[0], `join-${playerIds[0]}`);
    expect([retried.status, retried.headers.get('idempotent-replayed')]).toEqual([200, 'true']);
    expect({ ...retried.body, replayed: false }).toEqual(joined[0].body);
    expect(await revision(board)).toBe(boardAfterJoins);
  }, 300_000);

  it('counts the scores of joined players inside the window only', async () => {
    const refused = await submit('pauper', 1);
    expect([refused.status, problemType(refused)]).toEqual([409, '/problems/not-joined']);

    const half = PLAYERS / 2;
    const submitted = async (from: number, to: number) => {
      const responses = await inParallel(playerIds.slice(from, to), 16, (playerId) =>
        submit(playerId, scoreOf(playerIds.indexOf(playerId))),
      );
      expect(responses.filter((response) => response.status !== 201).map((r) => r.body)).toEqual([]);
    };
    await submitted(0, half);
    const midway = await capture();
    await submitted(half, PLAYERS);
    const all = await capture();

    expect(midway.entries).toHaveLength(half);
    expect(all.entries).toHaveLength(PLAYERS);
    expect(all.entries.map((entry) => entry.score)).toEqual(
      playerIds.map((_, i) => scoreOf(i)).sort((a, b) => b - a),
    );
    closingRanks = new Map(all.entries.map((entry) => [entry.playerId, entry.rank]));
  }, 300_000);

  it('took each fee once, from the joined players only', async () => {
    const head = await api.events.headPosition();
    await readModelsAt(head);
    const tournament = await api.query(`/v1/tournaments/${TOURNAMENT}?minPosition=${head}`);
    expect(tournament.body.participants).toEqual({ joined: PLAYERS, joining: 0 });
    const wallets = await inParallel(['pauper', 'latecomer', ...playerIds], 16, async (playerId) => {
      const wallet = await api.query(`/v1/players/${playerId}/wallet?minPosition=${head}`);
      return [playerId, wallet.body.balances.GOLD] as const;
    });
    expect(Object.fromEntries(wallets)).toEqual({
      pauper: FEE - 1,
      latecomer: FUNDS,
      ...Object.fromEntries(playerIds.map((playerId) => [playerId, FUNDS - FEE])),
    });
    // Every fee is in the player's log once: the entry and its payment are one event.
    const entries = await inParallel(playerIds, 16, async (playerId) =>
      (await api.stream(economyStream(playerId))).filter((event) => event.type === 'TournamentEntered'),
    );
    expect(entries.map((each) => each.length)).toEqual(playerIds.map(() => 1));
  }, 300_000);

  it('closes after the window and pays every rewarded player exactly once, the table in total', async () => {
    const head = await periodReaches('the close and its payout', (view) => view?.rewardsPaidThrough === 0);
    const closed = await periodView();
    const served = captures[captures.length - 1].entries;
    expect(closed).toMatchObject({
      status: 'closed',
      endsAt: expect.any(String),
      close: { rewards: REWARDS },
      adjudications: [{ adjudication: 0, excluded: [], entries: PLAYERS }],
      rewardsPaidThrough: 0,
    });
    expect(closed.adjudications[0].top).toEqual(served.slice(0, 10));

    const results = await inParallel(playerIds, 16, async (playerId) => {
      const [wallet, inventory, lines] = await Promise.all([
        api.query(`/v1/players/${playerId}/wallet?minPosition=${head}`),
        api.query(`/v1/players/${playerId}/inventory?minPosition=${head}`),
        ledger(playerId, head),
      ]);
      const rewards = lines.filter((line) => line.type === 'RewardGranted');
      return {
        playerId,
        gold: wallet.body.balances.GOLD ?? 0,
        trophies: inventory.body.items.find((item: { sku: string }) => item.sku === 'trophy')?.quantity ?? 0,
        rewards: rewards.map((line) => ({ GOLD: goldOf(line), trophy: trophiesOf(line) })),
      };
    });
    const expected = playerIds.map((playerId) => {
      const reward = rewardOf(closingRanks.get(playerId));
      const paid = reward.GOLD > 0 || reward.trophy > 0;
      return {
        playerId,
        gold: FUNDS - FEE + reward.GOLD,
        trophies: reward.trophy,
        rewards: paid ? [reward] : [],
      };
    });
    expect(results).toEqual(expected);
    const paidOut = results
      .flatMap((result) => result.rewards)
      .reduce((sum, reward) => ({ GOLD: sum.GOLD + reward.GOLD, trophy: sum.trophy + reward.trophy }), {
        GOLD: 0,
        trophy: 0,
      });
    expect(paidOut).toEqual(TABLE_TOTAL);

    // In the log: one RewardGranted per rewarded rank, under ids of their own.
    const granted = await rewardEvents();
    expect(granted.map((event) => event.type)).toEqual(Array(REWARDED).fill('RewardGranted'));
    expect(new Set(granted.map((event) => event.id)).size).toBe(REWARDED);
    expect(new Set(granted.map((event) => event.data.playerId)).size).toBe(REWARDED);
    expect(granted.every((event) => event.data.adjudication === 0)).toBe(true);
    closePayouts = new Set(granted.map((event) => event.id));

    const afterClose = await capture();
    expect(afterClose.entries).toEqual(served);
  }, 300_000);

  it('refuses a late score after the close, and changes nothing', async () => {
    const scores = `playerScores-${TOURNAMENT}.${playerIds[3]}`;
    const before = await api.stream(scores);
    const late = await submit(playerIds[3], 1_000_000);
    expect([late.status, problemType(late)]).toEqual([409, '/problems/period-closed']);
    expect(await api.stream(scores)).toEqual(before);
  });

  it('answers the standings at every captured moment as the api served them then', async () => {
    for (const { position, at, entries } of captures) {
      const byPosition = await standingsAudit(`position=${position}`);
      expect(byPosition.entries).toBe(entries.length);
      expect(byPosition.top).toEqual(entries);
      const byInstant = await standingsAudit(`at=${encodeURIComponent(at)}`);
      expect(byInstant.top).toEqual(entries);
    }
    const [midway, beforeClose, afterClose] = captures;
    expect(midway.entries).toHaveLength(PLAYERS / 2);
    const statuses = [];
    for (const { position } of [midway, beforeClose, afterClose]) {
      const report = await standingsAudit(`position=${position}`);
      statuses.push([report.status, report.adjudication, report.verification?.matches]);
    }
    expect(statuses).toEqual([
      ['open', null, undefined],
      ['open', null, undefined],
      ['closed', 0, true],
    ]);
  }, 120_000);

  it('re-adjudicates without an excluded winner: pays only the differences, once, and claws back without a negative balance', async () => {
    const served = captures[captures.length - 1].entries;
    const cheater = served[0].playerId;
    // The cheater spends most of the prize first: 50 + 10,000 held, 8,050 spent, 2,000 left to take back.
    const spent = await api.command(
      'POST',
      `/v1/players/${cheater}/spends`,
      { currency: 'GOLD', amount: 8_050, reason: 'shopping spree' },
      keys.game,
    );
    expect(spent.status).toBe(201);
    const beforeAdjudication = await api.events.headPosition();

    const excluded = await api.command('POST', `${periodPath}/exclusions`, {
      playerId: cheater,
      reason: 'aim assistance detected in match m-981',
    });
    expect(excluded.status).toBe(201);
    const head = await periodReaches(
      'the adjudication and its payout',
      (view) => view?.rewardsPaidThrough === 1,
    );

    const adjudicatedRanks = new Map(
      served.filter((entry) => entry.playerId !== cheater).map((entry, index) => [entry.playerId, index + 1]),
    );
    // Those whose new rank pays more than their old one: the first rank of each tier but the winner's, and
    // the first rank past the table.
    const movers = playerIds.filter(
      (playerId) => rewardOf(adjudicatedRanks.get(playerId)).GOLD > rewardOf(closingRanks.get(playerId)).GOLD,
    );
    expect(movers.map((playerId) => closingRanks.get(playerId)).sort((a, b) => a! - b!)).toEqual([
      ...REWARDS.slice(1).map((tier) => tier.fromRank),
      REWARDED + 1,
    ]);

    const changes = await inParallel(playerIds, 16, async (playerId) => {
      const lines = await ledger(playerId, head);
      const wallet = await api.query(`/v1/players/${playerId}/wallet?minPosition=${head}`);
      const since = lines.filter(
        (line) =>
          (line.type === 'RewardGranted' || line.type === 'RewardClawedBack') &&
          !closePayouts.has(line.eventId),
      );
      return {
        playerId,
        gold: wallet.body.balances.GOLD ?? 0,
        lines: since.map((line) => ({ type: line.type, GOLD: goldOf(line), trophy: trophiesOf(line) })),
      };
    });
    const expectedChanges = playerIds.map((playerId) => {
      const before = rewardOf(closingRanks.get(playerId));
      if (playerId === cheater) {
        return { playerId, gold: 0, lines: [{ type: 'RewardClawedBack', GOLD: -2_000, trophy: -1 }] };
      }
      const after = rewardOf(adjudicatedRanks.get(playerId));
      const difference = { GOLD: after.GOLD - before.GOLD, trophy: after.trophy - before.trophy };
      const moved = movers.includes(playerId);
      return {
        playerId,
        gold: FUNDS - FEE + after.GOLD,
        lines: moved ? [{ type: 'RewardGranted', ...difference }] : [],
      };
    });
    expect(changes).toEqual(expectedChanges);

    // The log: each mover's difference once, the clawback once, with the spent part recorded.
    const adjudicated = (await rewardEvents()).filter((event) => event.data.adjudication === 1);
    expect(adjudicated.map((event) => [event.type, event.data.playerId]).sort()).toEqual(
      [['RewardClawedBack', cheater], ...movers.map((playerId) => ['RewardGranted', playerId])].sort(),
    );
    const clawBack = adjudicated.find((event) => event.type === 'RewardClawedBack')!;
    expect(clawBack.data.shortfall).toEqual({ currencies: { GOLD: 8_000 } });
    const inventory = await api.query(`/v1/players/${cheater}/inventory?minPosition=${head}`);
    expect(inventory.body.items).toEqual([]);

    // The entries rank without the cheater, and the audit answers both standings, each verified.
    const now = await capture();
    expect(now.entries).toEqual(
      served
        .filter((entry) => entry.playerId !== cheater)
        .map((entry, index) => ({ ...entry, rank: index + 1 })),
    );
    const original = await standingsAudit(`position=${now.position}&adjudication=0`);
    expect(original).toMatchObject({ status: 'closed', adjudication: 0, excluded: [], entries: PLAYERS });
    expect(original.verification.matches).toBe(true);
    expect(original.top).toEqual(served);
    const latest = await standingsAudit(`position=${now.position}`);
    expect(latest).toMatchObject({ status: 'closed', adjudication: 1, excluded: [cheater] });
    expect(latest.verification.matches).toBe(true);
    expect(latest.top).toEqual(now.entries);
    // As of the moment before the exclusion, the period stood as closed.
    const asClosed = await standingsAudit(`position=${beforeAdjudication}`);
    expect([asClosed.adjudication, asClosed.verification.matches, asClosed.top]).toEqual([0, true, served]);
  }, 300_000);
});
