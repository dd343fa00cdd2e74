export * from './eventStore';
export * from './snapshotStore';
export * from './streamQueues';
