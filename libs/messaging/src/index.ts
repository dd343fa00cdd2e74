export * from './envelope';
export * from './messaging';
export * from './kafka/kafkaMessaging';
export * from './contract/eventContract';
