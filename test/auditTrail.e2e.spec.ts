import { eventHash } from '@app/audit';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateLog } from '../bench/support/logGenerator';
import { runAuditCli } from '@test/support/auditCli';
import type { RecordedEvent } from '@app/event-store';
import { walletView } from '@app/projections';
import { type TestApp, keys, startApp } from '@test/support/testApp';

const AUDITOR_KEY = 'auditor-secret-0123456789';
const API_KEYS = [
  `live-ops:${keys.admin}:admin,read`,
  `game-server:${keys.game}:economy,scores,read`,
  `auditor:${AUDITOR_KEY}:audit`,
].join(';');

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What the API served right after one command, and when. */
type Served = { position: number; servedAt: string; wallet: unknown; inventory: unknown };

/**
 * The auditor's questions over the real command path, answered from the event store alone: a player's
 * history with hashes, their state at any past point (compared with what the API served at that point,
 * captured while the commands ran), NDJSON export, and the replay check against the served read models.
 */
describe('audit: history, state at a point, export, replay check (e2e)', () => {
  let api: TestApp;
  const served: Served[] = [];
  let startedAt: string;

  const audit = (path: string, key = AUDITOR_KEY) => api.query(path, key);

  /** NDJSON lines as events. */
  const lines = (text: string): RecordedEvent[] =>
    text
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line));

  const exported = async (path: string) => {
    const response = await fetch(api.url + path, { headers: { authorization: `Bearer ${AUDITOR_KEY}` } });
    return {
      status: response.status,
      type: response.headers.get('content-type'),
      text: await response.text(),
    };
  };

  beforeAll(async () => {
    api = await startApp({ env: { API_KEYS, AUDIT_ANCHOR_EVERY_MS: '3600000' } });
    for (const [sku, prices] of [
      ['potion', { GOLD: 10 }],
      ['sword', { GOLD: 40, GEMS: 2 }],
    ] as const) {
      const defined = await api.command('PUT', `/v1/catalog/items/${sku}`, {
        name: sku,
        prices,
        stackable: true,
      });
      expect(defined.status).toBeLessThan(300);
    }
    await sleep(2);
    startedAt = new Date().toISOString();
    await sleep(2);
    const commands: [string, unknown][] = [
      ['grants', { currency: 'GOLD', amount: 100, reason: 'login' }],
      ['purchases', { sku: 'potion', quantity: 3 }],
      ['grants', { currency: 'GEMS', amount: 5, reason: 'quest' }],
      ['purchases', { sku: 'sword', quantity: 1, currency: 'GEMS' }],
      ['consumptions', { sku: 'potion', quantity: 2 }],
      ['spends', { currency: 'GOLD', amount: 25, reason: 'repair' }],
      ['purchases', { sku: 'sword', quantity: 1, currency: 'GOLD' }],
      ['consumptions', { sku: 'potion', quantity: 1 }],
    ];
    for (const [kind, body] of commands) {
      const done = await api.command('POST', `/v1/players/p1/${kind}`, body, keys.game);
      expect([kind, done.status]).toEqual([kind, 201]);
      const { position } = done.body;
      // Another player's traffic in between: positions of p1's events are not consecutive.
      await api.command(
        'POST',
        '/v1/players/p2/grants',
        { currency: 'GOLD', amount: 1, reason: 'x' },
        keys.game,
      );
      const wallet = await api.query(`/v1/players/p1/wallet?minPosition=${position}`, keys.game);
      const inventory = await api.query(`/v1/players/p1/inventory?minPosition=${position}`, keys.game);
      // Commands are stamped with the millisecond the api received them: step past it on both sides.
      await sleep(2);
      served.push({
        position,
        servedAt: new Date().toISOString(),
        wallet: wallet.body,
        inventory: inventory.body,
      });
      await sleep(2);
    }
  });

  afterAll(async () => {
    await api?.close();
  });

  describe('a player history', () => {
    it('pages through the stream as stored, each event with its hash, verified', async () => {
      const stored = await api.stream('playerEconomy-p1');
      const pages: any[] = [];
      let cursor = '';
      do {
        const page = await audit(`/v1/audit/players/p1/history?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
        expect(page.status).toBe(200);
        pages.push(page.body);
        cursor = page.body.nextCursor;
      } while (cursor);

      expect(pages.map((page) => page.events.length)).toEqual([3, 3, 2]);
      const events = pages.flatMap((page) => page.events);
      expect(events.map(({ verification: _checked, ...event }: any) => event)).toEqual(stored);
      for (const event of events) {
        expect(event.verification).toEqual({ status: 'verified' });
        expect(event.metadata.hash).toBe(eventHash({ ...event, previousHash: event.metadata.previousHash }));
      }
      expect(pages[0]).toMatchObject({ playerId: 'p1', streamId: 'playerEconomy-p1' });
    });

    it('is empty for a player without events, and refuses bad input and other scopes', async () => {
      expect((await audit('/v1/audit/players/nobody/history')).body).toEqual({
        playerId: 'nobody',
        streamId: 'playerEconomy-nobody',
        events: [],
        nextCursor: null,
      });
      const badCursor = await audit('/v1/audit/players/p1/history?cursor=xyz');
      expect(badCursor.status).toBe(400);
      expect(badCursor.body.errors).toEqual([
        { field: 'cursor', message: 'cursor is not one this API issued' },
      ]);
      expect((await audit('/v1/audit/players/p1/history?limit=0')).body.errors[0].field).toBe('limit');
      expect((await audit('/v1/audit/players/bad%20id/history')).status).toBe(400);
      expect((await audit('/v1/audit/players/p1/history', keys.game)).status).toBe(403);
      expect((await audit('/v1/audit/players/p1/history', null as never)).status).toBe(401);
    });
  });

  describe('state at a point', () => {
    it('equals what the API served right after each command, by position', async () => {
      for (const { position, wallet, inventory } of served) {
        const state = await audit(`/v1/audit/players/p1/state?position=${position}`);
        expect(state.status).toBe(200);
        expect({ wallet: state.body.wallet, inventory: state.body.inventory }).toEqual({ wallet, inventory });
        expect(state.body).toMatchObject({ position, verification: { ok: true } });
      }
    });

    it('equals what the API served at each moment, by timestamp', async () => {
      for (const { servedAt, wallet, inventory } of served) {
        const state = await audit(`/v1/audit/players/p1/state?at=${encodeURIComponent(servedAt)}`);
        expect({ wallet: state.body.wallet, inventory: state.body.inventory }).toEqual({ wallet, inventory });
      }
      // Before the first command the player had nothing; the wallet said so with revision -1.
      const before = await audit(`/v1/audit/players/p1/state?at=${encodeURIComponent(startedAt)}`);
      expect(before.body).toMatchObject({
        revision: -1,
        wallet: { playerId: 'p1', balances: {}, revision: -1 },
        inventory: { playerId: 'p1', items: [], revision: -1 },
      });
    });

    it('names the field of a bad point', async () => {
      const neither = await audit('/v1/audit/players/p1/state');
      expect(neither.status).toBe(400);
      expect(neither.body.errors).toEqual([
        { field: 'position', message: 'give position or at (exactly one)' },
      ]);
      const both = await audit('/v1/audit/players/p1/state?position=3&at=2026-01-01T00:00:00Z');
      expect(both.body.errors[0].field).toBe('position');
      expect((await audit('/v1/audit/players/p1/state?position=-1')).body.errors[0].field).toBe('position');
      expect((await audit('/v1/audit/players/p1/state?at=yesterday')).body.errors[0].field).toBe('at');
    });
  });

  describe('NDJSON export', () => {
    it("exports a player's stream exactly as stored, hashes included", async () => {
      const result = await exported('/v1/audit/export?playerId=p1');
      expect(result.status).toBe(200);
      expect(result.type).toContain('application/x-ndjson');
      const events = lines(result.text);
      expect(events).toEqual(await api.stream('playerEconomy-p1'));
      for (const event of events) {
        expect(event.metadata.hash).toBe(eventHash({ ...event, previousHash: event.metadata.previousHash! }));
      }
    });

    it('exports a time range of the whole log in global order', async () => {
      const from = served[2].servedAt;
      const to = served[5].servedAt;
      const events = lines((await exported(`/v1/audit/export?from=${from}&to=${to}`)).text);
      const log = await api.events.readAll(0, 10_000);
      const expected = log.filter((event) => event.occurredAt >= from && event.occurredAt < to);
      expect(events).toEqual(expected);
      // Commands 4..6 of p1 and the p2 grant after each: six events.
      expect(events.map((event) => event.streamId)).toEqual([
        'playerEconomy-p1',
        'playerEconomy-p2',
        'playerEconomy-p1',
        'playerEconomy-p2',
        'playerEconomy-p1',
        'playerEconomy-p2',
      ]);
    });

    it('refuses an incomplete or contradictory scope, naming the field', async () => {
      const cases: [string, string][] = [
        ['/v1/audit/export', 'playerId'],
        ['/v1/audit/export?from=2026-01-01T00:00:00Z', 'to'],
        ['/v1/audit/export?to=2026-01-01T00:00:00Z', 'from'],
        ['/v1/audit/export?playerId=p1&from=2026-01-01T00:00:00Z', 'playerId'],
        ['/v1/audit/export?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z', 'to'],
        ['/v1/audit/export?from=soon&to=2026-01-01T00:00:00Z', 'from'],
      ];
      for (const [path, field] of cases) {
        const response = await audit(path);
        expect([path, response.status, response.body.errors?.[0]?.field]).toEqual([path, 400, field]);
      }
    });
  });

  describe('the CLI (npm run audit), on the same log', () => {
    const cli = (...args: string[]) => runAuditCli(args, { DATA_DIR: api.dataDir, MONGO_URL: '' });

    it('answers history, state and export as the API does', async () => {
      const history = cli('history', '--player', 'p1');
      expect(history.status).toBe(0);
      const api1 = (await audit('/v1/audit/players/p1/history?limit=200')).body.events;
      expect(lines(history.stdout)).toEqual(api1);

      const { position } = served[3];
      const state = cli('state', '--player', 'p1', '--position', String(position));
      expect(JSON.parse(state.stdout)).toEqual(
        (await audit(`/v1/audit/players/p1/state?position=${position}`)).body,
      );

      const { from, to } = { from: served[0].servedAt, to: served[7].servedAt };
      const fromCli = cli('export', '--from', from, '--to', to);
      expect(fromCli.stdout).toBe((await exported(`/v1/audit/export?from=${from}&to=${to}`)).text);
    });

    it('exits 2 with the reason on bad usage, and sends replay-check to the api in embedded mode', () => {
      const both = cli('state', '--player', 'p1');
      expect([both.status, both.stderr]).toEqual([2, expect.stringContaining('give --position or --at')]);
      const notIso = cli('export', '--from', 'monday', '--to', '2026-01-01T00:00:00Z');
      expect([notIso.status, notIso.stderr]).toEqual([
        2,
        expect.stringContaining('--from must be an ISO-8601'),
      ]);
      const embedded = cli('replay-check');
      expect([embedded.status, embedded.stderr]).toEqual([
        2,
        expect.stringContaining('GET /v1/audit/replay-check'),
      ]);
    });
  });

  describe('replay check', () => {
    it('finds the served read models equal to a replay of the log', async () => {
      const check = await audit('/v1/audit/replay-check');
      expect(check.status).toBe(200);
      expect(check.body).toMatchObject({ ok: true, differenceCount: 0, differences: [] });
      expect(check.body.documents).toMatchObject({ wallets: 2, inventories: 2, catalogItems: 2 });
      expect(check.body.events).toBe((await api.events.readAll(0, 10_000)).length);
    });

    it('reports every corrupted, lost and invented document of the served read models', async () => {
      // Corrupt the live read models directly, as a bug in a projection or a stray write would.
      const wallet = (await api.readModels.find(walletView.collection, 'p1'))!;
      const genuine = structuredClone(wallet);
      wallet.balances.GOLD += 1000;
      await api.readModels.commit(
        [{ collection: 'inventories', id: 'p2', doc: null, revision: 1_000_000 }],
        0,
      );
      await api.readModels.commit(
        [
          {
            collection: 'wallets',
            id: 'ghost',
            doc: { _id: 'ghost', playerId: 'ghost', balances: { GOLD: 5 }, revision: 0 } as never,
          },
        ],
        0,
      );

      const check = await audit('/v1/audit/replay-check');
      expect(check.body).toMatchObject({ ok: false, differenceCount: 3 });
      // Listed as each is confirmed: a changed document at once, a lost or invented one after rechecks.
      expect(check.body.differences).toHaveLength(3);
      expect(check.body.differences).toEqual(
        expect.arrayContaining([
          {
            collection: 'wallets',
            id: 'ghost',
            kind: 'unexpected',
            expected: null,
            actual: expect.objectContaining({ _id: 'ghost' }),
          },
          {
            collection: 'wallets',
            id: 'p1',
            kind: 'different',
            fields: ['balances'],
            expected: genuine,
            actual: expect.objectContaining({
              balances: { ...genuine.balances, GOLD: genuine.balances.GOLD + 1000 },
            }),
          },
          {
            collection: 'inventories',
            id: 'p2',
            kind: 'missing',
            expected: expect.objectContaining({ _id: 'p2' }),
            actual: null,
          },
        ]),
      );
      expect((await audit('/v1/audit/replay-check?limit=1')).body).toMatchObject({
        differenceCount: 3,
        differences: [expect.objectContaining({ id: 'p1' })],
      });
      expect((await audit('/v1/audit/replay-check?limit=0')).body.errors[0].field).toBe('limit');
    });
  });
});

describe('audit: a long check does not stall the api (e2e)', () => {
  let dataDir: string;
  let api: TestApp;
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'audit-busy-'));
    await generateLog({ file: join(dataDir, 'events.db'), events: 30_000, chained: true });
    api = await startApp({ dataDir, env: { API_KEYS, AUDIT_ANCHOR_EVERY_MS: '3600000' } });
  }, 120_000);
  afterAll(async () => {
    await api?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it.each(['/v1/audit/replay-check', '/v1/audit/verification'])(
    'answers a wallet query sent while %s runs before the check finishes',
    async (path) => {
      const finished: string[] = [];
      const check = api.query(path, AUDITOR_KEY).then((response) => {
        finished.push('check');
        return response;
      });
      await sleep(50);
      const wallet = await api.query('/v1/players/player-000001/wallet', keys.game);
      finished.push('wallet');
      expect(wallet.status).toBe(200);
      expect((await check).body.ok).toBe(true);
      expect(finished).toEqual(['wallet', 'check']);
    },
    60_000,
  );
});
