import { standingsFromLog, summarizeStandings } from '@app/audit';
import { type DomainEvent, catalog, economy, leaderboards } from '@app/domain';
import type { EventStore } from '@app/event-store';
import type { StreamCommandHandler } from '../streamCommandHandler';
import { PERIOD_ACTOR } from './periodTimers';
import { systemContext } from './systemCommands';
import type { TournamentSeats } from './tournamentSeats';

export type PeriodCloserLogger = {
  log(message: unknown, context?: string): void;
  warn(message: unknown, context?: string): void;
  error(message: unknown, context?: string): void;
};

export type PeriodCloserOptions = {
  events: EventStore;
  streams: StreamCommandHandler;
  seats: TournamentSeats;
  /** Unique per process: the lease owner. */
  instanceId: string;
  logger: PeriodCloserLogger;
  leaseTtlMs?: number;
  /** How often the timers are checked and new period events read. */
  pollMs?: number;
  /** Payouts in flight at once (each its own command on a winner's stream). */
  payConcurrency?: number;
};

const LEASE = 'period-closer';
const PERIOD_STREAMS = 'leaderboardPeriod-';

type Tracked = { state: leaderboards.LeaderboardPeriod };

/**
 * The process manager of competitions: one active instance in a deployment (the holder of the
 * `period-closer` lease in the event store; the others stand by), driven by the log alone.
 *
 * It holds every period's state, folded from the period streams (their timers, closes, exclusions,
 * adjudications and payouts), and does what is due: closes a period once its end and the score grace
 * are past (the standings from the log up to a cut position, recorded with their hash); pays the
 * rewards of a close or an adjudication, one command per winner on the winner's economy stream under
 * an idempotency key derived from the period, the adjudication and the player; records when all are
 * paid; adjudicates a closed period again after an exclusion.
 *
 * Every step is a command whose events have ids derived from the step, so a crash anywhere, a retry, or
 * a second instance racing this one (a lease lost during a pause) appends nothing twice; and every step
 * is derived again from the log on restart, so nothing is skipped.
 */
export class PeriodCloser {
  private stopped = false;
  private running?: Promise<void>;
  private wake?: () => void;
  private readonly leaseTtlMs: number;
  private readonly pollMs: number;
  private readonly payConcurrency: number;

  constructor(private readonly options: PeriodCloserOptions) {
    this.leaseTtlMs = options.leaseTtlMs ?? 10_000;
    this.pollMs = options.pollMs ?? 1000;
    this.payConcurrency = options.payConcurrency ?? 32;
  }

  start(): void {
    this.running = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.running;
  }

  private async run(): Promise<void> {
    const { events, instanceId, logger } = this.options;
    while (!this.stopped) {
      try {
        if (await events.acquireLease(LEASE, instanceId, this.leaseTtlMs)) await this.closeWhileLeased();
        else await this.pause(this.leaseTtlMs / 3);
      } catch (error) {
        if (this.stopped) break;
        logger.error({ message: 'period closer failed; retrying', error: String(error) }, PeriodCloser.name);
        await this.pause(this.pollMs);
      }
    }
    await events.releaseLease(LEASE, instanceId).catch(() => undefined);
  }

  /** Folds every period stream, then does what is due until the lease is lost or the closer stops. */
  private async closeWhileLeased(): Promise<void> {
    const { events, instanceId } = this.options;
    const periods = new Map<string, Tracked>();
    let position = 0;
    const readNew = async () => {
      for await (const batch of events.readStreamsByPrefix(PERIOD_STREAMS, { after: position })) {
        for (const event of batch) {
          const tracked = periods.get(event.streamId) ?? { state: leaderboards.initialPeriodState() };
          tracked.state = leaderboards.evolvePeriod(
            tracked.state,
            event as unknown as leaderboards.LeaderboardPeriodEvent,
          );
          periods.set(event.streamId, tracked);
          position = event.position;
        }
      }
    };
    let renewed = Date.now();
    while (!this.stopped) {
      if (Date.now() - renewed > this.leaseTtlMs / 3) {
        if (!(await events.acquireLease(LEASE, instanceId, this.leaseTtlMs))) return;
        renewed = Date.now();
      }
      await readNew();
      const due = new Date(Date.now() - leaderboards.SCORE_GRACE_MS);
      for (const [streamId, tracked] of periods) {
        if (this.stopped) return;
        const work = leaderboards.pendingWork(tracked.state, due);
        if (work === undefined) continue;
        await this.doWork(streamId, tracked.state, work);
        await readNew();
      }
      await this.pause(this.pollMs);
    }
  }

