export * from './envelope';
export * from './messaging';
export * from './kafka/kafkaMessaging';
