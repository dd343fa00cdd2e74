import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { eventStoreContract } from '../testing/eventStoreContract';
import { SqliteEventStore } from './sqliteEventStore';

const dir = mkdtempSync(join(tmpdir(), 'events-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

eventStoreContract('sqlite', async () => new SqliteEventStore(join(dir, 'contract.db')));

describe('sqlite event store', () => {
  const event = (n: number) => ({
    id: randomUUID(),
    type: 'Counted',
    data: { n },
    metadata: { schemaVersion: 1 },
    occurredAt: new Date(),
  });

  it('group-commits appends made in the same tick, failing only the conflicting one', async () => {
    const store = new SqliteEventStore(join(dir, 'group.db'));
    const outcomes = await Promise.allSettled([
      store.appendToStream('a', [event(1)], 'no_stream'),
      store.appendToStream('b', [event(2)], 'no_stream'),
      store.appendToStream('a', [event(3)], 'no_stream'),
      store.appendToStream('c', [event(4), event(5)], 'no_stream'),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect((await store.readAll(0, 10)).map((e) => (e.data as { n: number }).n)).toEqual([1, 2, 4, 5]);
    await store.close();
  });

  it('keeps everything across a reopen', async () => {
    const file = join(dir, 'reopen.db');
    const first = new SqliteEventStore(file);
    await first.appendToStream('s', [event(1), event(2)], 'no_stream');
    await first.close();
    const second = new SqliteEventStore(file);
    expect(await second.readStream('s')).toHaveLength(2);
    await expect(second.appendToStream('s', [event(3)], 1)).resolves.toMatchObject({ nextRevision: 2 });
    await second.close();
  });

  it('refuses an event id already used in another stream', async () => {
    const store = new SqliteEventStore(join(dir, 'ids.db'));
    const shared = event(1);
    await store.appendToStream('a', [shared], 'no_stream');
    await expect(store.appendToStream('b', [shared], 'no_stream')).rejects.toMatchObject({
      name: 'EventIdConflictError',
    });
    await store.close();
  });
});
