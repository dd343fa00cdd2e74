import type { leaderboards } from '@app/domain';
import type { ReadModelDocument } from '@app/read-store';
import type { Projection } from './projection';

/** One adjudication of a closed period (0: the close itself). */
export type AdjudicationView = leaderboards.StandingsSummary & { adjudication: number; excluded: string[] };

/**
 * GET /v1/leaderboards/{id}/periods/{period}: a period's timer, its close (the cut, the standings hash,
 * the best few), every adjudication since, and how far its rewards are paid. Entry queries on a closed
 * period leave out the players its latest adjudication excludes.
 */
export type LeaderboardPeriodView = ReadModelDocument & {
  leaderboardId: string;
  period: string;
  status: 'scheduled' | 'closed';
  startsAt: string;
  endsAt: string;
  close?: { cut: number; closedAt: string; rewards: readonly leaderboards.RewardTier[] };
  adjudications: AdjudicationView[];
  /** Every exclusion, with its reason, in order; some may await their adjudication. */
  exclusions: { playerId: string; reason: string }[];
  /** The last adjudication whose rewards are all paid (-1: none yet). */
  paidThrough: number;
};

export const leaderboardPeriodId = (leaderboardId: string, period: string): string =>
  [leaderboardId, period].join('|');

export const leaderboardPeriodView: Projection<LeaderboardPeriodView, leaderboards.LeaderboardPeriodEvent> = {
  collection: { name: 'leaderboardPeriods' },
  handles: [
    'LeaderboardPeriodScheduled',
    'LeaderboardPeriodClosed',
    'PlayerExcludedFromPeriod',
    'LeaderboardPeriodAdjudicated',
    'LeaderboardPeriodRewardsPaid',
  ],
  documentId: (event) => leaderboardPeriodId(event.data.leaderboardId, event.data.period),
  evolve: (doc, event) => {
    if (event.type === 'LeaderboardPeriodScheduled') {
      const { leaderboardId, period, startsAt, endsAt } = event.data;
      return {
        _id: leaderboardPeriodId(leaderboardId, period),
        leaderboardId,
        period,
        status: 'scheduled',
        startsAt,
        endsAt,
        adjudications: [],
        exclusions: [],
        paidThrough: -1,
        revision: event.revision,
      };
    }
    if (!doc) return null;
    const next = { ...doc, revision: event.revision };
    switch (event.type) {
      case 'LeaderboardPeriodClosed': {
        const { cut, closedAt, rewards, entries, standingsHash, top } = event.data;
        return {
          ...next,
          status: 'closed',
          close: { cut, closedAt, rewards },
          adjudications: [{ adjudication: 0, excluded: [], entries, standingsHash, top }],
        };
      }
      case 'PlayerExcludedFromPeriod':
        return {
          ...next,
          exclusions: [...doc.exclusions, { playerId: event.data.playerId, reason: event.data.reason }],
        };
      case 'LeaderboardPeriodAdjudicated': {
        const { adjudication, excluded, entries, standingsHash, top } = event.data;
        return {
          ...next,
          adjudications: [
            ...doc.adjudications,
            { adjudication, excluded: [...excluded], entries, standingsHash, top },
          ],
        };
      }
      case 'LeaderboardPeriodRewardsPaid':
        return { ...next, paidThrough: Math.max(doc.paidThrough, event.data.adjudication) };
    }
  },
};
