import type { Messaging, MessagingLog } from '@app/messaging';
import { KafkaMessaging } from '@app/messaging/kafka';
import type { LoggerService } from '@nestjs/common';
import type { AppConfig } from './config';

/** The broker the configuration names (KAFKA_BROKERS), for a client named `clientId`. */
export const openMessaging = (config: AppConfig, clientId: string, logger: LoggerService): Messaging => {
  if (!config.KAFKA_BROKERS) throw new Error('KAFKA_BROKERS must be set');
  return new KafkaMessaging({
    brokers: config.KAFKA_BROKERS.split(','),
    clientId,
    log: messagingLog(logger),
  });
};

/** Routes the Kafka client's log lines into the process logger. */
export const messagingLog =
  (logger: LoggerService): MessagingLog =>
  (level, message, extra) => {
    if (level === 'error') logger.error(extra ?? {}, message);
    else if (level === 'warn') logger.warn(extra ?? {}, message);
    else if (level === 'info') logger.log(extra ?? {}, message);
    else logger.debug?.(extra ?? {}, message);
  };

/** The relay's lease and checkpoint in the event store: one active relay per event store. */
export const RELAY_LEASE = 'relay';
