import type { leaderboards } from '@app/domain';
import type { IndexQuery, ReadModelDocument } from '@app/read-store';
import type { Projection } from './projection';

/** GET /v1/leaderboards[/{id}]; also tells the entry queries the current period and order. */
export type LeaderboardView = ReadModelDocument &
  leaderboards.LeaderboardDefinition & {
    /** A tournament's seats: confirmed joins, and reservations of joins under way. */
    participants?: { joined: number; joining: number };
  };

export const leaderboardView: Projection<LeaderboardView, leaderboards.LeaderboardEvent> = {
  collection: {
    name: 'leaderboards',
    indexes: {
      byId: { groupBy: [], orderBy: [['leaderboardId', 1]] },
    },
  },
  handles: [
    'LeaderboardDefined',
    'LeaderboardUpdated',
    'TournamentSeatReserved',
    'TournamentSeatConfirmed',
    'TournamentSeatReleased',
  ],
  documentId: (event) => event.data.leaderboardId,
  evolve: (doc, event) => {
    switch (event.type) {
      case 'LeaderboardDefined':
      case 'LeaderboardUpdated': {
        const participants = event.data.tournament
          ? { participants: doc?.participants ?? { joined: 0, joining: 0 } }
          : {};
        return { _id: event.data.leaderboardId, ...event.data, ...participants, revision: event.revision };
      }
      default: {
        if (!doc) return null;
        const { joined, joining } = doc.participants ?? { joined: 0, joining: 0 };
        const participants =
          event.type === 'TournamentSeatReserved'
            ? { joined, joining: joining + 1 }
            : event.type === 'TournamentSeatConfirmed'
              ? { joined: joined + 1, joining: joining - 1 }
              : { joined, joining: joining - 1 };
        return { ...doc, participants, revision: event.revision };
      }
    }
  },
};

/** Every board by id. */
export const leaderboardsById: IndexQuery<LeaderboardView> = {
  collection: leaderboardView.collection,
  index: 'byId',
  group: {},
};
