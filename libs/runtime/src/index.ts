export * from './config';
export * from './deploymentMode';
export * from './eventStore';
export * from './messaging';
export * from './readModelPosition';
export * from './readStore';
export * from './worker';
