export * from './playerSessions';
