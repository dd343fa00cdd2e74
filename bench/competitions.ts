/**
 * The competitions benchmark: closing and paying a period of `players` entries (100,000 by default) in
 * the embedded api, beside the same-run baseline of the plain grant command path on the same api.
 *
 *   npm run bench:competitions [-- --players 100000 --connections 32 --window-seconds 90]
 *
 * 1. Setup: bench/support/logGenerator.ts writes the log directly (domain deciders, hash-chained): the
 *    currency and item the reward table pays, a board `season` whose `window` ends `windowSeconds` after
 *    the setup starts, its period's close timer, and one score per player in the window. The table pays
 *    every rank 1..players in four tiers, currency and an item for ranks 1-100, currency alone below.
 * 2. The api (bench/suiteWorker.ts `api`, its own process, the closer on as by default) boots on that
 *    log and idles until the window's end and the score grace have passed; its closer then closes the
 *    period and pays. Measured from the log afterwards (each event's occurredAt is when the closer decided
 *    it): time to close, from end + grace to LeaderboardPeriodClosed (the closer's poll, at most 1 s, then
 *    the standings read from the log, ranked and hashed); payout, from the close to
 *    LeaderboardPeriodRewardsPaid, rewards/s = rewarded players / those seconds.
 * 3. Baseline: once the api is idle again, the same number of grants with the same currency amounts (one
 *    per fresh player, as each reward goes to a stream with no economy events) over HTTP,
 *    POST /v1/players/{id}/grants with an Idempotency-Key each, autocannon with `connections`: grants/s.
 * 4. Verification, the api stopped: one RewardGranted per player, ranks 1..players once each, each with its
 *    tier's currency and items, nothing withheld; one CurrencyGranted per baseline player. Beside it, the
 *    standings read + rank + hash timed alone on the final log (what the close does between its poll and
 *    its append).
 */
import { standingsFromLog } from '@app/audit';
import { type economy, leaderboards } from '@app/domain';
import { SqliteEventStore } from '@app/event-store/sqlite';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ADMIN_KEY, API_KEYS, RESULTS_DIR, type Request, call, load, startWorker, untilIdle } from './suite';
import { generateCompetitionLog } from './support/logGenerator';
import type { Load } from './support/openLoad';
import { type Machine, integer, machine, ms, ratio, runAndReport, runMain } from './support/report';
import type { Cleanup } from './support/servers';
import { type Distribution, distribution, now, sleep } from './support/stats';

export type CompetitionsBenchOptions = {
  players: number;
  connections: number;
  /** From the start of the setup to the window's end: the log is written and the api booted by then. */
  windowSeconds: number;
  cleanup: Cleanup;
  log: (line: string) => void;
};

export type CompetitionsBenchResults = {
  date: string;
  machine: Machine;
  players: number;
  connections: number;
  generateSeconds: number;
  /** Fork to listening, the read models rebuilt from the log. */
  bootSeconds: number;
  close: {
    endsAt: string;
    closedAt: string;
    /** From end + grace to the close. */
    seconds: number;
    entries: number;
    /** The standings read from the log, ranked and hashed, alone on the final log after the run. */
    standingsSeconds: number;
  };
  payout: {
    rewards: number;
    /** From the close to LeaderboardPeriodRewardsPaid. */
    seconds: number;
    rewardsPerSecond: number;
  } & AppendTimes;
  baseline: { grants: Load; grantsPerSecond: number } & AppendTimes;
  verification: Verification;
};

export type Verification = {
  /** RewardGranted events of the period, players they went to, ranks they paid (each once). */
  rewardsGranted: number;
  rewardedPlayers: number;
  ranksPaidOnce: number;
  /** Rewards whose currencies or items differ from their rank's tier, or that withheld something. */
  wrongRewards: number;
  /** What LeaderboardPeriodRewardsPaid recorded. */
  paidPlayers: number;
  grantsRecorded: number;
  grantedPlayers: number;
  ok: boolean;
};

/**
 * The api's appends since the previous report (boot to payout, then the baseline): how many, and each
 * one's time from the call to its durable return (group commit + fsync), ms.
 */
