import type { EventStore } from '@app/event-store';
import { type AnyProjection, readModels, replay } from '@app/projections';
import type { CollectionDefinition, ReadModelDocument, ReadStore } from '@app/read-store';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { canonicalJson } from './canonicalForm';

/**
 * A read-model document that is not what the log makes it:
 * - missing: the log produces it, the live read models do not hold it
 * - unexpected: the live read models hold it, the log produces no such document
 * - different: both hold it, with different content (`fields`: the top-level fields that differ)
 */
export type ReadModelDifference = {
  collection: string;
  id: string;
  kind: 'missing' | 'unexpected' | 'different';
  fields?: string[];
  /** The document as replayed from the log (null when missing from it). */
  expected: ReadModelDocument | null;
  /** The document as the live read models hold it (null when missing there). */
  actual: ReadModelDocument | null;
};

export type ReplayCheckProgress =
  | { phase: 'replay'; position: number; until: number; events: number }
  | { phase: 'compare'; collection: string; documents: number };

export type ReplayCheckOptions = {
  /** An empty in-memory read store holding these collections: where the log is replayed to. */
  scratchStore: (collections: readonly CollectionDefinition<never>[]) => ReadStore;
  /** Resolves true once the live read models have applied the log up to `position`, false when they did not in time. */
  waitForLive: (position: number) => Promise<boolean>;
  /** Each difference as it is confirmed (a CLI prints them all as they come). */
  onDifference?: (difference: ReadModelDifference) => void;
  onProgress?: (progress: ReplayCheckProgress) => void;
  /** Differences kept in the report; the count covers all of them (default 100). */
  maxListed?: number;
  /** Documents read per batch, from the log and from each collection (default 1,000). */
  batchSize?: number;
  /** The read models to check (all of them by default). */
  projections?: readonly AnyProjection[];
};

export type ReplayCheckReport = {
  ok: boolean;
  /** The log position the read models were compared at (the last recheck's). */
  position: number;
  /** Events replayed from the log. */
  events: number;
  /** Documents compared, per collection (live and replayed, counted once per id). */
  documents: Record<string, number>;
  differenceCount: number;
  differences: ReadModelDifference[];
  /** Documents the live side kept changing through every recheck: neither confirmed nor cleared. */
  unsettled: { collection: string; id: string }[];
  /** The live read models did not reach the log's head within the wait: nothing was compared. */
  liveBehind?: true;
  seconds: number;
};

/** Rounds a document the live side may just be ahead on is compared again, each time further on. */
const RECHECKS = 5;
/** Suspects kept for a recheck; beyond that a difference is reported as seen. */
const MAX_SUSPECTS = 10_000;

/**
 * Rebuilds every read model from the log in memory and compares it, document by document, with the live
 * read models the game is served from: the auditor's proof that what players see is what happened.
 *
 * The log is read in batches, so its length costs time, not memory; the rebuilt read models are held in
 * memory. Both sides are walked in `_id` order and merged, a batch at a time.
 *
 * Live read models keep moving while the check runs. The replay stops at the log's head H and the check
 * waits until the live side has applied H too: from then on the live side is at H or further, never
 * behind. A document the live side holds at the replay's revision or lower, or lacks, is judged at once
 * (no read model deletes documents, so one the log has by H must be there). A live document at a higher
 * revision, or one the replay does not have, may just be newer: it is a suspect, compared again after
 * the replay caught up with a newer head (5 times at most). In a quiet system the second look is final;
 * a suspect still moving after the last is reported as `unsettled`, not as a difference.
 */
