export * from './periods';
export * from './leaderboard';
export * from './scoreSubmissions';
export * from './businessLogic';
export * from './rewards';
export * from './standings';
export * from './leaderboardPeriod';
