import { randomUUID } from 'node:crypto';
import { summarizeStandings } from '@app/audit';
import {
  type Command,
  type Decider,
  type DomainEvent,
  DomainError,
  catalog,
  economy,
  leaderboards,
} from '@app/domain';
import type { RecordedEvent } from '@app/event-store';
import { type EventMessage, toEventMessage } from '@app/messaging';
import type { Report } from '../revenueByHour';

type Item = catalog.CatalogItemDefinition & { status: 'Defined' };

const potion: Item = {
  status: 'Defined',
  sku: 'health-potion',
  name: 'Health Potion',
  prices: { GEMS: 1, GOLD: 10 },
  stackable: true,
};
const repricedPotion: Item = { ...potion, prices: { GEMS: 1, GOLD: 12 } };
const sword: Item = {
  status: 'Defined',
  sku: 'sword',
  name: 'Sword',
  prices: { GOLD: 100 },
  stackable: false,
};

/**
 * Events as the store would record them: decided by the domain from commands on the state of their
 * stream, stamped with stream revision, global position and metadata.
 */
class EventLog {
  readonly events: RecordedEvent[] = [];
  private readonly streams = new Map<string, { state: unknown; revision: number }>();

  run<State, Cmd extends Command, E extends DomainEvent>(
    streamId: string,
    decider: Decider<State, Cmd, E>,
    command: Cmd,
    occurredAt: string,
  ): RecordedEvent[] {
    const stream = this.streams.get(streamId) ?? { state: decider.initialState(), revision: -1 };
    const decided = decider.decide(command, stream.state as State);
    const recorded = decided.map((event, index) => ({
      id: randomUUID(),
      type: event.type,
      streamId,
      revision: stream.revision + 1 + index,
      position: this.events.length + 1 + index,
      occurredAt,
      data: event.data,
      metadata: { schemaVersion: 1, correlationId: randomUUID(), actor: 'game-server' },
    }));
    this.streams.set(streamId, {
      state: decided.reduce(decider.evolve, stream.state as State),
      revision: stream.revision + decided.length,
    });
    this.events.push(...recorded);
    return recorded;
  }

  state<State>(streamId: string, decider: { initialState: () => State }): State {
    return (this.streams.get(streamId)?.state as State | undefined) ?? decider.initialState();
  }

  economy(command: economy.PlayerEconomyCommand, occurredAt: string): RecordedEvent[] {
    const streamId = economy.playerEconomyStreamId(command.data.playerId);
    return this.run(streamId, economy.playerEconomyDecider, command, occurredAt);
  }
}

const at = (time: string) => `2026-11-21T${time}Z`;
const grant = (playerId: string, currency: string, amount: number): economy.GrantCurrency => ({
  type: 'GrantCurrency',
  data: { playerId, currency, amount, reason: 'welcome bonus' },
});
const buy = (playerId: string, item: Item, quantity: number, currency: string): economy.PurchaseItem => ({
  type: 'PurchaseItem',
  data: { playerId, sku: item.sku, quantity, currency, item },
});

/** An hour-long tournament: 50 GOLD to enter, 300 GOLD for the winner, 100 GOLD for ranks 2 and 3. */
const CUP = 'blitz-cup';
const window = { type: 'window', start: at('08:00:00.000'), end: at('09:00:00.000') } as const;
const rewards: leaderboards.RewardTier[] = [
  { fromRank: 1, toRank: 1, currencies: { GOLD: 300 } },
  { fromRank: 2, toRank: 3, currencies: { GOLD: 100 } },
];
const cupStream = leaderboards.leaderboardStreamId(CUP);
const period = window.start;
const periodStream = leaderboards.leaderboardPeriodStreamId(CUP, period);

/** Joins as the application's saga does: reserve a seat, enter (pay), confirm; or lapse and release. */
const join = (log: EventLog, playerId: string, time: string) => {
  const now = new Date(at(time));
  const reservationId = randomUUID();
  const board = log.state(cupStream, leaderboards.leaderboardDecider);
  const fee = board.status === 'Defined' ? board.tournament?.entryFee : undefined;
  const onBoard = (command: leaderboards.LeaderboardCommand) =>
    log.run(cupStream, leaderboards.leaderboardDecider, command, at(time));
  onBoard({
    type: 'ReserveSeat',
    data: { leaderboardId: CUP, playerId, reservationId, now, expiresAt: new Date(now.getTime() + 60_000) },
  });
  try {
    log.economy(
      { type: 'EnterTournament', data: { playerId, leaderboardId: CUP, reservationId, fee } },
      at(time),
    );
  } catch (refusal) {
    if (!(refusal instanceof DomainError)) throw refusal;
    log.economy(
      {
        type: 'LapseTournamentEntry',
        data: { playerId, leaderboardId: CUP, reservationId, reason: 'refused' },
      },
      at(time),
    );
    onBoard({ type: 'ReleaseSeat', data: { playerId, reservationId, reason: 'refused' } });
    return;
  }
  onBoard({ type: 'ConfirmSeat', data: { playerId, reservationId } });
};

