import type { MemoryReadStore } from '@app/read-store/memory';
import { readModelCollections } from '@app/projections';

/** Every read-model document a store holds, as `[collection, document]` JSON lines (key order included). */
export const storedDocuments = async (store: MemoryReadStore): Promise<string[]> => {
  const lines: string[] = [];
  for (const collection of readModelCollections)
    for await (const batch of store.documents(collection, 100))
      for (const doc of batch) lines.push(JSON.stringify([collection.name, doc]));
  return lines;
};
