export * from './readStore';
export * from './cachedReadStore';
export * from './readModelSnapshots';
