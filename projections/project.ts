import type { RecordedEventWithoutMetadata } from '@app/event-store';
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
  events: readonly RecordedEventWithoutMetadata[],
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
  events: readonly RecordedEventWithoutMetadata[],
  reached: number,
  checkpoint: string | undefined,
): Promise<void> {
  const routes = routing(projections);

  // 1. Where the batch's documents come from: a store holding them in memory reads them one by one as
  //    needed; any other store loads every document the batch touches in one findMany per collection.
  const findNow = store.findNow?.bind(store);
  // From here to the commit nothing awaits, so what findNow reads is still stored when commit runs;
  // the version lets the store check that.
  const version = findNow ? store.readVersion?.() : undefined;
  let stored: (collection: string, id: string) => ReadModelDocument | undefined;
  let ids: string[] | undefined;
  if (findNow) stored = findNow;
  else {
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
    const loaded = new Map<string, Map<string, ReadModelDocument>>();
    for (const [name, set] of wanted) loaded.set(name, await store.findMany(name, [...set]));
    stored = (collection, id) => loaded.get(collection)!.get(id);
  }

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
      const doc = change ? change.doc : (stored(collection, id) ?? null);
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
  await store.commit(
    writes as DocumentWrite[],
    reached,
    checkpoint,
    version === undefined ? undefined : { version, previous },
  );
}

type Changes = { byId: Map<string, Change>; writes: Change[]; previous: (ReadModelDocument | undefined)[] };

/** A document write as it builds up over a batch; `revision` is its last event's (a deletion's revision). */
type Change = { collection: string; id: string; doc: ReadModelDocument | null; revision: number };

const NONE: readonly AnyProjection[] = [];

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
