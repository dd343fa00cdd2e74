import { leaderboards } from '@app/domain';
import type { IndexQuery, ReadModelDocument } from '@app/read-store';
import type { Projection } from './projection';

/** One player's standing on one board in one period. */
export type LeaderboardEntryView = ReadModelDocument &
  leaderboards.RankedEntry &
  RankKey & {
    leaderboardId: string;
    period: string;
    sortOrder: leaderboards.SortOrder;
    /** Metadata of the submission that achieved this entry. */
    metadata?: leaderboards.ScoreMetadata;
  };

/**
 * (score, subscore) turned so that ascending is the board's order: negated on a 'desc' board. With
 * `achievedAt` and `playerId` after them, an ascending index gives `leaderboards.compareRanked`.
 */
export type RankKey = { rankScore: number; rankSubscore: number };

export const rankKey = (
  sortOrder: leaderboards.SortOrder,
  { score, subscore }: Pick<leaderboards.LeaderboardEntry, 'score' | 'subscore'>,
): RankKey =>
  // `0 - x`, not `-x`: a score of 0 stays 0 instead of becoming -0.
  sortOrder === 'desc'
    ? { rankScore: 0 - score, rankSubscore: 0 - subscore }
    : { rankScore: score, rankSubscore: subscore };

// `join`, not a template: it builds one flat string, where `+` leaves a chain of rope strings behind
// that every held entry would pay for.
export const leaderboardEntryId = (leaderboardId: string, period: string, playerId: string): string =>
  [leaderboardId, period, playerId].join('|');

export const leaderboardEntryView: Projection<
  LeaderboardEntryView,
  leaderboards.ScoreSubmissionEvent,
  leaderboards.LeaderboardPeriodClosed
> = {
  collection: {
    name: 'leaderboardEntries',
    indexes: {
      ranking: {
        groupBy: ['leaderboardId', 'period'],
        orderBy: [
          ['rankScore', 1],
          ['rankSubscore', 1],
          ['achievedAt', 1],
          ['playerId', 1],
        ],
      },
    },
  },
  handles: ['ScoreSubmitted'],
  documentId: (event) => leaderboardEntryId(event.data.leaderboardId, event.data.period, event.data.playerId),
  evolve: (doc, { data, revision }) => {
    // The decider already applied the board's operator; the event's entry is the new standing.
    const { entry, sortOrder } = data;
    const achievedNow = entry.achievedAt === data.submittedAt;
    const metadata = achievedNow ? data.metadata : doc?.metadata;
    const { rankScore, rankSubscore } = rankKey(sortOrder, entry);
    // One literal with every field (no spreads): the document keeps them all inside the object, smaller
    // per entry than a spread-built one with a separate property array.
    const view: LeaderboardEntryView = {
      // The previous document's strings where it has them (equal values): one copy per entry.
      _id: doc?._id ?? leaderboardEntryId(data.leaderboardId, data.period, data.playerId),
      leaderboardId: doc?.leaderboardId ?? data.leaderboardId,
      period: doc?.period ?? data.period,
      playerId: doc?.playerId ?? data.playerId,
      sortOrder,
      score: entry.score,
      subscore: entry.subscore,
      achievedAt: entry.achievedAt,
      rankScore,
      rankSubscore,
      revision,
    };
    if (metadata === undefined) return view;
    // Same key order as without metadata, with `metadata` before `revision`.
    const { revision: _revision, ...fields } = view;
    return { ...fields, metadata, revision };
  },
  // A closed period's ranking is final: the decider refuses a score decided after the period's end and
  // grace, before which the close does not run, and an exclusion changes no entry (queries leave the
  // excluded players out). A write that still reached a frozen group would be applied all the same.
  settles: {
    handles: ['LeaderboardPeriodClosed'],
    group: ({ data }) => boardRanking(data.leaderboardId, data.period),
  },
};

/** One board's period in rank order: top N, ranks and around-me. */
export const boardRanking = (leaderboardId: string, period: string): IndexQuery<LeaderboardEntryView> => ({
  collection: leaderboardEntryView.collection,
  index: 'ranking',
  group: { leaderboardId, period },
});
