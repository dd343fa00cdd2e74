export * from './envelope';
export * from './messaging';
export * from './contract/eventContract';
