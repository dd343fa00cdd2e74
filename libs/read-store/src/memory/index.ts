export * from './memoryReadStore';
export * from './snapshotFile';
