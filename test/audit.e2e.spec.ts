import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChainVerifier, type VerificationReport, eventHash, readAnchors, verifyEventLog } from '@app/audit';
import { SqliteEventStore } from '@app/event-store/sqlite';
import { runAuditCli } from '@test/support/auditCli';
import { burst } from '@test/support/burst';
import { type Response, keys, startApp } from '@test/support/testApp';

const AUDITOR_KEY = 'auditor-secret-0123456789';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
type Row = { position: number; stream_id: string; revision: number; data: string; metadata: string };
const row = (db: Database.Database, streamId: string, revision: number): Row =>
  db.prepare('SELECT * FROM events WHERE stream_id = ? AND revision = ?').get(streamId, revision) as Row;

/**
 * Tamper evidence over the real command path: the API writes a log (hash-chained, anchored every 5 events
 * or 200 ms), then each case edits a copy of the SQLite file directly, as an intruder with file access
 * would, and verify must name the exact place.
 */
describe('audit: hash chains and anchors (e2e)', () => {
  let root: string;
  let pristine: string;
  let endpoint: Record<'log' | 'stream' | 'category' | 'both' | 'gameServer', Response>;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'audit-e2e-'));
    pristine = join(root, 'pristine');
    const api = await startApp({
      dataDir: pristine,
      env: {
        AUDIT_ANCHOR_EVERY_EVENTS: '5',
        AUDIT_ANCHOR_EVERY_MS: '200',
        API_KEYS: [
          `live-ops:${keys.admin}:admin,read`,
          `game-server:${keys.game}:economy,scores,read`,
          `auditor:${AUDITOR_KEY}:audit`,
        ].join(';'),
      },
    });
    try {
      await api.command('PUT', '/v1/catalog/items/potion', {
        name: 'Potion',
        prices: { GOLD: 10 },
        stackable: true,
      });
      for (const player of ['p1', 'p2', 'p3']) {
        await api.command('POST', `/v1/players/${player}/grants`, grant(100), keys.game);
        for (let i = 0; i < 4; i++) {
          const body = { sku: 'potion', quantity: 1 };
          expect((await api.command('POST', `/v1/players/${player}/purchases`, body, keys.game)).status).toBe(
            201,
          );
        }
      }
      // Concurrent commands on one wallet queue and retry: the chain stays one line.
      await api.command('POST', '/v1/players/p4/grants', grant(50), keys.game);
      const purchases = await burst(
        api.url,
        Array.from({ length: 20 }, (_, i) => ({
          method: 'POST',
          path: '/v1/players/p4/purchases',
          headers: { authorization: `Bearer ${keys.game}`, 'idempotency-key': `p4-buy-${i}` },
          body: { sku: 'potion', quantity: 1 },
        })),
      );
      expect(purchases.filter((response) => response.status === 201)).toHaveLength(5);
      // A retried command appends nothing, so it leaves the chain as it was.
      const retry = await api.command('POST', '/v1/players/p1/grants', grant(7), keys.game, 'same-key');
      expect(
        (await api.command('POST', '/v1/players/p1/grants', grant(7), keys.game, 'same-key')).body,
      ).toEqual({ ...retry.body, replayed: true });
      await waitUntilAnchored(api.events);
      endpoint = {
        log: await api.query('/v1/audit/verification', AUDITOR_KEY),
        stream: await api.query('/v1/audit/verification?stream=playerEconomy-p1', AUDITOR_KEY),
        category: await api.query('/v1/audit/verification?category=playerEconomy', AUDITOR_KEY),
        both: await api.query('/v1/audit/verification?category=playerEconomy&stream=x', AUDITOR_KEY),
        gameServer: await api.query('/v1/audit/verification', keys.game),
      };
    } finally {
      await api.close();
    }
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  const grant = (amount: number) => ({ currency: 'GOLD', amount, reason: 'audit test' });

  /** Until the last anchor seals every event but anchors. */
  const waitUntilAnchored = async (events: SqliteEventStore | import('@app/event-store').EventStore) => {
    for (let tries = 0; tries < 100; tries++) {
      const { anchors } = await readAnchors(events);
      const all = await events.readAll(0, 10_000);
      const lastBusiness = all.filter((event) => event.streamId !== 'audit').at(-1)?.position ?? 0;
      if ((anchors.at(-1)?.position ?? 0) >= lastBusiness) return;
      await sleep(100);
    }
    throw new Error('the log was never fully anchored');
  };

  /** A copy of the untouched log, edited with `tamper`, then verified in `scope`. */
  const verifyTampered = async (
    tamper: (db: Database.Database) => void,
    scope: Parameters<typeof verifyEventLog>[1] = { log: true },
  ): Promise<VerificationReport> => {
    const dir = mkdtempSync(join(root, 'case-'));
    copyFileSync(join(pristine, 'events.db'), join(dir, 'events.db'));
    const db = new Database(join(dir, 'events.db'));
    tamper(db);
    db.close();
    const store = new SqliteEventStore(join(dir, 'events.db'));
    try {
      return await verifyEventLog(store, scope, { batchSize: 7 });
    } finally {
      await store.close();
    }
  };

  it('an untouched log verifies clean, every event chained and every anchor matching', async () => {
    const report = await verifyTampered(() => undefined);
    expect(report).toMatchObject({ ok: true, legacy: 0 });
    expect(report.chained).toBe(report.events);
    expect(report.anchors).toBeGreaterThanOrEqual(4);
    for (const scope of [{ stream: 'playerEconomy-p2' }, { category: 'playerEconomy' }]) {
      expect(await verifyTampered(() => undefined, scope)).toMatchObject({ ok: true });
    }
  });

  it("names the event whose stored bytes were changed, with the recorded and the content's hash", async () => {
    let recorded = '';
    const report = await verifyTampered((db) => {
      const event = row(db, 'playerEconomy-p2', 0);
      recorded = JSON.parse(event.metadata).hash;
      db.prepare('UPDATE events SET data = ? WHERE position = ?').run(
        event.data.replace('"amount":100', '"amount":100000'),
        event.position,
      );
    });
    expect(report.ok).toBe(false);
    if (report.ok) return;
    expect(report.broken).toMatchObject({
      kind: 'altered',
      streamId: 'playerEconomy-p2',
      revision: 0,
      expected: recorded,
    });
    expect(report.broken.actual).toMatch(/^[0-9a-f]{64}$/);
    expect(report.broken.actual).not.toBe(recorded);
  });

  it('names the revision of a deleted event', async () => {
    const report = await verifyTampered((db) =>
      db.prepare("DELETE FROM events WHERE stream_id = 'playerEconomy-p1' AND revision = 2").run(),
    );
    expect(report).toMatchObject({
      ok: false,
      broken: {
        kind: 'missing',
        streamId: 'playerEconomy-p1',
        revision: 2,
        expected: 'revision 2',
        actual: 'revision 3',
      },
    });
  });

  it('names the first of two swapped events', async () => {
    const report = await verifyTampered((db) => {
      const [a, b] = [row(db, 'playerEconomy-p3', 1), row(db, 'playerEconomy-p3', 2)];
      const swap = db.prepare('UPDATE events SET data = ?, metadata = ? WHERE position = ?');
      swap.run(b.data, b.metadata, a.position);
      swap.run(a.data, a.metadata, b.position);
    });
    expect(report).toMatchObject({
      ok: false,
      broken: { kind: 'altered', streamId: 'playerEconomy-p3', revision: 1 },
    });
  });

  it('names a hash recomputed to hide a change: the next event no longer links to it', async () => {
    const rehash = (db: Database.Database) => {
      const event = row(db, 'playerEconomy-p3', 1);
      const data = JSON.parse(event.data);
      const metadata = JSON.parse(event.metadata);
      data.balanceAfter = 1_000_000;
      const { type, occurred_at: occurredAt } = event as Row & { type: string; occurred_at: string };
      metadata.hash = eventHash({
        type,
        data,
        streamId: 'playerEconomy-p3',
        revision: 1,
        occurredAt,
        previousHash: metadata.previousHash,
      });
      db.prepare('UPDATE events SET data = ?, metadata = ? WHERE position = ?').run(
        JSON.stringify(data),
        JSON.stringify(metadata),
        event.position,
      );
    };
    // In the stream, the next event still links to the original hash; in the log, the anchor sealing the
    expect(await verifyTampered(rehash, { stream: 'playerEconomy-p3' })).toMatchObject({
      ok: false,
      broken: { kind: 'relinked', streamId: 'playerEconomy-p3', revision: 2 },
    });
    // changed event may come first (where anchors fall depends on timing): either way, named.
    const report = await verifyTampered(rehash);
    expect(report.ok).toBe(false);
    if (report.ok) return;
    expect([
      ['relinked', 'playerEconomy-p3', 2],
      ['anchor-mismatch', 'audit', report.broken.revision],
    ]).toContainEqual([report.broken.kind, report.broken.streamId, report.broken.revision]);
  });

  it("names the stream whose tail was cut, from the anchors, in the log's and the stream's scope", async () => {
    const cut = (db: Database.Database) =>
      db.prepare("DELETE FROM events WHERE stream_id = 'playerEconomy-p2' AND revision >= 3").run();
    const expected = {
      ok: false,
      broken: {
        kind: 'truncated',
        streamId: 'playerEconomy-p2',
        revision: 3,
        // The first anchor that saw revision 3 or 4 (where ranges end depends on timing).
        expected: expect.stringMatching(/^revision [34]$/),
        actual: 'revision 2',
      },
    };
    expect(await verifyTampered(cut)).toMatchObject(expected);
    expect(await verifyTampered(cut, { stream: 'playerEconomy-p2' })).toMatchObject(expected);
    expect(await verifyTampered(cut, { category: 'playerEconomy' })).toMatchObject(expected);

    // The chains alone cannot see it: what remains of the stream is a valid chain.
    const dir = mkdtempSync(join(root, 'chains-only-'));
    copyFileSync(join(pristine, 'events.db'), join(dir, 'events.db'));
    const db = new Database(join(dir, 'events.db'));
    cut(db);
    const chainsOnly = new ChainVerifier([], { wholeLog: true, inScope: () => true });
    for (const event of db.prepare('SELECT * FROM events ORDER BY position').all() as Row[]) {
      const {
        stream_id: streamId,
        occurred_at: occurredAt,
        type,
      } = event as Row & { type: string; occurred_at: string };
      chainsOnly.inspect({
        ...event,
        streamId,
        occurredAt,
        type,
        data: JSON.parse(event.data),
        metadata: JSON.parse(event.metadata),
      });
    }
    db.close();
    expect(chainsOnly.finish()).toMatchObject({ ok: true });
  });

  it("catches a cut of the log's own tail with the anchor's count and digest", async () => {
    const report = await verifyTampered((db) => {
      // Drop the last business event before the last anchor, and the anchors' stream heads still name it.
      const last = db
        .prepare("SELECT * FROM events WHERE stream_id <> 'audit' ORDER BY position DESC LIMIT 1")
        .get() as Row;
      db.prepare('DELETE FROM events WHERE position = ?').run(last.position);
    });
    expect(report).toMatchObject({ ok: false, broken: { kind: 'truncated' } });
  });

  it('GET /v1/audit/verification answers the same report to the audit scope only', () => {
    expect(endpoint.log.status).toBe(200);
    expect(endpoint.log.body).toMatchObject({ ok: true, legacy: 0 });
    expect(endpoint.log.body.anchors).toBeGreaterThan(0);
    expect(endpoint.stream.body).toMatchObject({ ok: true, streams: 1, events: 6 });
    expect(endpoint.category.body).toMatchObject({ ok: true, streams: 4 });
    expect(endpoint.both.status).toBe(400);
    expect(endpoint.gameServer.status).toBe(403);
  });

  it('the CLI prints ok and exits 0 on a clean log, names the break and exits 1 on a tampered one', () => {
    const cli = (dataDir: string) => runAuditCli(['verify'], { DATA_DIR: dataDir });
    const clean = cli(pristine);
    expect(clean.stdout).toMatch(/^ok: \d+ events in \d+ streams/);
    expect(clean.status).toBe(0);

    const dir = join(root, 'cli-tampered');
    mkdirSync(dir);
    copyFileSync(join(pristine, 'events.db'), join(dir, 'events.db'));
    const db = new Database(join(dir, 'events.db'));
    db.prepare("DELETE FROM events WHERE stream_id = 'playerEconomy-p1' AND revision = 1").run();
    db.close();
    const broken = cli(dir);
    expect(broken.stdout).toContain('BROKEN (missing) at playerEconomy-p1 revision 1');
    expect(broken.status).toBe(1);
  });
});

