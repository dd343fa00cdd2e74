import type { RecordedEvent } from '@app/event-store';

/** Kafka header names: what analytics consumers may filter on without parsing the value. */
export const HEADERS = {
  eventType: 'event-type',
  schemaVersion: 'schema-version',
  correlationId: 'correlation-id',
  causationId: 'causation-id',
  contentType: 'content-type',
} as const;

/** A message as the relay publishes it: value is the DESIGN.md envelope as JSON. */
export type EventMessage = { key: string; value: string; headers: Record<string, string> };

/** key = stream id, so one stream's events keep their order inside one partition. */
export const toEventMessage = (event: RecordedEvent): EventMessage => {
  const headers: Record<string, string> = {
    [HEADERS.eventType]: event.type,
    [HEADERS.schemaVersion]: String(event.metadata.schemaVersion),
    [HEADERS.contentType]: 'application/json',
  };
  if (event.metadata.correlationId) headers[HEADERS.correlationId] = event.metadata.correlationId;
  if (event.metadata.causationId) headers[HEADERS.causationId] = event.metadata.causationId;
  return { key: event.streamId, value: JSON.stringify(event), headers };
};
