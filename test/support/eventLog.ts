import type { EventStore, RecordedEvent } from '@app/event-store';
import { randomUUID } from 'node:crypto';

/**
 * Recorded events for projection tests, as the log would deliver them: each call takes the next global
 * position (from 1). `occurredAt` gives each event's timestamp from its revision.
 */
export const eventLog = (occurredAt: (revision: number) => string = () => '2026-11-21T10:00:00.000Z') => {
  let position = 0;
  return (streamId: string, revision: number, type: string, data: unknown): RecordedEvent => ({
    id: `${streamId}#${revision}`,
    type,
    streamId,
    revision,
    position: ++position,
    occurredAt: occurredAt(revision),
    data,
    metadata: { schemaVersion: 1 },
  });
};

/**
 * Fills a store with `streams` streams of `perStream` events of a type no read model handles and without
 * hashes (legacy, to the verifier): a long log for progress to be seen on, cheap to write.
 */
export const appendFillerEvents = async (
  store: Pick<EventStore, 'appendToStream'>,
  { streams, perStream }: { streams: number; perStream: number },
): Promise<void> => {
  for (let stream = 0; stream < streams; stream++) {
    await store.appendToStream(
      `filler-${stream}`,
      Array.from({ length: perStream }, (_, i) => ({
        id: randomUUID(),
        type: 'FillerAppended',
        data: { i },
        metadata: { schemaVersion: 1 },
        occurredAt: new Date(),
      })),
      'any',
    );
  }
};
