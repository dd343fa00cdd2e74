export * from './config';
export * from './eventStore';
export * from './worker';
