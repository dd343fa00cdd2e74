import type { SortOrder } from './leaderboard';
import { type RankedEntry, type ScoreSubmitted, compareRanked } from './scoreSubmissions';

/** A player's place in a period's final order (1-based). */
export type Standing = RankedEntry & { rank: number };

/**
 * Every player's entry in `period` after the given submissions (any order of streams, each stream's in
 * order): a player's last submission in the period carries their standing, as the operator left it.
 */
export const entriesOf = (
  submissions: Iterable<ScoreSubmitted>,
  period: string,
  into: Map<string, RankedEntry> = new Map(),
): Map<string, RankedEntry> => {
  for (const { data } of submissions) {
    if (data.period !== period) continue;
    into.set(data.playerId, { playerId: data.playerId, ...data.entry });
  }
  return into;
};

/** The entries in board order, ranked 1.., without the excluded players. */
export const rankStandings = (
  entries: Iterable<RankedEntry>,
  sortOrder: SortOrder,
  excluded: ReadonlySet<string> = new Set(),
): Standing[] =>
  [...entries]
    .filter((entry) => !excluded.has(entry.playerId))
    .sort((a, b) => compareRanked(a, b, sortOrder))
    .map((entry, index) => ({ ...entry, rank: index + 1 }));
