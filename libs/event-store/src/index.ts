export * from './eventStore';
export * from './snapshotStore';
