import { readAnchors, verifyEventLog } from '@app/audit';
import { SqliteEventStore } from '@app/event-store/sqlite';
import { loadConfig } from '@app/runtime';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StreamCommandHandler } from '@app/application';
import { LogAnchoringService } from './commands';

/** Two api instances (two connections to one SQLite file) anchoring the same log at the same time. */
describe('LogAnchoringService (int)', () => {
  let dir: string;
  let stores: SqliteEventStore[];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'anchoring-'));
    stores = [0, 1].map(() => new SqliteEventStore(join(dir, 'events.db'), { synchronous: 'NORMAL' }));
  });
  afterEach(async () => {
    for (const store of stores) await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes one chain of anchors, full ranges first, whichever instance wins each range', async () => {
    for (let i = 0; i < 25; i++) {
      const events = Array.from({ length: 100 }, () => ({
        id: randomUUID(),
        type: 'Ticked',
        data: { i },
        metadata: { schemaVersion: 1 },
        occurredAt: new Date(),
      }));
      await stores[0].appendToStream(`tally-${i % 7}`, events, 'any');
    }
    const config = loadConfig({ AUDIT_ANCHOR_EVERY_EVENTS: '1000', AUDIT_ANCHOR_EVERY_MS: '100' });
    const instances = stores.map(
      (store) => new LogAnchoringService(store, new StreamCommandHandler(store), config),
    );

    // Only full ranges are due at first: 2 x 1,000 of the 2,500 events.
    await Promise.all(instances.map((instance) => instance.anchorDue()));
    expect((await readAnchors(stores[0])).anchors.map((anchor) => anchor.position)).toEqual([1000, 2000]);

    // Once the interval has passed, the rest (with the anchors written since) is sealed too, once.
    const later = () => Date.now() + 60_000;
    await Promise.all(instances.map((instance) => instance.anchorDue(later)));
    await Promise.all(instances.map((instance) => instance.anchorDue(later)));
    const { anchors } = await readAnchors(stores[1]);
    expect(anchors.map((anchor) => [anchor.fromPosition, anchor.position])).toEqual([
      [0, 1000],
      [1000, 2000],
      [2000, 2502],
    ]);
    expect(await verifyEventLog(stores[1], { log: true })).toMatchObject({
      ok: true,
      events: 2503,
      legacy: 2500,
      chained: 3,
      anchors: 3,
    });
  });
});