export async function replayCheck(
  events: Pick<EventStore, 'readAllWithoutMetadata' | 'headPosition'>,
  live: ReadStore,
  options: ReplayCheckOptions,
): Promise<ReplayCheckReport> {
  const started = Date.now();
  const { batchSize = 1000, maxListed = 100, projections = readModels } = options;
  const rebuilt = options.scratchStore(projections.map((projection) => projection.collection));
  const report: ReplayCheckReport = {
    ok: true,
    position: 0,
    events: 0,
    documents: {},
    differenceCount: 0,
    differences: [],
    unsettled: [],
    seconds: 0,
  };
  const finish = () => ({ ...report, seconds: (Date.now() - started) / 1000 });

  /** Replays up to the head, then waits for the live side; false when it did not get there. */
  const catchUp = async (): Promise<boolean> => {
    const until = await events.headPosition();
    let applied = 0;
    const reached = await replay(events, rebuilt, projections, {
      after: report.position,
      until,
      batchSize,
      // In the api, requests are served between batches (the SQLite reads and the memory store never yield).
      onProgress: async (progress) => {
        applied = progress.events;
        options.onProgress?.({
          phase: 'replay',
          position: progress.position,
          until,
          events: report.events + applied,
        });
        await nextTurn();
      },
    });
    report.events += applied;
    report.position = reached;
    return options.waitForLive(reached);
  };

  const definitions = new Map(projections.map(({ collection }) => [collection.name, collection]));
  let suspects: { collection: string; id: string }[] = [];
  /** Reports a difference the live side cannot be ahead on; keeps the others for another look. */
  const judge = (difference: ReadModelDifference | undefined, final = false) => {
    if (!difference) return;
    const { collection, id } = difference;
    if (!final && mayBeNewer(difference) && suspects.length < MAX_SUSPECTS) {
      suspects.push({ collection, id });
      return;
    }
    report.ok = false;
    report.differenceCount += 1;
    if (report.differences.length < maxListed) report.differences.push(difference);
    options.onDifference?.(difference);
  };

  if (!(await catchUp())) return { ...finish(), ok: false, liveBehind: true };

  // 1. Every collection, both sides in _id order.
  for (const { collection } of projections) {
    let compared = 0;
    for await (const [id, expected, actual] of merged(rebuilt, live, collection, batchSize)) {
      compared += 1;
      if (compared % batchSize === 0) await nextTurn();
      if (compared % (batchSize * 100) === 0)
        options.onProgress?.({ phase: 'compare', collection: collection.name, documents: compared });
      judge(compare(collection.name, id, expected, actual));
    }
    report.documents[collection.name] = compared;
    options.onProgress?.({ phase: 'compare', collection: collection.name, documents: compared });
  }

  // 2. Suspects again, each time with both sides further on; final once the log stood still.
  for (let round = 1; suspects.length > 0; round++) {
    const before = report.position;
    if (!(await catchUp())) return { ...finish(), ok: false, liveBehind: true };
    if (round > RECHECKS) {
      report.ok = false;
      report.unsettled = suspects;
      break;
    }
    const previous = suspects;
    suspects = [];
    for (const { collection, id } of previous) {
      const definition = definitions.get(collection)!;
      const [expected, actual] = await Promise.all([rebuilt.find(definition, id), live.find(definition, id)]);
      judge(compare(collection, id, expected ?? null, actual ?? null), report.position === before);
    }
  }
  return finish();
}

/** Whether the live document may be ahead of the replay (written since), rather than wrong. */
const mayBeNewer = ({ expected, actual }: ReadModelDifference): boolean =>
  actual !== null && (expected === null || actual.revision > expected.revision);

const compare = (
  collection: string,
  id: string,
  expected: ReadModelDocument | null,
  actual: ReadModelDocument | null,
): ReadModelDifference | undefined => {
  if (expected === null) return { collection, id, kind: 'unexpected', expected, actual };
  if (actual === null) return { collection, id, kind: 'missing', expected, actual };
  if (canonicalJson(expected) === canonicalJson(actual)) return undefined;
  const fields = [...new Set([...Object.keys(expected), ...Object.keys(actual)])]
    .filter(
      (field) =>
        canonicalJson((expected as Record<string, unknown>)[field] ?? null) !==
        canonicalJson((actual as Record<string, unknown>)[field] ?? null),
    )
    .sort();
  return { collection, id, kind: 'different', fields, expected, actual };
};

/** Both stores' documents of a collection, merged by _id: [id, replayed or null, live or null]. */
async function* merged(
  rebuilt: ReadStore,
  live: ReadStore,
  collection: CollectionDefinition,
  batchSize: number,
): AsyncGenerator<[string, ReadModelDocument | null, ReadModelDocument | null]> {
  const left = flatten(rebuilt.documents(collection, batchSize));
  const right = flatten(live.documents(collection, batchSize));
  let a = await left.next();
  let b = await right.next();
  while (!a.done || !b.done) {
    if (b.done || (!a.done && a.value._id < b.value._id)) {
      yield [a.value!._id, a.value!, null];
      a = await left.next();
    } else if (a.done || b.value._id < a.value._id) {
      yield [b.value._id, null, b.value];
      b = await right.next();
    } else {
      yield [a.value._id, a.value, b.value];
      a = await left.next();
      b = await right.next();
    }
  }
}

async function* flatten<T>(batches: AsyncIterable<T[]>): AsyncGenerator<T> {
  for await (const batch of batches) yield* batch;
}
