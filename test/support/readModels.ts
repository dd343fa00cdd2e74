import { canonicalJson } from '@app/audit';
import { createHash } from 'node:crypto';
import type { EventStore } from '@app/event-store';
import { readModelCollections, readModels, replay } from '@app/projections';
import { type ReadStore } from '@app/read-store';
import { MemoryReadStore } from '@app/read-store/memory';

/** One sha256 per read model collection over every document in id order, and the document counts. */
export async function readModelDigest(
  store: ReadStore,
): Promise<Record<string, { count: number; sha256: string }>> {
  const digest: Record<string, { count: number; sha256: string }> = {};
  for (const collection of readModelCollections) {
    const hash = createHash('sha256');
    let count = 0;
    for await (const docs of store.documents(collection, 1000)) {
      for (const doc of docs) hash.update(canonicalJson(doc)).update('\n');
      count += docs.length;
    }
    digest[collection.name] = { count, sha256: hash.digest('hex') };
  }
  return digest;
}

/** The read models a clean rebuild from the event store produces, in memory. */
export async function rebuiltReadModels(events: EventStore): Promise<MemoryReadStore> {
  const store = new MemoryReadStore(readModelCollections);
  await replay(events, store, readModels);
  return store;
}
