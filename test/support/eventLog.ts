import type { RecordedEvent } from '@app/event-store';

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
