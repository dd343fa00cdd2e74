import type { Messaging, ReceivedMessage } from '@app/messaging';
import { randomUUID } from 'node:crypto';

/** Messages of `topic` from its beginning, read by a throwaway consumer group, once `until` holds for them. */
export async function readTopic(
  messaging: Messaging,
  topic: string,
  until: (messages: ReceivedMessage[]) => boolean,
): Promise<ReceivedMessage[]> {
  const received: ReceivedMessage[] = [];
  let done!: () => void;
  const complete = new Promise<void>((resolve) => (done = resolve));
  const consumer = await messaging.consume({
    groupId: `reader-${randomUUID()}`,
    topics: [topic],
    fromBeginning: true,
    concurrency: 8,
    handleBatch: async ({ messages }) => {
      received.push(...messages);
      if (until(received)) done();
    },
  });
  await complete;
  await consumer.close();
  return received;
}

/** Polls `condition` until it holds; fails the test after `timeoutMs`. */
export async function waitUntil(condition: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
