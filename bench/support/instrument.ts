import type { Publisher } from '@app/messaging';
import { now } from './stats';

/** One relay publish: the batch up to `position` was handed to Kafka at `startedAt`, acked at `ackedAt`. */
export type PublishReport = { position: number; startedAt: number; ackedAt: number };

/** One projector batch of `partition`: received at `receivedAt`, checkpoint at `position` from `appliedAt`. */
export type ApplyReport = { partition: number; position: number; receivedAt: number; appliedAt: number };

/**
 * Makes `publisher` report when each of the relay's publishes started and when the broker acknowledged
 * it. Nothing else changes: the same messages go out through the same call.
 */
export const timePublishes = (
  publisher: Publisher,
  report: (published: PublishReport) => void,
): Publisher => {
  const publish = publisher.publish.bind(publisher);
  publisher.publish = async (topic, messages) => {
    const startedAt = now();
    await publish(topic, messages);
    // The relay ends every batch with watermarks carrying the batch's last position.
    const { position } = JSON.parse(String(messages[messages.length - 1].value)) as { position: number };
    report({ position, startedAt, ackedAt: now() });
  };
  return publisher;
};
