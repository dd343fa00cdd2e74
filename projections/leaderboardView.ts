import type { leaderboards } from '@app/domain';
import type { IndexQuery, ReadModelDocument } from '@app/read-store';
import type { Projection } from './projection';

/** GET /v1/leaderboards[/{id}]; also tells the entry queries the current period and order. */
export type LeaderboardView = ReadModelDocument & leaderboards.LeaderboardDefinition;

export const leaderboardView: Projection<LeaderboardView, leaderboards.LeaderboardEvent> = {
  collection: {
    name: 'leaderboards',
    indexes: {
      byId: { groupBy: [], orderBy: [['leaderboardId', 1]] },
    },
  },
  handles: ['LeaderboardDefined', 'LeaderboardUpdated'],
  documentId: (event) => event.data.leaderboardId,
  evolve: (_doc, event) => ({ _id: event.data.leaderboardId, ...event.data, revision: event.revision }),
};

/** Every board by id. */
export const leaderboardsById: IndexQuery<LeaderboardView> = {
  collection: leaderboardView.collection,
  index: 'byId',
  group: {},
};
