export * from './sqliteEventStore';
