export * from './kafkaMessaging';
