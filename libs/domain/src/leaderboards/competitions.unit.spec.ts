import { deciderSpecification } from '@test/support/deciderSpecification';
import {
  type DefineLeaderboard,
  leaderboardDecider,
  playerScoresDecider,
  type SubmitScore,
} from './businessLogic';
import type { LeaderboardDefinition, LeaderboardEvent } from './leaderboard';
import {
  type LeaderboardPeriodEvent,
  SCORE_GRACE_MS,
  leaderboardPeriodDecider,
  pendingWork,
} from './leaderboardPeriod';
import { type KnownCatalog, type RewardTier, rewardDifference, rewardFor } from './rewards';
import { entriesOf, rankStandings } from './standings';
import type { ScoreSubmitted } from './scoreSubmissions';

const catalog: KnownCatalog = { currency: (code) => code === 'GOLD', item: (sku) => sku === 'sword' };
const window = {
  type: 'window',
  start: '2026-12-10T00:00:00.000Z',
  end: '2026-12-11T00:00:00.000Z',
} as const;
const rewards: RewardTier[] = [
  { fromRank: 1, toRank: 1, currencies: { GOLD: 1000 }, items: { sword: 1 } },
  { fromRank: 2, toRank: 10, currencies: { GOLD: 100 } },
];
const cup: LeaderboardDefinition = {
  leaderboardId: 'cup',
  sortOrder: 'desc',
  operator: 'best',
  resetSchedule: window,
  rewards,
  tournament: {
    joinOpensAt: '2026-12-09T00:00:00.000Z',
    joinClosesAt: '2026-12-10T12:00:00.000Z',
    maxParticipants: 2,
    entryFee: { currency: 'GOLD', amount: 50 },
  },
};
const define = (change: Record<string, unknown> = {}): DefineLeaderboard => ({
  type: 'DefineLeaderboard',
  data: { ...cup, ...change, catalog } as DefineLeaderboard['data'],
});
const defined: LeaderboardEvent = { type: 'LeaderboardDefined', data: cup };
const at = (iso: string) => new Date(iso);
const reserved = (playerId: string, reservationId = `r-${playerId}`): LeaderboardEvent => ({
  type: 'TournamentSeatReserved',
  data: { leaderboardId: 'cup', playerId, reservationId, expiresAt: '2026-12-09T10:01:00.000Z' },
});
const confirmed = (playerId: string): LeaderboardEvent => ({
  type: 'TournamentSeatConfirmed',
  data: { leaderboardId: 'cup', playerId, reservationId: `r-${playerId}` },
});

describe('competition definitions', () => {
  const given = deciderSpecification(leaderboardDecider).given;

  it('defines a tournament with its window, join rules, fee and reward table', () =>
    given([]).when(define()).then([defined]));

  it.each([
    [
      'a reward table with overlapping ranges',
      { rewards: [rewards[0], { fromRank: 1, toRank: 3, currencies: { GOLD: 1 } }] },
      'rewards[1].fromRank',
    ],
    [
      'a tier whose last rank is before its first',
      { rewards: [{ fromRank: 5, toRank: 2, currencies: { GOLD: 1 } }] },
      'rewards[0].toRank',
    ],
    ['a tier that pays nothing', { rewards: [{ fromRank: 1, toRank: 2 }] }, 'rewards[0]'],
    [
      'an unknown currency in a reward',
      { rewards: [{ fromRank: 1, toRank: 1, currencies: { GEMS: 5 } }] },
      'rewards[0].currencies.GEMS',
    ],
    [
      'an unknown item in a reward',
      { rewards: [{ fromRank: 1, toRank: 1, items: { shield: 1 } }] },
      'rewards[0].items.shield',
    ],
    [
      'a window that ends before it starts',
      { resetSchedule: { ...window, end: '2026-12-09T00:00:00.000Z' } },
      'resetSchedule.end',
    ],
    [
      'an unknown currency as the fee',
      { tournament: { ...cup.tournament, entryFee: { currency: 'GEMS', amount: 1 } } },
      'tournament.entryFee.currency',
    ],
    [
      'an unknown item as the fee',
      { tournament: { ...cup.tournament, entryFee: { sku: 'shield', quantity: 1 } } },
      'tournament.entryFee.sku',
    ],
    [
      'joining that closes after the window',
      { tournament: { ...cup.tournament, joinClosesAt: '2026-12-12T00:00:00.000Z' } },
      'tournament.joinClosesAt',
    ],
    ['a tournament on a repeating schedule', { resetSchedule: 'daily' }, 'resetSchedule'],
    ['rewards on a board that never closes', { resetSchedule: 'never', tournament: undefined }, 'rewards'],
    [
      'an every schedule without a unit',
      { resetSchedule: { type: 'every', count: 2, anchor: window.start }, tournament: undefined },
      'resetSchedule.unit',
    ],
  ])('refuses %s', (_name, change, field) =>
    given([]).when(define(change)).thenRejects('invalid-input', field),
  );

  it('keeps a board a board and a tournament a tournament', () =>
    given([{ type: 'LeaderboardDefined', data: { ...cup, tournament: undefined } }])
      .when(define())
      .thenRejects('leaderboard-definition-conflict', 'tournament'));

  it('fixes the rules once a player has joined', () =>
    given([defined, reserved('p1')])
      .when(define({ rewards: [rewards[1]] }))
      .thenRejects('leaderboard-definition-conflict', 'tournament'));
});