/** Data dirs from before hashing: their events carry no hash and stay valid, and new events chain on. */
describe('audit: a log written before hashing (e2e)', () => {
  it('reports legacy events as unchained, chains new events onto them, and anchors seal both', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'audit-legacy-'));
    try {
      const old = new SqliteEventStore(join(dataDir, 'events.db'));
      const granted = (amount: number, balanceAfter: number) => ({
        id: randomUUID(),
        type: 'CurrencyGranted',
        data: { playerId: 'p9', currency: 'GOLD', amount, reason: 'old grant', balanceAfter },
        metadata: { schemaVersion: 1 },
        occurredAt: new Date('2026-01-01T00:00:00.000Z'),
      });
      await old.appendToStream('playerEconomy-p9', [granted(5, 5), granted(6, 11)], 'no_stream');
      await old.close();

      const api = await startApp({
        dataDir,
        env: { AUDIT_ANCHOR_EVERY_EVENTS: '1000', AUDIT_ANCHOR_EVERY_MS: '100' },
      });
      try {
        const body = { currency: 'GOLD', amount: 1, reason: 'new grant' };
        expect((await api.command('POST', '/v1/players/p9/grants', body, keys.game)).status).toBe(201);
        const [legacy, , chained] = await api.stream('playerEconomy-p9');
        expect(legacy.metadata.hash).toBeUndefined();
        expect(chained.metadata.previousHash).toMatch(/^[0-9a-f]{64}$/);
        for (let tries = 0; (await readAnchors(api.events)).anchors.length === 0; tries++) {
          if (tries > 50) throw new Error('no anchor was written');
          await sleep(100);
        }
        expect(await verifyEventLog(api.events, { log: true })).toMatchObject({
          ok: true,
          legacy: 2,
          chained: 2, // the new grant and the anchor
          anchors: 1,
        });
      } finally {
        await api.close();
      }

      // Editing a legacy event breaks the link the first hashed event made to it.
      const db = new Database(join(dataDir, 'events.db'));
      db.prepare(
        'UPDATE events SET data = replace(data, \'"amount":6\', \'"amount":600\') WHERE revision = 1',
      ).run();
      db.close();
      const store = new SqliteEventStore(join(dataDir, 'events.db'));
      try {
        expect(await verifyEventLog(store, { stream: 'playerEconomy-p9' })).toMatchObject({
          ok: false,
          broken: { kind: 'relinked', streamId: 'playerEconomy-p9', revision: 2 },
        });
      } finally {
        await store.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

/** The audit CLI recomputes a closed period's standings from the log and checks the hash its close recorded. */
describe('audit: standings of a closed period (e2e)', () => {
  it('prints the standings as closed, with the recorded hash matching, and exits 1 once a score was edited', async () => {
    const root = mkdtempSync(join(tmpdir(), 'audit-standings-'));
    try {
      const start = new Date(Date.now() - 1000).toISOString();
      const api = await startApp({ dataDir: root });
      let closed: Response;
      try {
        const window = { type: 'window', start, end: new Date(Date.now() + 1500).toISOString() };
        const board = { sortOrder: 'desc', operator: 'best', resetSchedule: window };
        expect((await api.command('PUT', '/v1/leaderboards/cup', board)).status).toBe(201);
        for (const [playerId, score] of [
          ['p1', 10],
          ['p2', 30],
          ['p3', 20],
        ] as const) {
          const body = { playerId, score };
          expect((await api.command('POST', '/v1/leaderboards/cup/scores', body, keys.game)).status).toBe(
            201,
          );
        }
        const period = `/v1/leaderboards/cup/periods/${encodeURIComponent(start)}`;
        for (closed = await api.query(period); closed.body.status !== 'closed';) {
          await sleep(250);
          closed = await api.query(period);
        }
      } finally {
        await api.close();
      }
      const cli = (dataDir: string) =>
        runAuditCli(['standings', '--board', 'cup', '--period', start, '--limit', '2'], {
          DATA_DIR: dataDir,
        });
      const clean = cli(root);
      expect(clean.status).toBe(0);
      const report = JSON.parse(clean.stdout);
      expect(report).toMatchObject({
        status: 'closed',
        adjudication: 0,
        entries: 3,
        standingsHash: closed.body.adjudications[0].standingsHash,
        verification: { recordedHash: closed.body.adjudications[0].standingsHash, matches: true },
      });
      expect(
        report.top.map(({ playerId, rank }: { playerId: string; rank: number }) => [rank, playerId]),
      ).toEqual([
        [1, 'p2'],
        [2, 'p3'],
      ]);

      const tampered = join(root, 'tampered');
      mkdirSync(tampered);
      copyFileSync(join(root, 'events.db'), join(tampered, 'events.db'));
      const db = new Database(join(tampered, 'events.db'));
      // p1's best score raised above everyone's, as an intruder with file access could.
      const p1 = row(db, 'leaderboardScores-cup.p1', 0);
      const data = JSON.parse(p1.data);
      db.prepare('UPDATE events SET data = ? WHERE position = ?').run(
        JSON.stringify({ ...data, score: 99, entry: { ...data.entry, score: 99 } }),
        p1.position,
      );
      db.close();
      const edited = cli(tampered);
      expect(JSON.parse(edited.stdout).verification.matches).toBe(false);
      expect(edited.status).toBe(1);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }, 30_000);
});
