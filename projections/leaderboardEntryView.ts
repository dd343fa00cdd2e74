import { leaderboards } from '@app/domain';
import type { ReadModelDocument } from '@app/read-store';
import type { Projection } from './projection';

/** One player's standing on one board in one period. */
export type LeaderboardEntryView = ReadModelDocument &
  leaderboards.RankedEntry & {
    leaderboardId: string;
    period: string;
    sortOrder: leaderboards.SortOrder;
    /** Metadata of the submission that achieved this entry. */
    metadata?: leaderboards.ScoreMetadata;
  };

export const leaderboardEntryId = (leaderboardId: string, period: string, playerId: string): string =>
  `${leaderboardId}|${period}|${playerId}`;
export const rankingGroup = (leaderboardId: string, period: string): string => `${leaderboardId}|${period}`;

export const leaderboardEntryView: Projection<LeaderboardEntryView, leaderboards.ScoreSubmissionEvent> = {
  collection: {
    name: 'leaderboardEntries',
    indexes: {
      ranking: {
        groupOf: (doc) => rankingGroup(doc.leaderboardId, doc.period),
        compare: (a, b) => leaderboards.compareRanked(a, b, a.sortOrder),
      },
    },
  },
  handles: ['ScoreSubmitted'],
  documentId: (event) => leaderboardEntryId(event.data.leaderboardId, event.data.period, event.data.playerId),
  evolve: (doc, { data, revision }) => {
    // The decider already applied the board's operator; the event's entry is the new standing.
    const achievedNow = data.entry.achievedAt === data.submittedAt;
    const metadata = achievedNow ? data.metadata : doc?.metadata;
    return {
      _id: leaderboardEntryId(data.leaderboardId, data.period, data.playerId),
      leaderboardId: data.leaderboardId,
      period: data.period,
      playerId: data.playerId,
      sortOrder: data.sortOrder,
      ...data.entry,
      ...(metadata !== undefined ? { metadata } : {}),
      revision,
    };
  },
};
