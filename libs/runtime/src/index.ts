export * from './config';
export * from './eventStore';
export * from './readStore';
export * from './worker';
