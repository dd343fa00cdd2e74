export * from './eventStore';
export * from './sqlite/sqliteEventStore';
export * from './esdb/esdbEventStore';
