import type { RecordedEvent } from '@app/event-store';
import type { CollectionDefinition, ReadModelDocument } from '@app/read-store';
import type { AnyProjection } from '@app/projections';

/**
 * A toy read model for store and rebuild tests: one document per stream counting its `Ticked` events,
 * with the trail of revisions it applied (so a document evolved from another set's shows it).
 */
export type Tally = ReadModelDocument & { count: number; history: string };

export const tallies: CollectionDefinition<Tally> = { name: 'tallies' };

export const tallyView = {
  collection: tallies,
  handles: ['Ticked'],
  documentId: (event: RecordedEvent) => event.streamId,
  evolve: (doc: Tally | null, event: RecordedEvent): Tally => ({
    _id: event.streamId,
    count: (doc?.count ?? 0) + 1,
    history: `${doc?.history ?? 'new'}+${event.revision}`,
    revision: event.revision,
  }),
} as unknown as AnyProjection;

/** A recorded `Ticked` event, as the log would deliver it. */
export const ticked = (streamId: string, revision: number, position: number): RecordedEvent => ({
  id: `${streamId}-${revision}`,
  type: 'Ticked',
  streamId,
  revision,
  position,
  occurredAt: '2026-01-01T00:00:00.000Z',
  data: {},
  metadata: { schemaVersion: 1 },
});