type AppendTimes = { appends: number; append: Distribution };

async function appendTimes(api: ReturnType<typeof startWorker>): Promise<AppendTimes> {
  api.child.send({ type: 'report' });
  const message = await api.next('api');
  if (message.type !== 'api') throw new Error(`the api answered ${message.type}`);
  return { appends: message.report.appends, append: distribution(message.report.append) };
}

const BOARD = 'season';
const GRANT_REASON = 'competition bench baseline';
const baselinePlayer = (index: number) => `grantee-${String(index).padStart(6, '0')}`;

/**
 * Time for the log to be written and the api booted on it before the window ends, with room for a busy
 * machine (the run stops with a message when it was not enough).
 */
export const defaultWindowSeconds = (players: number): number => Math.ceil(30 + players / 1250);

/** Four tiers over ranks 1..players (those that exist at this size): the top 100 get an item too. */
export const rewardTable = (players: number): leaderboards.RewardTier[] => {
  const tiers = [
    { toRank: 10, currencies: { GOLD: 10_000 }, items: { trophy: 3 } },
    { toRank: 100, currencies: { GOLD: 2_500 }, items: { trophy: 1 } },
    { toRank: 1000, currencies: { GOLD: 500 } },
    { toRank: players, currencies: { GOLD: 100 } },
  ];
  const table: leaderboards.RewardTier[] = [];
  for (const tier of tiers) {
    const fromRank = (table.at(-1)?.toRank ?? 0) + 1;
    if (fromRank > players) break;
    table.push({ ...tier, fromRank, toRank: Math.min(tier.toRank, players) });
  }
  return table;
};

export async function runCompetitionsBench(
  options: CompetitionsBenchOptions,
): Promise<CompetitionsBenchResults> {
  const { players, connections, cleanup, log } = options;
  const work = mkdtempSync(join(tmpdir(), 'bench-competitions-'));
  cleanup.add('the competitions benchmark data', async () => rmSync(work, { recursive: true, force: true }));
  const dataDir = join(work, 'api');
  mkdirSync(dataDir);
  const file = join(dataDir, 'events.db');
  const rewards = rewardTable(players);
  const window = {
    start: new Date(Date.now() - 60_000),
    end: new Date(Date.now() + options.windowSeconds * 1000),
  };
  log(`generating ${integer(players)} scores in a window ending at ${window.end.toISOString()}`);
  const generated = await generateCompetitionLog({ file, leaderboardId: BOARD, players, window, rewards });

  log('booting the api on that log');
  const booting = now();
  const api = startWorker({ role: 'api', dataDir, apiKeys: API_KEYS }, cleanup);
  await api.ready;
  const bootSeconds = (now() - booting) / 1000;
  const due = window.end.getTime() + leaderboards.SCORE_GRACE_MS;
  if (Date.now() >= window.end.getTime()) {
    throw new Error(
      `the api was ready ${((Date.now() - window.end.getTime()) / 1000).toFixed(1)} s after the window's ` +
        'end, so its boot could overlap the close: raise --window-seconds',
    );
  }
  log(`api ready in ${bootSeconds.toFixed(1)} s; the period is due at ${new Date(due).toISOString()}`);
  const periodPath = `/v1/leaderboards/${BOARD}/periods/${encodeURIComponent(generated.period)}`;
  // A generous bound, so a closer that never pays fails the run instead of hanging it.
  const deadline = due + 60_000 + players * 10;
  while ((await call(api.url, 'GET', periodPath, undefined, ADMIN_KEY)).rewardsPaidThrough !== 0) {
    if (Date.now() > deadline)
      throw new Error(`the period was not closed and paid by ${new Date(deadline).toISOString()}`);
    await sleep(200);
  }
  log('closed and paid; waiting for the api to idle before the baseline');
  await untilIdle(api.child.pid, 120);
  const payoutAppends = await appendTimes(api);

  log(`baseline: ${integer(players)} grants over HTTP, ${connections} connections`);
  let sent = 0;
  const grant: Request = {
    method: 'POST',
    path: () => `/v1/players/${baselinePlayer(sent++)}/grants`,
    // The amount the same rank's reward pays: `sent` already counts this request.
    body: () => ({ currency: 'GOLD', amount: goldFor(rewards, sent), reason: GRANT_REASON }),
  };
  const grants = await load(api.url, grant, { connections, amount: players });
  const grantAppends = await appendTimes(api);
  await api.stop();

  log('verifying the log');
  const store = new SqliteEventStore(file);
  try {
    const measured = await readOutcome(store, rewards, generated.period, players);
    return {
      date: new Date().toISOString(),
      machine: machine(),
      players,
      connections,
      generateSeconds: generated.seconds,
      bootSeconds,
      close: { ...measured.close, seconds: (Date.parse(measured.close.closedAt) - due) / 1000 },
      payout: { ...measured.payout, ...payoutAppends },
      baseline: { grants, grantsPerSecond: grants.requestsPerSecond, ...grantAppends },
      verification: { ...measured.verification, ok: verified(measured.verification, players, grants) },
    };
  } finally {
    await store.close();
  }
}

