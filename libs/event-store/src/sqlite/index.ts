export * from './sqliteEventStore';
export * from './sqliteLogReader';
