import type { DomainEvent } from '@app/domain';
import type { RecordedEventWithoutMetadata } from '@app/event-store';
import type { CollectionDefinition, IndexQuery, ReadModelDocument } from '@app/read-store';

/**
 * A recorded domain event, narrowed by its `type` like the domain union it comes from. Without its
 * metadata: a read model is built from what happened, never from who asked (so a replay need not read it).
 */
export type Recorded<E extends DomainEvent> =
  E extends DomainEvent<infer Type, infer Data> ? RecordedEventWithoutMetadata<Data> & { type: Type } : never;

/**
 * One read model: which events it reads, which document each one touches, and how it changes it.
 * Every document is fed by exactly one stream, so `revision` orders its updates.
 */
export type Projection<
  Doc extends ReadModelDocument,
  E extends DomainEvent = DomainEvent,
  Settled extends DomainEvent = never,
> = {
  collection: CollectionDefinition<Doc>;
  handles: readonly E['type'][];
  documentId: (event: Recorded<E>) => string;
  evolve: (doc: Doc | null, event: Recorded<E>) => Doc | null;
  /**
   * Events after which one group of the collection's index takes no more events (a leaderboard period
   * closed): once the batch holding one is committed, the store may hold that group more compactly
   * (`ReadStore.freeze`). Its queries answer the same, and a later write to it is still applied.
   */
  settles?: { handles: readonly Settled['type'][]; group: (event: Recorded<Settled>) => IndexQuery<Doc> };
  /**
   * Snapshots of the read models (`projectionsDigest`) see a changed definition or function source
   * themselves; bump this when what `evolve` returns changes through code its source does not show (a
   * helper it calls), so that snapshots written before are ignored.
   */
  version?: number;
};