/** Settles each player's rewards with what their rank now pays, as the period closer does. */
const payOut = (
  log: EventLog,
  adjudication: number,
  standings: leaderboards.Standing[],
  before: leaderboards.Standing[],
  time: string,
) => {
  const rank = (of: leaderboards.Standing[], playerId: string) =>
    of.find((standing) => standing.playerId === playerId)?.rank;
  const source = { leaderboardId: CUP, period, adjudication };
  let players = 0;
  for (const playerId of new Set([...standings, ...before].map((standing) => standing.playerId))) {
    const now = rank(standings, playerId);
    const reward = leaderboards.rewardFor(rewards, now);
    const settled = log.economy(
      {
        type: 'SettleReward',
        data: { playerId, source, ...(reward ? { owed: { rank: now!, reward } } : {}), catalog: new Map() },
      },
      at(time),
    );
    if (settled.length > 0) players += 1;
  }
  log.run(
    periodStream,
    leaderboards.leaderboardPeriodDecider,
    { type: 'RecordRewardsPaid', data: { adjudication, players } },
    at(time),
  );
};

/**
 * Players' wallets around three UTC hours: purchases in two currencies, a price change, one purchase
 * delivered twice, and events of other types; a tournament's entry fees (one entry refused), its close,
 * payouts, the winner excluded for cheating and the payouts of the adjudication (a clawback with a
 * shortfall, a reward withheld at a balance's limit). Watermarks are the caller's (they depend on partitions).
 */
export const revenueScenario = (): { messages: EventMessage[]; lastPosition: number } => {
  const log = new EventLog();
  log.run(
    catalog.currencyStreamId('GOLD'),
    catalog.currencyDecider,
    { type: 'DefineCurrency', data: { code: 'GOLD', name: 'Gold' } },
    at('06:00:00.000'),
  );
  log.run(
    cupStream,
    leaderboards.leaderboardDecider,
    {
      type: 'DefineLeaderboard',
      data: {
        leaderboardId: CUP,
        sortOrder: 'desc',
        operator: 'best',
        resetSchedule: window,
        rewards,
        tournament: {
          joinClosesAt: at('08:30:00.000'),
          maxParticipants: 10,
          entryFee: { currency: 'GOLD', amount: 50 },
        },
        catalog: { currency: (code) => code === 'GOLD', item: () => false },
      },
    },
    at('06:01:00.000'),
  );
  log.economy(grant('p1', 'GOLD', 500), at('06:55:00.000'));
  log.economy(grant('p2', 'GOLD', 100), at('06:56:00.000'));
  log.economy(grant('p3', 'GEMS', 10), at('06:57:00.000'));
  log.economy(grant('p4', 'GOLD', 200), at('06:58:00.000'));
  log.economy(grant('p5', 'GOLD', Number.MAX_SAFE_INTEGER - 100), at('06:59:00.000'));
  const [redelivered] = log.economy(buy('p1', potion, 3, 'GOLD'), at('07:15:00.000'));
  join(log, 'p2', '07:20:00.000');
  join(log, 'p1', '07:30:00.000');
  log.economy(buy('p3', potion, 2, 'GEMS'), at('07:30:00.000'));
  join(log, 'p5', '07:40:00.000');
  join(log, 'p3', '07:45:00.000'); // no GOLD: refused, nothing paid
  log.economy(buy('p2', potion, 1, 'GOLD'), at('07:59:59.999'));
  log.economy(buy('p1', sword, 1, 'GOLD'), at('08:00:00.000'));
  join(log, 'p4', '08:05:00.000');
  log.economy(buy('p2', repricedPotion, 1, 'GOLD'), at('08:10:00.000'));
  log.economy(
    { type: 'ConsumeItem', data: { playerId: 'p1', sku: 'health-potion', quantity: 1, item: potion } },
    at('08:20:00.000'),
  );

  // The window's scores, its timer and close.
  const bounds = leaderboards.periodBounds(window, period) as leaderboards.PeriodBounds;
  log.run(
    periodStream,
    leaderboards.leaderboardPeriodDecider,
    {
      type: 'SchedulePeriodClose',
      data: {
        leaderboardId: CUP,
        period,
        startsAt: bounds.start,
        endsAt: bounds.end,
        after: log.events.length,
      },
    },
    at('08:30:00.000'),
  );
  const scores = (
    [
      ['p2', 1000, '08:30:00.000'],
      ['p5', 800, '08:35:00.000'],
      ['p1', 600, '08:40:00.000'],
      ['p4', 400, '08:45:00.000'],
    ] as const
  ).flatMap(([playerId, score, time]) =>
    log.run(
      leaderboards.playerScoresStreamId(CUP, playerId),
      leaderboards.playerScoresDecider,
      {
        type: 'SubmitScore',
        data: {
          leaderboardId: CUP,
          playerId,
          score,
          submittedAt: new Date(at(time)),
          decidedAt: new Date(at(time)),
          leaderboard: log.state(cupStream, leaderboards.leaderboardDecider),
        },
      },
      at(time),
    ),
  ) as unknown as leaderboards.ScoreSubmitted[];
  const standings = (excluded: string[] = []) =>
    leaderboards.rankStandings(leaderboards.entriesOf(scores, period).values(), 'desc', new Set(excluded));
  log.run(
    periodStream,
    leaderboards.leaderboardPeriodDecider,
    {
      type: 'ClosePeriod',
      data: {
        cut: log.events.length,
        now: new Date(at('09:00:05.000')),
        rewards,
        ...summarizeStandings(standings()),
      },
    },
    at('09:00:05.000'),
  );
  // Close: p2 300, p5 100, p1 100 (p4 is 4th).
  payOut(log, 0, standings(), [], '09:00:06.000');
  log.economy(buy('p2', sword, 1, 'GOLD'), at('09:10:00.000'));

  // p2 cheated: without p2, p5 is 1st (200 more, of which 150 would pass 2^53-1: withheld), p1 2nd
  // (unchanged), p4 3rd (100); p2 owes back 300 but holds 228 (a shortfall of 72).
  log.run(
    periodStream,
    leaderboards.leaderboardPeriodDecider,
    { type: 'ExcludePlayer', data: { playerId: 'p2', reason: 'aimbot', ranked: true } },
    at('09:30:00.000'),
  );
  log.run(
    periodStream,
    leaderboards.leaderboardPeriodDecider,
    { type: 'AdjudicatePeriod', data: { excluded: ['p2'], ...summarizeStandings(standings(['p2'])) } },
    at('09:30:01.000'),
  );
  payOut(log, 1, standings(['p2']), standings(), '09:30:02.000');

  const messages = [...log.events.map(toEventMessage), toEventMessage(redelivered)];
  return { messages, lastPosition: log.events.length };
};