describe('joining a tournament', () => {
  const given = deciderSpecification(leaderboardDecider).given;
  const reserve = (playerId: string, now = '2026-12-09T10:00:00.000Z', reservationId = `r-${playerId}`) => ({
    type: 'ReserveSeat' as const,
    data: {
      leaderboardId: 'cup',
      playerId,
      reservationId,
      now: at(now),
      expiresAt: at('2026-12-09T10:01:00.000Z'),
    },
  });

  it('reserves a seat while joining is open', () =>
    given([defined])
      .when(reserve('p1'))
      .then([reserved('p1')]));

  it('takes the same reservation twice once', () =>
    given([defined, reserved('p1')])
      .when(reserve('p1'))
      .thenNothingHappens());

  it.each([
    ['before joining opens', [defined], reserve('p1', '2026-12-08T23:59:59.999Z'), 'tournament-join-closed'],
    ['after joining closes', [defined], reserve('p1', '2026-12-10T12:00:00.000Z'), 'tournament-join-closed'],
    ['when full', [defined, reserved('p1'), reserved('p2')], reserve('p3'), 'tournament-full'],
    [
      'a second time',
      [defined, reserved('p1'), confirmed('p1')],
      reserve('p1', undefined, 'other'),
      'already-joined',
    ],
  ] as const)('refuses a seat %s', (_name, history, command, code) =>
    given([...history])
      .when(command)
      .thenRejects(code),
  );

  it('refuses a board that is not a tournament', () =>
    given([{ type: 'LeaderboardDefined', data: { ...cup, tournament: undefined } }])
      .when(reserve('p1'))
      .thenRejects('not-a-tournament', 'leaderboardId'));

  it('confirms the seat of an entry, and frees it when the entry was refused', () => {
    given([defined, reserved('p1')])
      .when({ type: 'ConfirmSeat', data: { playerId: 'p1', reservationId: 'r-p1' } })
      .then([confirmed('p1')]);
    given([defined, reserved('p1')])
      .when({ type: 'ReleaseSeat', data: { playerId: 'p1', reservationId: 'r-p1', reason: 'refused' } })
      .then([
        {
          type: 'TournamentSeatReleased',
          data: { leaderboardId: 'cup', playerId: 'p1', reservationId: 'r-p1', reason: 'refused' },
        },
      ]);
  });

  it('never releases a confirmed seat, and confirms no released one', () => {
    given([defined, reserved('p1'), confirmed('p1')])
      .when({ type: 'ReleaseSeat', data: { playerId: 'p1', reservationId: 'r-p1', reason: 'lapsed' } })
      .thenNothingHappens();
    given([defined])
      .when({ type: 'ConfirmSeat', data: { playerId: 'p1', reservationId: 'r-p1' } })
      .thenRejects('tournament-entry-lapsed');
  });
});