/** The GOLD a rank's tier pays. */
const goldFor = (table: readonly leaderboards.RewardTier[], rank: number): number =>
  leaderboards.rewardFor(table, rank)?.currencies?.GOLD ?? 0;

/** Whether a reward paid exactly what its tier pays, nothing withheld. */
const paysTier = (reward: economy.RewardGranted['data'], tier: leaderboards.RewardGrant | undefined) => {
  const paid = (changes: [string, number][]) => JSON.stringify(Object.fromEntries(changes));
  return (
    tier !== undefined &&
    reward.withheld === undefined &&
    paid(reward.currencies.map((change) => [change.currency, change.amount])) ===
      JSON.stringify(tier.currencies ?? {}) &&
    paid(reward.items.map((change) => [change.sku, change.quantity])) === JSON.stringify(tier.items ?? {})
  );
};

type Outcome = {
  close: Omit<CompetitionsBenchResults['close'], 'seconds'>;
  payout: Omit<CompetitionsBenchResults['payout'], keyof AppendTimes>;
  verification: Omit<Verification, 'ok'>;
};

/** The close and payout as the log recorded them, and the count of every reward and baseline grant. */
async function readOutcome(
  store: SqliteEventStore,
  table: readonly leaderboards.RewardTier[],
  period: string,
  players: number,
): Promise<Outcome> {
  const periodEvents = (await store.readStream(
    leaderboards.leaderboardPeriodStreamId(BOARD, period),
  )) as unknown as (leaderboards.LeaderboardPeriodEvent & { occurredAt: string })[];
  const of = <Type extends leaderboards.LeaderboardPeriodEvent['type']>(type: Type) => {
    const found = periodEvents.find((event) => event.type === type);
    if (!found) throw new Error(`the period has no ${type}`);
    return found as Extract<leaderboards.LeaderboardPeriodEvent, { type: Type }> & { occurredAt: string };
  };
  const scheduled = of('LeaderboardPeriodScheduled');
  const closed = of('LeaderboardPeriodClosed');
  const paid = of('LeaderboardPeriodRewardsPaid');

  const rewardedPlayers = new Set<string>();
  const ranks = new Set<number>();
  const grantedPlayers = new Set<string>();
  let rewardsGranted = 0;
  let wrongRewards = 0;
  let grantsRecorded = 0;
  for (let position = 0; ;) {
    const batch = await store.readAll(position, 5000);
    if (batch.length === 0) break;
    position = batch[batch.length - 1].position;
    for (const event of batch) {
      if (event.type === 'RewardGranted') {
        const reward = event.data as unknown as economy.RewardGranted['data'];
        if (reward.leaderboardId !== BOARD || reward.period !== period) continue;
        rewardsGranted++;
        rewardedPlayers.add(reward.playerId);
        if (reward.rank >= 1 && reward.rank <= players) ranks.add(reward.rank);
        if (!paysTier(reward, leaderboards.rewardFor(table, reward.rank))) wrongRewards++;
      } else if (
        event.type === 'CurrencyGranted' &&
        (event.data as { reason?: string }).reason === GRANT_REASON
      ) {
        grantsRecorded++;
        grantedPlayers.add(event.streamId);
      }
    }
  }

  const standingsStart = now();
  await standingsFromLog(store, {
    leaderboardId: BOARD,
    period,
    sortOrder: 'desc',
    after: scheduled.data.after,
    until: closed.data.cut,
  });
  const standingsSeconds = (now() - standingsStart) / 1000;
  const payoutSeconds = (Date.parse(paid.occurredAt) - Date.parse(closed.occurredAt)) / 1000;
  return {
    close: {
      endsAt: scheduled.data.endsAt,
      closedAt: closed.occurredAt,
      entries: closed.data.entries,
      standingsSeconds,
    },
    payout: {
      rewards: paid.data.players,
      seconds: payoutSeconds,
      rewardsPerSecond: paid.data.players / payoutSeconds,
    },
    verification: {
      rewardsGranted,
      rewardedPlayers: rewardedPlayers.size,
      ranksPaidOnce: ranks.size,
      wrongRewards,
      paidPlayers: paid.data.players,
      grantsRecorded,
      grantedPlayers: grantedPlayers.size,
    },
  };
}

