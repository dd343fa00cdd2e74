import type { RecordedEventWithoutMetadata } from '@app/event-store';
import type { DocumentWrite, ProjectionTarget, ReadModelDocument, ReadStore } from '@app/read-store';
import type { Projection } from './projection';

export type AnyProjection = Projection<ReadModelDocument, never>;

export type ProjectOptions = {
  /** Which checkpoint the batch moves (one per Kafka partition); the embedded one by default. */
  checkpoint?: string;
  /** Where the checkpoint moves to; the last event's position by default. */
  position?: number;
};

/**
 * Applies a batch of events to every read model, as one commit together with the checkpoint.
 * The same function serves the embedded subscription, the Kafka projector and rebuilds.
 *
 * Idempotent: a document remembers the stream revision it last applied, and an event at or below it is
 * skipped, so a redelivered or replayed batch changes nothing.
 *
 * The store names where the batch goes (`projectionTargets`): itself, or while a blue/green rebuild runs
 * each of two sets, each evolved from its own documents, so the new set never inherits an old document.
 */
export async function project(
  store: ReadStore,
  projections: readonly AnyProjection[],
  events: readonly RecordedEventWithoutMetadata[],
  { checkpoint, position }: ProjectOptions = {},
): Promise<void> {
  const reached = position ?? events[events.length - 1]?.position;
  if (reached === undefined) return;
  for (const target of await store.projectionTargets()) {
    await projectInto(target, projections, events, reached, checkpoint);
  }
  // Groups the batch settled for good (a closed period): frozen once the events before them are stored.
  const { settling } = routing(projections);
  if (settling.size === 0) return;
  for (const event of events) {
    for (const projection of settling.get(event.type) ?? NONE)
      await store.freeze(projection.settles!.group(event as never));
  }
}

async function projectInto(
  target: ProjectionTarget,
  projections: readonly AnyProjection[],
  events: readonly RecordedEventWithoutMetadata[],
  reached: number,
  checkpoint: string | undefined,
): Promise<void> {
  const routes = routing(projections).evolving;
  // 1. The documents the batch starts from. Their ids are listed only when the store asks (one that
  //    fetches them first), and then kept for step 2, in event order.
  let ids: string[] | undefined;
  const stored = await target.read(() => {
    ids = [];
    const wanted = new Map<string, Set<string>>();
    for (const event of events) {
      for (const projection of routes.get(event.type) ?? NONE) {
        const id = projection.documentId(event as never);
        ids.push(id);
        const name = projection.collection.name;
        let set = wanted.get(name);
        if (!set) wanted.set(name, (set = new Set()));
        set.add(id);
      }
    }
    return wanted;
  });
  // 2. Evolve each document in event order, skipping what it has already seen. Each document the batch
  //    changes gets one write, updated as later events evolve it further (a null doc: deleted, at
  //    `revision`), with the stored document it started from.
  const changed = new Map<string, Changes>();
  let next = 0;
  for (const event of events) {
    for (const projection of routes.get(event.type) ?? NONE) {
      const id = ids ? ids[next++] : projection.documentId(event as never);
      const collection = projection.collection.name;
      let changes = changed.get(collection);
      if (!changes) changed.set(collection, (changes = { byId: new Map(), writes: [], previous: [] }));
      let change = changes.byId.get(id);
      const doc = change ? change.doc : (stored.get(collection, id) ?? null);
      if (doc !== null && doc.revision >= event.revision) continue;
      const evolved = projection.evolve(doc, event as never);
      if (!change) {
        changes.byId.set(id, (change = { collection, id, doc: evolved, revision: event.revision }));
        changes.writes.push(change);
        changes.previous.push(doc ?? undefined);
      }
      change.doc = evolved;
      change.revision = event.revision;
    }
  }
  // 3. One commit: documents and checkpoint move together. Writes go collection by collection (each
  //    store's table stays in cache).
  const writes: Change[] = [];
  const previous: (ReadModelDocument | undefined)[] = [];
  for (const changes of changed.values()) {
    for (const change of changes.writes) writes.push(change);
    for (const doc of changes.previous) previous.push(doc);
  }
  await target.commitBatch(writes as DocumentWrite[], reached, checkpoint, stored, previous);
}

type Changes = { byId: Map<string, Change>; writes: Change[]; previous: (ReadModelDocument | undefined)[] };

/** A document write as it builds up over a batch; `revision` is its last event's (a deletion's revision). */
type Change = { collection: string; id: string; doc: ReadModelDocument | null; revision: number };

const NONE: readonly AnyProjection[] = [];

/** Per event type, the projections that evolve a document on it, and those it settles a group of. */
type Routes = { evolving: Map<string, AnyProjection[]>; settling: Map<string, AnyProjection[]> };

const routingCache = new WeakMap<readonly AnyProjection[], Routes>();

const routing = (projections: readonly AnyProjection[]): Routes => {
  let routes = routingCache.get(projections);
  if (!routes) {
    routes = {
      evolving: byEventType(projections, (p) => p.handles),
      settling: byEventType(projections, (p) => p.settles?.handles ?? []),
    };
    routingCache.set(projections, routes);
  }
  return routes;
};

/**
 * The event types `projections` read: those `project` routes to them (evolving a document, or settling a
 * group). A replay of these projections may skip every other event: `project` does nothing with it.
 */
export const eventTypesReadBy = (projections: readonly AnyProjection[]): string[] => {
  const { evolving, settling } = routing(projections);
  return [...new Set([...evolving.keys(), ...settling.keys()])];
};

const byEventType = (
  projections: readonly AnyProjection[],
  types: (projection: AnyProjection) => readonly string[],
): Map<string, AnyProjection[]> => {
  const routes = new Map<string, AnyProjection[]>();
  for (const projection of projections) {
    for (const type of types(projection)) routes.set(type, [...(routes.get(type) ?? []), projection]);
  }
  return routes;
};
