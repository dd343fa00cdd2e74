import { SqliteLogReader } from '@app/event-store/sqlite';
import { eventTypesReadBy, readModels, replay } from '@app/projections';
import type { AnyIndexQuery } from '@app/read-store';
import { MemoryReadStore } from '@app/read-store/memory';
import { parentPort, workerData } from 'node:worker_threads';
import type { ReplayWorkerData, ReplayWorkerResult } from './parallelReplay';

/**
 * A memory store that records the groups a batch settles instead of freezing them: the documents go to
 * the main thread as plain objects, and the main thread freezes those groups in its own store.
 */
class SettlingRecorder extends MemoryReadStore {
  readonly settled = new Map<string, AnyIndexQuery>();

  override async freeze(query: AnyIndexQuery): Promise<void> {
    this.settled.set(JSON.stringify([query.collection.name, query.index, query.group]), query);
  }
}

/** The replay worker of ParallelReplay: builds its read models from the log, then posts their documents. */
async function build({ file, collections, after, until, batchSize }: ReplayWorkerData): Promise<void> {
  const projections = readModels.filter((p) => collections.includes(p.collection.name));
  if (projections.length !== collections.length)
    throw new Error(`unknown read models among ${collections.join(', ')}`);
  const store = new SettlingRecorder(projections.map((p) => p.collection));
  const reader = new SqliteLogReader(file, eventTypesReadBy(projections));
  try {
    await replay(reader, store, projections, { after, until, batchSize });
  } finally {
    reader.close();
  }
  const result: ReplayWorkerResult = {
    collections: store.cut().collections.map(({ name, documents }) => ({ name, documents: [...documents] })),
    settled: [...store.settled.values()],
  };
  parentPort!.postMessage(result);
}

void build(workerData as ReplayWorkerData).catch((error: unknown) => {
  // Thrown outside the promise: the worker fails with it, and its `error` event carries it to the main thread.
  setImmediate(() => {
    throw error;
  });
});