  private async doWork(
    streamId: string,
    state: leaderboards.LeaderboardPeriod,
    work: NonNullable<ReturnType<typeof leaderboards.pendingWork>>,
  ): Promise<void> {
    if (state.status === 'Unscheduled') return;
    const { leaderboardId, period } = state;
    const board = await this.board(leaderboardId);
    if (board.status !== 'Defined') return;
    if (work === 'close') {
      if (board.tournament) await this.options.seats.settleLapsed(leaderboardId, new Date());
      const cut = await this.options.events.headPosition();
      const standings = await standingsFromLog(this.options.events, {
        leaderboardId,
        period,
        sortOrder: board.sortOrder,
        after: state.after,
        until: cut,
      });
      await this.periodCommand(streamId, `close:${streamId}`, (now) => ({
        type: 'ClosePeriod',
        data: { cut, now, rewards: board.rewards ?? [], ...summarizeStandings(standings) },
      }));
      this.options.logger.log(
        { message: 'period closed', leaderboardId, period, cut, entries: standings.length },
        PeriodCloser.name,
      );
    } else if (work === 'adjudicate') {
      const standings = await this.standings(board, state, state.excluded);
      const adjudication = state.adjudications.length;
      await this.periodCommand(streamId, `adjudicate:${streamId}:${adjudication}`, () => ({
        type: 'AdjudicatePeriod',
        data: { excluded: state.excluded, ...summarizeStandings(standings) },
      }));
    } else {
      const players = await this.pay(board, state, work.pay);
      await this.periodCommand(streamId, `paid:${streamId}:${work.pay}`, () => ({
        type: 'RecordRewardsPaid',
        data: { adjudication: work.pay, players },
      }));
      this.options.logger.log(
        { message: 'rewards paid', leaderboardId, period, adjudication: work.pay, players },
        PeriodCloser.name,
      );
    }
  }

  /**
   * Pays adjudication `adjudication`: settles each player's rewards for the period with what their rank in
   * it pays (one command per player, on their economy stream: what they were credited beyond it is taken
   * back, what is owed beyond it is granted). The players are those it rewards and those the one before
   * rewarded. Returns how many players' rewards changed.
   */
  private async pay(
    board: leaderboards.Leaderboard & { status: 'Defined' },
    state: Exclude<leaderboards.LeaderboardPeriod, { status: 'Unscheduled' }>,
    adjudication: number,
  ): Promise<number> {
    const table = state.close!.rewards;
    const last = leaderboards.lastRewardedRank(table);
    if (last === 0) return 0;
    const ranks = async (index: number) => {
      const standings = await this.standings(board, state, state.adjudications[index].excluded);
      const summary = summarizeStandings(standings);
      if (summary.standingsHash !== state.adjudications[index].standingsHash) {
        throw new Error(
          `standings of ${state.leaderboardId} ${state.period} (${index}) no longer match what was recorded`,
        );
      }
      return new Map(standings.slice(0, last).map((standing) => [standing.playerId, standing.rank]));
    };
    const now = await ranks(adjudication);
    const before = adjudication > 0 ? await ranks(adjudication - 1) : new Map<string, number>();
    const catalog = await this.rewardItems(table);
    const source = { leaderboardId: state.leaderboardId, period: state.period, adjudication };
    const key = `reward:${state.leaderboardId}.${state.period}:${adjudication}`;
    let changed = 0;
    await inParallel(
      [...new Set([...now.keys(), ...before.keys()])],
      this.payConcurrency,
      async (playerId) => {
        const rank = now.get(playerId);
        const reward = leaderboards.rewardFor(table, rank);
        const result = await this.options.streams.handle(
          economy.playerEconomyStreamId(playerId),
          economy.playerEconomyDecider,
          (economyState) =>
            economy.settleReward(
              {
                type: 'SettleReward',
                data: { playerId, source, ...(reward ? { owed: { rank: rank!, reward } } : {}), catalog },
              },
              economyState,
            ),
          systemContext(PERIOD_ACTOR, `${key}:${playerId}`, new Date()),
        );
        if (result.events.length > 0) changed += 1;
      },
    );
    return changed;
  }

  /** The period's standings from the log up to its close's cut, without `excluded`. */
  private standings(
    board: leaderboards.Leaderboard & { status: 'Defined' },
    state: Exclude<leaderboards.LeaderboardPeriod, { status: 'Unscheduled' }>,
    excluded: readonly string[],
  ): Promise<leaderboards.Standing[]> {
    return standingsFromLog(this.options.events, {
      leaderboardId: state.leaderboardId,
      period: state.period,
      sortOrder: board.sortOrder,
      after: state.after,
      until: state.close!.cut,
      excluded: new Set(excluded),
    });
  }

  private async board(leaderboardId: string) {
    const { state } = await this.options.streams.load(
      leaderboards.leaderboardStreamId(leaderboardId),
      leaderboards.leaderboardDecider,
    );
    return state;
  }

  /** The catalog entries of the items a reward table pays (for their holding limits). */
  private async rewardItems(
    table: readonly leaderboards.RewardTier[],
  ): Promise<Map<string, catalog.CatalogItem>> {
    const items = new Map<string, catalog.CatalogItem>();
    for (const sku of new Set(table.flatMap((tier) => Object.keys(tier.items ?? {})))) {
      items.set(
        sku,
        (await this.options.streams.load(catalog.catalogItemStreamId(sku), catalog.catalogDecider)).state,
      );
    }
    return items;
  }

  private periodCommand(
    streamId: string,
    key: string,
    command: (now: Date) => leaderboards.LeaderboardPeriodCommand,
  ): Promise<unknown> {
    const now = new Date();
    return this.options.streams.handle<
      leaderboards.LeaderboardPeriod,
      DomainEvent & leaderboards.LeaderboardPeriodEvent
    >(
      streamId,
      leaderboards.leaderboardPeriodDecider,
      (state) => leaderboards.decidePeriod(command(now), state),
      systemContext(PERIOD_ACTOR, key, now),
    );
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}

/** Runs `work` over `items`, at most `concurrency` at a time; rejects with the first failure. */
async function inParallel<T>(
  items: readonly T[],
  concurrency: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}
