import type { RecordedEvent } from '@app/event-store';

/** Kafka header names: what analytics consumers may filter on without parsing the value. */
export const HEADERS = {
  eventType: 'event-type',
  schemaVersion: 'schema-version',
  correlationId: 'correlation-id',
  causationId: 'causation-id',
  contentType: 'content-type',
} as const;

/** A message as the relay publishes it: value is the event envelope (docs/architecture.md) as JSON. */
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

/** The topics of the analytics contract (see contract/asyncapi.json). */
export const TOPICS = { events: 'game.events', deadLetters: 'game.events.dlq' } as const;
export type Topics = { events: string; deadLetters: string };

/** The contract's topics under an environment prefix (`staging.` gives `staging.game.events`). */
export const topicsFor = (prefix: string): Topics => ({
  events: prefix + TOPICS.events,
  deadLetters: prefix + TOPICS.deadLetters,
});

/** The topics as the relay or a projector creates them when missing (whichever starts first). */
export const contractTopics = (topics: Topics, partitions: number) => [
  // Kafka keeps events a week for consumers that fall behind; the event store keeps them forever.
  { topic: topics.events, partitions, config: { 'retention.ms': '604800000' } },
  { topic: topics.deadLetters, partitions: 1, config: { 'retention.ms': '2592000000' } },
];

/** Event type of the relay's control message: "every event up to `position` is published". */
export const WATERMARK_TYPE = '$watermark';

/**
 * Sent to every partition after a batch, so a consumer of a partition that got no event still learns
 * how far the log has been published (read-after-write waits on the slowest partition).
 */
export const toWatermarkMessage = (position: number, partition: number) => ({
  key: null,
  partition,
  value: JSON.stringify({ position }),
  headers: { [HEADERS.eventType]: WATERMARK_TYPE, [HEADERS.contentType]: 'application/json' },
});

/** The read-store checkpoint of one partition: how far the events routed to it have been applied. */
export const partitionCheckpoint = (topic: string, partition: number): string => `${topic}#${partition}`;
