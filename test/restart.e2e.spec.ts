import { verifyEventLog } from '@app/audit';
import { audit, economy } from '@app/domain';
import type { SnapshotStore } from '@app/event-store';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestApp, keys, startApp } from '@test/support/testApp';

describe('restart (e2e)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'api-restart-'));
  const views = [
    '/v1/players/p1/wallet',
    '/v1/players/p1/inventory',
    '/v1/players/p1/ledger',
    '/v1/leaderboards/arena/entries',
    '/v1/catalog/items',
  ];
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('keeps all state, rebuilds the read models, and still recognises retries', async () => {
    const first = await startApp({ dataDir });
    await first.command('PUT', '/v1/catalog/items/sword', {
      name: 'Sword',
      prices: { GOLD: 100 },
      stackable: false,
    });
    await first.command('PUT', '/v1/leaderboards/arena', {
      sortOrder: 'desc',
      operator: 'best',
      resetSchedule: 'never',
    });
    await first.command(
      'POST',
      '/v1/players/p1/grants',
      { currency: 'GOLD', amount: 250, reason: 'start' },
      keys.game,
    );
    const purchase = await first.command(
      'POST',
      '/v1/players/p1/purchases',
      { sku: 'sword', quantity: 1 },
      keys.game,
      'buy-1',
    );
    await first.command('POST', '/v1/leaderboards/arena/scores', { playerId: 'p1', score: 42 }, keys.game);
    const position = await first.events.headPosition();
    const before = await Promise.all(
      views.map(async (path) => (await first.query(`${path}?minPosition=${position}`)).body),
    );
    await first.close();

    const second = await startApp({ dataDir });
    try {
      const after = await Promise.all(views.map(async (path) => (await second.query(path)).body));
      expect(after).toEqual(before);
      expect(before[0].balances).toEqual({ GOLD: 150 });

      const retry = await second.command(
        'POST',
        '/v1/players/p1/purchases',
        { sku: 'sword', quantity: 1 },
        keys.game,
        'buy-1',
      );
      expect(retry.status).toBe(200);
      expect(retry.body.position).toBe(purchase.body.position);
      // Nothing appended by the retry (the api's own log anchors may land in the audit stream meanwhile).
      const since = await second.events.readAll(position, 100);
      expect(since.filter((event) => event.streamId !== audit.AUDIT_STREAM_ID)).toEqual([]);
    } finally {
      await second.close();
    }
  });

  it('starts a stream from its snapshot after a restart: the same state, the chain and retries intact', async () => {
    const snapshotDir = mkdtempSync(join(tmpdir(), 'api-restart-snapshots-'));
    const env = { STREAM_SNAPSHOT_EVERY_EVENTS: '5' };
    const stream = economy.playerEconomyStreamId('p2');
    const grant = (app: TestApp, key: string) =>
      app.command(
        'POST',
        '/v1/players/p2/grants',
        { currency: 'GOLD', amount: 1, reason: 'r' },
        keys.game,
        key,
      );
    try {
      const first = await startApp({ dataDir: snapshotDir, env });
      const granted = [];
      for (let i = 0; i < 12; i++) granted.push(await grant(first, `grant-${i}`));
      await first.close();

      const second = await startApp({ dataDir: snapshotDir, env });
      try {
        // Each command's load saw the revision before it: snapshots at revisions 4 and 9.
        const snapshots = second.events as unknown as SnapshotStore;
        const version = economy.playerEconomyDecider.snapshots!.version;
        expect(await snapshots.loadSnapshot(stream, version)).toMatchObject({ revision: 9 });
        const reads: [number, number][] = [];
        const readStream = second.events.readStream.bind(second.events);
        second.events.readStream = async (streamId, from, maxCount) => {
          const events = await readStream(streamId, from, maxCount);
          if (streamId === stream) reads.push([from ?? 0, events.length]);
          return events;
        };

        const retry = await grant(second, 'grant-3');
        expect([retry.status, retry.body]).toEqual([200, { ...granted[3].body, replayed: true }]);
        // The snapshot's last event, to check it against the log, then the two events after it.
        expect(reads).toEqual([
          [9, 1],
          [10, 2],
        ]);
        const next = await grant(second, 'grant-12');
        expect(next.status).toBe(201);
        const wallet = await second.query(`/v1/players/p2/wallet?minPosition=${next.body.position}`);
        expect(wallet.body.balances).toEqual({ GOLD: 13 });
        await expect(verifyEventLog(second.events, { stream })).resolves.toMatchObject({
          ok: true,
          chained: 13,
        });
      } finally {
        await second.close();
      }
    } finally {
      rmSync(snapshotDir, { recursive: true, force: true });
    }
  });
});
