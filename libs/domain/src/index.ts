export * from './shared/decider';
export * from './shared/errors';
export * from './shared/values';
export * as catalog from './catalog';
export * as economy from './economy';
export * as leaderboards from './leaderboards';
export * as audit from './audit';
export * as sessions from './sessions';
