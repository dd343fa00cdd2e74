export * from './periods';
export * from './leaderboard';
export * from './scoreSubmissions';
export * from './businessLogic';