describe('scores in a tournament', () => {
  const given = deciderSpecification(playerScoresDecider).given;
  const board = (events: LeaderboardEvent[]) =>
    events.reduce(leaderboardDecider.evolve, leaderboardDecider.initialState());
  const submit = (
    submittedAt: string,
    decidedAt = submittedAt,
    events = [defined, reserved('p1'), confirmed('p1')],
  ): SubmitScore => ({
    type: 'SubmitScore',
    data: {
      leaderboardId: 'cup',
      playerId: 'p1',
      score: 10,
      submittedAt: at(submittedAt),
      decidedAt: at(decidedAt),
      leaderboard: board(events),
    },
  });

  it('counts a joined player inside the window', () =>
    given([])
      .when(submit('2026-12-10T05:00:00.000Z'))
      .then([
        {
          type: 'ScoreSubmitted',
          data: {
            leaderboardId: 'cup',
            playerId: 'p1',
            period: window.start,
            score: 10,
            subscore: 0,
            submittedAt: '2026-12-10T05:00:00.000Z',
            sortOrder: 'desc',
            entry: { score: 10, subscore: 0, achievedAt: '2026-12-10T05:00:00.000Z' },
          },
        },
      ]));

  it('refuses a player who has not joined, or whose seat is only reserved', () => {
    given([])
      .when(submit('2026-12-10T05:00:00.000Z', undefined, [defined]))
      .thenRejects('not-joined', 'playerId');
    given([])
      .when(submit('2026-12-10T05:00:00.000Z', undefined, [defined, reserved('p1')]))
      .thenRejects('not-joined', 'playerId');
  });

  it('refuses a score after the window, and one decided after the grace that follows it', () => {
    given([]).when(submit('2026-12-11T00:00:00.000Z')).thenRejects('period-closed', 'score');
    const late = new Date(Date.parse(window.end) + SCORE_GRACE_MS).toISOString();
    given([]).when(submit('2026-12-10T23:59:59.999Z', late)).thenRejects('period-closed', 'score');
  });
});

describe('rewards by rank', () => {
  it('pays each rank its tier', () => {
    expect(rewardFor(rewards, 1)).toBe(rewards[0]);
    expect(rewardFor(rewards, 10)).toBe(rewards[1]);
    expect(rewardFor(rewards, 11)).toBeUndefined();
  });

  it('turns a change of rank into what to grant and what to take back', () => {
    expect(rewardDifference(rewardFor(rewards, 1), rewardFor(rewards, 2))).toEqual({
      grant: { currencies: { GOLD: 900 }, items: { sword: 1 } },
      clawBack: {},
    });
    expect(rewardDifference(undefined, rewardFor(rewards, 1))).toEqual({
      grant: {},
      clawBack: { currencies: { GOLD: 1000 }, items: { sword: 1 } },
    });
    expect(rewardDifference(rewardFor(rewards, 3), rewardFor(rewards, 2))).toEqual({
      grant: {},
      clawBack: {},
    });
  });
});

describe('standings', () => {
  const scored = (
    playerId: string,
    score: number,
    period = 'P',
    at = '2026-12-10T01:00:00.000Z',
  ): ScoreSubmitted => ({
    type: 'ScoreSubmitted',
    data: {
      leaderboardId: 'cup',
      playerId,
      period,
      score,
      subscore: 0,
      submittedAt: at,
      sortOrder: 'desc',
      entry: { score, subscore: 0, achievedAt: at },
    },
  });

  it("ranks every player's last entry in the period, without the excluded", () => {
    const entries = entriesOf(
      [scored('a', 5), scored('b', 9), scored('a', 7), scored('c', 99, 'other')],
      'P',
    );
    expect(rankStandings(entries.values(), 'desc').map((s) => [s.rank, s.playerId, s.score])).toEqual([
      [1, 'b', 9],
      [2, 'a', 7],
    ]);
    expect(rankStandings(entries.values(), 'desc', new Set(['b'])).map((s) => [s.rank, s.playerId])).toEqual([
      [1, 'a'],
    ]);
  });
});

