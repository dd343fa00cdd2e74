export * from './catalogItem';
export * from './businessLogic';
