export * from './readStore';
export * from './memory/memoryReadStore';
export * from './mongo/mongoReadStore';
export * from './mongo/aliasedReadStore';
export * from './cachedReadStore';