/** Every reward paid once, as its tier says, and every baseline grant recorded once. */
const verified = (verification: Omit<Verification, 'ok'>, players: number, grants: Load): boolean =>
  verification.rewardsGranted === players &&
  verification.rewardedPlayers === players &&
  verification.ranksPaidOnce === players &&
  verification.wrongRewards === 0 &&
  verification.paidPlayers === players &&
  verification.grantsRecorded === players &&
  verification.grantedPlayers === players &&
  grants.non2xx === 0 &&
  grants.errors === 0;

const appendCell = ({ appends, append }: AppendTimes) =>
  `${ms(append.p50)} / ${ms(append.p99)} ms (${integer(appends)} appends)`;

export const toMarkdown = (results: CompetitionsBenchResults): string => {
  const { close, payout, baseline, verification } = results;
  return [
    `Competitions benchmark, a period of ${integer(results.players)} entries, ${results.date.slice(0, 10)}, ` +
      `${results.machine.cpus} cores, Node ${results.machine.node}; verification ${verification.ok ? 'ok' : 'FAILED'}`,
    '',
    '| step | time | rate | vs grants over HTTP | appends: p50 / p99 (group commit + fsync) |',
    '| --- | ---: | ---: | ---: | ---: |',
    `| close: end + grace to LeaderboardPeriodClosed (poll, standings from the log, hash) | ${close.seconds.toFixed(2)} s | ` +
      `${integer(close.entries / close.seconds)} entries/s | - | |`,
    `| (the standings read + rank + hash alone) | ${close.standingsSeconds.toFixed(2)} s | ` +
      `${integer(close.entries / close.standingsSeconds)} entries/s | - | |`,
    `| payout: close to LeaderboardPeriodRewardsPaid | ${payout.seconds.toFixed(2)} s | ` +
      `${integer(payout.rewardsPerSecond)} rewards/s | ${ratio(payout.rewardsPerSecond, baseline.grantsPerSecond)} | ${appendCell(payout)} |`,
    `| baseline: the same ${integer(results.players)} grants, POST /v1/players/{id}/grants, ${results.connections} connections | ` +
      `${baseline.grants.seconds.toFixed(2)} s | ${integer(baseline.grantsPerSecond)} grants/s | 1.00× | ${appendCell(baseline)} |`,
  ].join('\n');
};

if (require.main === module) {
  runMain(async () => {
    const { values } = parseArgs({
      options: {
        players: { type: 'string', default: '100000' },
        connections: { type: 'string', default: '32' },
        'window-seconds': { type: 'string' },
      },
    });
    const players = Number(values.players);
    await runAndReport(
      join(RESULTS_DIR, 'competitions.json'),
      (cleanup, log) =>
        runCompetitionsBench({
          players,
          connections: Number(values.connections),
          windowSeconds: Number(values['window-seconds'] ?? defaultWindowSeconds(players)),
          cleanup,
          log,
        }),
      toMarkdown,
    );
  });
}
