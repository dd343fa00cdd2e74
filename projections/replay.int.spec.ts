import { SqliteEventStore } from '@app/event-store/sqlite';
import { MemoryReadStore } from '@app/read-store/memory';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateLog } from '../bench/support/logGenerator';
import { readModelCollections, readModels, replay } from './index';
import { storedDocuments } from '@test/support/storedDocuments';

describe('replay', () => {
  let dir: string;
  let events: SqliteEventStore;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'replay-'));
    // Every event type the read models handle, with the metadata the API writes (hash chain included).
    await generateLog({ file: join(dir, 'events.db'), events: 3000, players: 40, chained: true });
    events = new SqliteEventStore(join(dir, 'events.db'), { synchronous: 'NORMAL' });
  });
  afterAll(async () => {
    await events.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('builds the same read models, byte for byte, from the log without metadata as from the full envelopes', async () => {
    const withoutMetadata = new MemoryReadStore(readModelCollections);
    await replay(events, withoutMetadata, readModels, { batchSize: 100 });

    const full = new MemoryReadStore(readModelCollections);
    const fullEnvelopes = {
      headPosition: () => events.headPosition(),
      readAllWithoutMetadata: (after: number, limit: number) => events.readAll(after, limit),
    };
    await replay(fullEnvelopes, full, readModels, { batchSize: 100 });

    const documents = await storedDocuments(withoutMetadata);
    expect(documents.length).toBeGreaterThan(3000 * 0.5);
    expect(documents).toEqual(await storedDocuments(full));
    expect(await withoutMetadata.checkpoint()).toBe(3000);
    expect(await full.checkpoint()).toBe(3000);
  });
});
