import { createHash } from 'node:crypto';
import type { EventStore } from '@app/event-store';
import { readModelCollections, readModels, replay } from '@app/projections';
import { MemoryReadStore, type ReadStore } from '@app/read-store';

/** JSON with sorted keys: equal documents hash equal whatever order their fields were written in. */
const canonical = (value: unknown): string =>
  Array.isArray(value)
    ? `[${value.map(canonical).join(',')}]`
    : value !== null && typeof value === 'object'
      ? `{${Object.keys(value)
          .sort()
          .map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`)
          .join(',')}}`
      : JSON.stringify(value);

/** One sha256 per read model collection over every document in id order, and the document counts. */
export async function readModelDigest(
  store: ReadStore,
): Promise<Record<string, { count: number; sha256: string }>> {
  const digest: Record<string, { count: number; sha256: string }> = {};
  for (const { name } of readModelCollections) {
    const hash = createHash('sha256');
    let count = 0;
    for await (const docs of store.documents(name, 1000)) {
      for (const doc of docs) hash.update(canonical(doc)).update('\n');
      count += docs.length;
    }
    digest[name] = { count, sha256: hash.digest('hex') };
  }
  return digest;
}

/** The read models a clean rebuild from the event store produces, in memory. */
export async function rebuiltReadModels(events: EventStore): Promise<MemoryReadStore> {
  const store = new MemoryReadStore(readModelCollections);
  await replay(events, store, readModels);
  return store;
}