describe('closing a period', () => {
  const given = deciderSpecification(leaderboardPeriodDecider).given;
  const scheduled: LeaderboardPeriodEvent = {
    type: 'LeaderboardPeriodScheduled',
    data: { leaderboardId: 'cup', period: 'P', startsAt: window.start, endsAt: window.end, after: 41 },
  };
  const summary = { entries: 2, standingsHash: 'h0', top: [] };
  const closed: LeaderboardPeriodEvent = {
    type: 'LeaderboardPeriodClosed',
    data: {
      leaderboardId: 'cup',
      period: 'P',
      cut: 99,
      closedAt: '2026-12-11T00:00:10.000Z',
      rewards,
      ...summary,
    },
  };
  const excluded: LeaderboardPeriodEvent = {
    type: 'PlayerExcludedFromPeriod',
    data: { leaderboardId: 'cup', period: 'P', playerId: 'cheat', reason: 'aimbot' },
  };
  const paid = (adjudication: number): LeaderboardPeriodEvent => ({
    type: 'LeaderboardPeriodRewardsPaid',
    data: { leaderboardId: 'cup', period: 'P', adjudication, players: 2 },
  });
  const close = (now: string) => ({
    type: 'ClosePeriod' as const,
    data: { ...summary, cut: 99, now: at(now), rewards },
  });

  it('schedules its timer once', () => {
    const schedule = {
      type: 'SchedulePeriodClose' as const,
      data: {
        leaderboardId: 'cup',
        period: 'P',
        startsAt: at(window.start),
        endsAt: at(window.end),
        after: 41,
      },
    };
    given([]).when(schedule).then([scheduled]);
    given([scheduled]).when(schedule).thenNothingHappens();
  });

  it('closes once, and not before it ends', () => {
    given([scheduled]).when(close('2026-12-11T00:00:10.000Z')).then([closed]);
    given([scheduled, closed]).when(close('2026-12-11T00:00:20.000Z')).thenNothingHappens();
    given([scheduled]).when(close('2026-12-10T23:59:59.999Z')).thenRejects('period-not-closed');
  });

  it('excludes a ranked player of a closed period once, with a reason', () => {
    const exclude = (ranked = true, reason = ' aimbot ') => ({
      type: 'ExcludePlayer' as const,
      data: { playerId: 'cheat', reason, ranked },
    });
    given([scheduled, closed]).when(exclude()).then([excluded]);
    given([scheduled, closed, excluded]).when(exclude()).thenNothingHappens();
    given([scheduled]).when(exclude()).thenRejects('period-not-closed');
    given([scheduled, closed]).when(exclude(false)).thenRejects('not-ranked', 'playerId');
    given([scheduled, closed]).when(exclude(true, '')).thenRejects('invalid-input', 'reason');
  });

  it('adjudicates the exclusions only once the previous standings are paid', () => {
    const adjudicate = {
      type: 'AdjudicatePeriod' as const,
      data: { excluded: ['cheat'], entries: 1, standingsHash: 'h1', top: [] },
    };
    given([scheduled, closed, excluded]).when(adjudicate).thenRejects('rewards-pending');
    given([scheduled, closed, paid(0), excluded])
      .when(adjudicate)
      .then([
        {
          type: 'LeaderboardPeriodAdjudicated',
          data: {
            leaderboardId: 'cup',
            period: 'P',
            adjudication: 1,
            excluded: ['cheat'],
            entries: 1,
            standingsHash: 'h1',
            top: [],
          },
        },
      ]);
  });

  it('says what is left to do', () => {
    const fold = (events: LeaderboardPeriodEvent[]) =>
      events.reduce(leaderboardPeriodDecider.evolve, leaderboardPeriodDecider.initialState());
    const now = at('2026-12-11T00:01:00.000Z');
    expect(pendingWork(fold([scheduled]), at('2026-12-10T12:00:00.000Z'))).toBeUndefined();
    expect(pendingWork(fold([scheduled]), now)).toBe('close');
    expect(pendingWork(fold([scheduled, closed]), now)).toEqual({ pay: 0 });
    expect(pendingWork(fold([scheduled, closed, paid(0)]), now)).toBeUndefined();
    expect(pendingWork(fold([scheduled, closed, paid(0), excluded]), now)).toBe('adjudicate');
  });
});
