export * from './readStore';
export * from './memory/memoryReadStore';
