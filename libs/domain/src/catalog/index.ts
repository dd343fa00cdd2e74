export * from './catalogItem';
export * from './businessLogic';
export * from './currency';
