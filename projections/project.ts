import type { RecordedEvent } from '@app/event-store';
import type { DocumentWrite, ReadModelDocument, ReadStore } from '@app/read-store';
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
 * While a blue/green rebuild runs, the store names two sets (`writeTargets`): the batch is applied to
 * each from that set's own documents, so the new set never inherits a document of the old one.
 */
export async function project(
  store: ReadStore,
  projections: readonly AnyProjection[],
  events: readonly RecordedEvent[],
  { checkpoint, position }: ProjectOptions = {},
): Promise<void> {
  const reached = position ?? events[events.length - 1]?.position;
  if (reached === undefined) return;
  const targets = (await store.writeTargets?.()) ?? [store];
  for (const target of targets) await projectInto(target, projections, events, reached, checkpoint);
}

async function projectInto(
  store: ReadStore,
  projections: readonly AnyProjection[],
  events: readonly RecordedEvent[],
  reached: number,
  checkpoint: string | undefined,
): Promise<void> {
  const routes = routing(projections);

  // 1. Which documents does the batch touch? Load them all at once.
  const touched = new Map<string, { projection: AnyProjection; id: string }[]>();
  const wanted = new Map<string, Set<string>>();
  for (const event of events) {
    const targets = (routes.get(event.type) ?? []).map((projection) => ({
      projection,
      id: projection.documentId(event as never),
    }));
    touched.set(event.id, targets);
    for (const { projection, id } of targets) {
      const name = projection.collection.name;
      if (!wanted.has(name)) wanted.set(name, new Set());
      wanted.get(name)!.add(id);
    }
  }
  const current = new Map<string, Map<string, ReadModelDocument | null>>();
  for (const [name, ids] of wanted) {
    current.set(name, new Map(await store.findMany(name, [...ids])));
  }

  // 2. Evolve each document in event order, skipping what it has already seen.
  const dirty = new Map<string, DocumentWrite>();
  for (const event of events) {
    for (const { projection, id } of touched.get(event.id)!) {
      const name = projection.collection.name;
      const docs = current.get(name)!;
      const doc = docs.get(id) ?? null;
      if (doc !== null && doc.revision >= event.revision) continue;
      const next = projection.evolve(doc, event as never);
      docs.set(id, next);
      dirty.set(
        `${name}\u0000${id}`,
        next
          ? { collection: name, id, doc: next }
          : { collection: name, id, doc: null, revision: event.revision },
      );
    }
  }

  // 3. One commit: documents and checkpoint move together.
  await store.commit([...dirty.values()], reached, checkpoint);
}

const routingCache = new WeakMap<readonly AnyProjection[], Map<string, AnyProjection[]>>();

const routing = (projections: readonly AnyProjection[]): Map<string, AnyProjection[]> => {
  let routes = routingCache.get(projections);
  if (!routes) {
    routes = new Map();
    for (const projection of projections) {
      for (const type of projection.handles as readonly string[]) {
        routes.set(type, [...(routes.get(type) ?? []), projection]);
      }
    }
    routingCache.set(projections, routes);
  }
  return routes;
};