/**
 * The scenario's report. Revenue: 07:00 potions 3x10 + 1x10 GOLD and 2x1 GEMS, three entries at 50 GOLD;
 * 08:00 a sword, a potion at 12, one entry; 09:00 a sword. Rewards: 300 + 100 + 100 at the close, then
 * 50 (150 withheld) + 100, and 228 of 300 taken back.
 */
export const expectedReport: Report = {
  revenue: [
    {
      hour: at('07:00:00.000'),
      kind: 'item',
      id: 'health-potion',
      currency: 'GEMS',
      amount: 2,
      quantity: 2,
      payments: 1,
    },
    {
      hour: at('07:00:00.000'),
      kind: 'item',
      id: 'health-potion',
      currency: 'GOLD',
      amount: 40,
      quantity: 4,
      payments: 2,
    },
    {
      hour: at('07:00:00.000'),
      kind: 'tournament-entry',
      id: CUP,
      currency: 'GOLD',
      amount: 150,
      quantity: 3,
      payments: 3,
    },
    {
      hour: at('08:00:00.000'),
      kind: 'item',
      id: 'health-potion',
      currency: 'GOLD',
      amount: 12,
      quantity: 1,
      payments: 1,
    },
    {
      hour: at('08:00:00.000'),
      kind: 'item',
      id: 'sword',
      currency: 'GOLD',
      amount: 100,
      quantity: 1,
      payments: 1,
    },
    {
      hour: at('08:00:00.000'),
      kind: 'tournament-entry',
      id: CUP,
      currency: 'GOLD',
      amount: 50,
      quantity: 1,
      payments: 1,
    },
    {
      hour: at('09:00:00.000'),
      kind: 'item',
      id: 'sword',
      currency: 'GOLD',
      amount: 100,
      quantity: 1,
      payments: 1,
    },
  ],
  rewards: [
    {
      leaderboardId: CUP,
      period,
      currency: 'GOLD',
      granted: 650,
      clawedBack: 228,
      net: 422,
      withheld: 150,
      shortfall: 72,
      players: 4,
    },
  ],
};
