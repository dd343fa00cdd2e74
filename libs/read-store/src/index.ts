export * from './readStore';
export * from './cachedReadStore';
