import type { MemoryReadStore } from '@app/read-store';
import { readModelCollections } from '../index';

/** Every read-model document a store holds, as `[collection, document]` JSON lines (key order included). */
export const storedDocuments = async (store: MemoryReadStore): Promise<string[]> => {
  const lines: string[] = [];
  for (const { name } of readModelCollections)
    for await (const batch of store.documents(name, 100))
      for (const doc of batch) lines.push(JSON.stringify([name, doc]));
  return lines;
};
