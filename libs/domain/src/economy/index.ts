export * from './playerEconomy';
export * from './businessLogic';
