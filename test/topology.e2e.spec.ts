import { audit } from '@app/domain';
import { SqliteEventStore } from '@app/event-store/sqlite';
import { readModelCollections } from '@app/projections';
import { AliasedReadStore } from '@app/read-store/mongo';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { type Topology, startTopology } from '../scripts/topology';
import { runAuditCli } from '@test/support/auditCli';
import { readModelDigest, rebuiltReadModels } from '@test/support/readModels';
import {
  FERRETDB_CLIENT_ENV,
  KAFKA,
  MONGO,
  describeWith,
  serverAddress,
  testMongoOptions,
} from '@test/support/servers';

type Reply = { status: number; body: any; headers: Headers };
/** What the accepted commands imply for one player. */
type Expected = { gold: number; gems: number; swords: number; ledger: number; best: number; total: number };
type Sent = {
  api: number;
  method: string;
  path: string;
  body: unknown;
  idempotencyKey: string;
  reply: Reply;
};

const PLAYERS = 24;
const COMMANDS = 360;
const CONCURRENCY = 8;
const GRANT = 25;
const GEM_PRICE = 7;
const SWORD_PRICE = 25;
/** Gems a hot wallet is funded for, then raced for from both apis. */
const RACE = 8;

/**
 * Issue 4's topology as processes, started by the very code `npm run topology` runs: two apis on two
 * ports over one SQLite event store, a relay, two projectors, Kafka and FerretDB, all on 127.0.0.1.
 * Commands alternate between the apis, concurrently; once the read models have caught up, both apis must
 * answer every query with the same body, and that body must be right: what the accepted commands imply,
 * what the event store holds, and what a clean rebuild of the read models from the log gives.
 */
describeWith([KAFKA, MONGO], 'Process topology: two apis, a relay and two projectors', () => {
  let topology: Topology;
  const statuses: { api: number; method: string; path: string; status: number }[] = [];
  const exits: string[] = [];

  beforeAll(async () => {
    topology = await startTopology({
      brokers: serverAddress(KAFKA)!,
      mongoUrl: serverAddress(MONGO)!,
      partitions: 4,
      // Cold processes on a shared 2-core machine: give read-after-write room, log only warnings.
      env: { ...FERRETDB_CLIENT_ENV, LOG_LEVEL: 'warn', READ_AFTER_WRITE_TIMEOUT_MS: '20000' },
      onUnexpectedExit: ({ name }, code, signal) => exits.push(`${name}: ${signal ?? code}`),
    });
  }, 240_000);
  afterAll(() => topology?.stop(), 60_000);

  /** One HTTP call to api `index` (0 or 1) with the topology's key; every status is recorded. */
  const call = async (
    index: number,
    method: string,
    path: string,
    options: { body?: unknown; idempotencyKey?: string } = {},
  ): Promise<Reply> => {
    const headers: Record<string, string> = { authorization: `Bearer ${topology.apiKey}` };
    if (options.idempotencyKey) headers['idempotency-key'] = options.idempotencyKey;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(topology.apis[index].url + path, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    const text = await response.text();
    statuses.push({ api: index, method, path, status: response.status });
    return { status: response.status, body: text ? JSON.parse(text) : undefined, headers: response.headers };
  };
  const sent: Sent[] = [];
  const command = async (index: number, method: string, path: string, body: unknown): Promise<Reply> => {
    const idempotencyKey = randomUUID();
    const reply = await call(index, method, path, { body, idempotencyKey });
    sent.push({ api: index, method, path, body, idempotencyKey, reply });
    return reply;
  };

  it('runs every process on its own 127.0.0.1 port, each answering /health, and says so', async () => {
    const { processes } = topology;
    expect(processes.map(({ name }) => name)).toEqual([
      'api-1',
      'api-2',
      'relay',
      'projector-1',
      'projector-2',
    ]);
    expect(new Set(processes.map(({ port }) => port)).size).toBe(5);
    expect(new Set(processes.map(({ worker }) => worker.pid)).size).toBe(5);
    for (const { url, worker } of processes) {
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(worker.running).toBe(true);
      expect((await fetch(`${url}/health`)).status).toBe(200);
    }
    for (const { url } of [topology.relay, ...topology.projectors]) {
      expect(await (await fetch(`${url}/metrics`)).text()).toContain('process_cpu_seconds_total');
    }
    const table = topology.describe();
    for (const { name, url, worker } of processes) {
      expect(table).toMatch(new RegExp(`^${name} +${url} +${worker.pid} `, 'm'));
    }
    expect(table).toContain(topology.dataDir);
    expect(table).toContain(topology.apiKey);
  });

  it('answers identically on both apis once caught up, and rightly', async () => {
    // 1. Definitions, split between the apis.
    const run = randomUUID().slice(0, 8);
    const gem = `gem-${run}`;
    const sword = `sword-${run}`;
    const best = `best-${run}`;
    const total = `total-${run}`;
    const defined = await Promise.all([
      command(0, 'PUT', `/v1/catalog/items/${gem}`, {
        name: 'Gem',
        prices: { GOLD: GEM_PRICE },
        stackable: true,
      }),
      command(1, 'PUT', `/v1/catalog/items/${sword}`, {
        name: 'Sword',
        prices: { GOLD: SWORD_PRICE },
        stackable: false,
      }),
      command(0, 'PUT', `/v1/leaderboards/${best}`, {
        sortOrder: 'desc',
        operator: 'best',
        resetSchedule: 'never',
      }),
      command(1, 'PUT', `/v1/leaderboards/${total}`, {
        sortOrder: 'desc',
        operator: 'increment',
        resetSchedule: 'never',
      }),
    ]);
    expect(defined.map(({ status }) => status)).toEqual([201, 201, 201, 201]);

    // 2. Game traffic over many players, command i on api i % 2, CONCURRENCY in flight.
    const players = Array.from({ length: PLAYERS }, (_, i) => `p${i}-${run}`);
    const expected = new Map<string, Expected>(
      players.map((p) => [p, { gold: 0, gems: 0, swords: 0, ledger: 0, best: -1, total: 0 }]),
    );
    const send = async (i: number) => {
      const player = players[i % PLAYERS];
      const model = expected.get(player)!;
      const api = i % 2;
      switch (i % 5) {
        case 0: {
          const reply = await command(api, 'POST', `/v1/players/${player}/grants`, {
            currency: 'GOLD',
            amount: GRANT,
            reason: 'match won',
          });
          if (reply.status === 201)
            Object.assign(model, { gold: model.gold + GRANT, ledger: model.ledger + 1 });
          return reply;
        }
        case 1:
        case 2: {
          const sku = i % 5 === 1 ? gem : sword;
          const reply = await command(api, 'POST', `/v1/players/${player}/purchases`, { sku, quantity: 1 });
          if (reply.status === 201 && sku === gem) {
            Object.assign(model, {
              gold: model.gold - GEM_PRICE,
              gems: model.gems + 1,
              ledger: model.ledger + 1,
            });
          } else if (reply.status === 201) {
            Object.assign(model, { gold: model.gold - SWORD_PRICE, swords: 1, ledger: model.ledger + 1 });
          }
          return reply;
        }
        case 3: {
          const score = (i * 7919) % 1000;
          const reply = await command(api, 'POST', `/v1/leaderboards/${best}/scores`, {
            playerId: player,
            score,
          });
          if (reply.status === 201) model.best = Math.max(model.best, score);
          return reply;
        }
        default: {
          const score = (i % 13) + 1;
          const reply = await command(api, 'POST', `/v1/leaderboards/${total}/scores`, {
            playerId: player,
            score,
          });
          if (reply.status === 201) model.total += score;
          return reply;
        }
      }
    };
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < COMMANDS) await send(next++);
      }),
    );

    // A hot wallet raced from both apis at once: funded for exactly RACE gems, 2 x RACE purchases. The
    // expected revision guards across processes: never more than RACE succeed, the balance never goes
    // below zero; fewer succeed only when some gave up with concurrency-conflict.
    const hot = `hot-${run}`;
    const funded = await command(0, 'POST', `/v1/players/${hot}/grants`, {
      currency: 'GOLD',
      amount: RACE * GEM_PRICE,
      reason: 'race',
    });
    expect(funded.status).toBe(201);
    const race = await Promise.all(
      Array.from({ length: 2 * RACE }, (_, i) =>
        command(i % 2, 'POST', `/v1/players/${hot}/purchases`, { sku: gem, quantity: 1 }),
      ),
    );
    const bought = race.filter(({ status }) => status === 201).length;
    const gaveUp = race.filter(({ body }) => body?.type?.endsWith('/concurrency-conflict')).length;
    expect(bought).toBeLessThanOrEqual(RACE);
    expect(bought + gaveUp).toBeGreaterThanOrEqual(RACE);
    expect(new Set(race.filter(({ status }) => status === 201).map(({ body }) => body.revision)).size).toBe(
      bought,
    );

    // Every command was accepted, or refused by a business rule (a 409 with its problem type).
    const refusals = sent.filter(({ reply }) => reply.status !== 201);
    for (const { reply } of refusals) {
      expect([409, reply.body]).toEqual([
        reply.status,
        expect.objectContaining({
          type: expect.stringMatching(
            /\/problems\/(insufficient-funds|stack-limit-exceeded|concurrency-conflict)$/,
          ),
        }),
      ]);
    }
    const accepted = sent.filter(({ reply }) => reply.status === 201);
    expect(accepted.length).toBeGreaterThan(COMMANDS / 2);
    for (const api of [0, 1])
      expect(accepted.filter((s) => s.api === api).length).toBeGreaterThan(COMMANDS / 4);

    // 3. A retry on the other api returns the original result and appends nothing.
    const events = new SqliteEventStore(join(topology.dataDir, 'events.db'));
    try {
      const head = await events.headPosition();
      for (const original of accepted.filter((_, i) => i % 18 === 0)) {
        const retry = await call(1 - original.api, original.method, original.path, {
          body: original.body,
          idempotencyKey: original.idempotencyKey,
        });
        expect([retry.status, retry.headers.get('idempotent-replayed'), retry.body]).toEqual([
          200,
          'true',
          { ...original.reply.body, replayed: true },
        ]);
      }
      // The apis' log anchors may land in the audit stream meanwhile; nothing else may.
      const since = await events.readAll(head, 100);
      expect(since.filter((event) => event.streamId !== audit.AUDIT_STREAM_ID)).toEqual([]);

      // 4. Caught up: both apis wait until every partition's read models reached the last write.
      const minPosition = Math.max(...accepted.map(({ reply }) => reply.body.position));
      expect(minPosition).toBe(head);
      const both = async (path: string): Promise<any> => {
        const separator = path.includes('?') ? '&' : '?';
        const [a, b] = await Promise.all(
          [0, 1].map((api) => call(api, 'GET', `${path}${separator}minPosition=${minPosition}`)),
        );
        expect([path, a.status]).toEqual([path, 200]);
        expect([path, b.body]).toEqual([path, a.body]);
        return a.body;
      };
      /** Every page of a keyset-paginated list, from both apis, which must agree page by page. */
      const allPages = async (path: string, key: string): Promise<any[]> => {
        const items: any[] = [];
        for (let cursor: string | null = null; ;) {
          const page = await both(`${path}${cursor ? `&cursor=${cursor}` : ''}`);
          items.push(...page[key]);
          cursor = page.nextCursor;
          if (!cursor) return items;
        }
      };

      // 5. Every query answers the same on both apis, and what the accepted commands imply.
      expect(await both(`/v1/catalog/items/${gem}`)).toMatchObject({ sku: gem, prices: { GOLD: GEM_PRICE } });
      expect(await both(`/v1/leaderboards/${total}`)).toMatchObject({
        operator: 'increment',
        sortOrder: 'desc',
      });
      for (const player of players) {
        const model = expected.get(player)!;
        const wallet = await both(`/v1/players/${player}/wallet`);
        expect([player, wallet.balances.GOLD ?? 0]).toEqual([player, model.gold]);
        const items = (await both(`/v1/players/${player}/inventory`)).items;
        expect([player, items]).toEqual([
          player,
          [
            ...(model.gems ? [{ sku: gem, quantity: model.gems }] : []),
            ...(model.swords ? [{ sku: sword, quantity: 1 }] : []),
          ].sort((x, y) => (x.sku < y.sku ? -1 : 1)),
        ]);
        // The ledger, read in pages of 4: one line per accepted economy command, whose deltas sum to the
        // balance, ending where the event store's stream ends.
        const ledger = await allPages(`/v1/players/${player}/ledger?limit=4`, 'entries');
        expect(ledger.map(({ revision }) => revision)).toEqual([...Array(model.ledger).keys()]);
        const gold = ledger.flatMap(({ changes }) => changes).filter((c: any) => c.currency === 'GOLD');
        expect(gold.reduce((sum: number, c: any) => sum + c.delta, 0)).toBe(model.gold);
        const stream = await events.readStream(`playerEconomy-${player}`);
        expect(stream.map(({ id }) => id)).toEqual(ledger.map(({ eventId }) => eventId));
        if (stream.length > 0) expect((stream.at(-1)!.data as any).balanceAfter).toBe(model.gold);
      }

      expect((await both(`/v1/players/${hot}/wallet`)).balances).toEqual({
        GOLD: (RACE - bought) * GEM_PRICE,
      });
      expect((await both(`/v1/players/${hot}/inventory`)).items).toEqual([{ sku: gem, quantity: bought }]);
      expect(await allPages(`/v1/players/${hot}/ledger?limit=4`, 'entries')).toHaveLength(1 + bought);

      // Leaderboards: all entries in pages of 5, in rank order, each player's rank and neighbours.
      const boards: [string, (model: Expected) => number | undefined][] = [
        [best, (model) => (model.best >= 0 ? model.best : undefined)],
        [total, (model) => (model.total > 0 ? model.total : undefined)],
      ];
      for (const [board, scoreOf] of boards) {
        const entries = await allPages(`/v1/leaderboards/${board}/entries?limit=5`, 'entries');
        const ranked = players
          .map((player) => [player, scoreOf(expected.get(player)!)] as const)
          .filter(([, score]) => score !== undefined);
        expect(entries.map(({ rank }) => rank)).toEqual(ranked.map((_, i) => i + 1));
        expect(entries.map(({ playerId, score }) => [playerId, score]).sort()).toEqual(
          ranked.map(([player, score]) => [player, score]).sort(),
        );
        const scores = entries.map(({ score }) => score);
        expect(scores).toEqual([...scores].sort((x, y) => y - x));
        for (const [i, entry] of entries.entries()) {
          const around = await both(`/v1/leaderboards/${board}/players/${entry.playerId}?around=2`);
          expect(around).toMatchObject({ rank: entry.rank, entry });
          expect(around.neighbors).toEqual(
            entries.slice(Math.max(0, i - 2), i + 3).filter((e) => e !== entry),
          );
        }
      }

      // 6. The MongoDB read models equal a clean rebuild from the event store.
      const readStore = await AliasedReadStore.open({
        url: topology.mongoUrl,
        collections: readModelCollections,
        ...testMongoOptions,
      });
      try {
        const live = await readModelDigest(readStore);
        const rebuilt = await readModelDigest(await rebuiltReadModels(events));
        expect(live).toEqual(rebuilt);
        expect(live.ledger.count).toBe(players.reduce((n, p) => n + expected.get(p)!.ledger, 1 + bought));
      } finally {
        await readStore.close();
      }
    } finally {
      await events.close();
    }

    // No 5xx on either api, and no process died on its own.
    expect(statuses.filter(({ status }) => status >= 500)).toEqual([]);
    expect(exits).toEqual([]);
    for (const { worker } of topology.processes) expect(worker.running).toBe(true);
  }, 300_000);

  it('passes the audit replay check, over HTTP and as the CLI, until a MongoDB document is corrupted', async () => {
    const cli = () =>
      runAuditCli(['replay-check'], {
        DATA_DIR: topology.dataDir,
        MONGO_URL: topology.mongoUrl,
        KAFKA_BROKERS: topology.brokers,
        KAFKA_TOPIC_PREFIX: topology.topicPrefix,
        KAFKA_PARTITIONS: String(topology.partitions),
      });
    const clean = await call(0, 'GET', '/v1/audit/replay-check');
    expect(clean.body).toMatchObject({ ok: true, differenceCount: 0, unsettled: [] });
    expect(clean.body.documents.wallets).toBeGreaterThan(0);
    const cleanCli = cli();
    expect([cleanCli.status, cleanCli.stdout]).toEqual([
      0,
      expect.stringMatching(/^ok: \d+ events replayed/),
    ]);

    // Behind the projectors' back, as a stray script or a bad migration would.
    const readStore = await AliasedReadStore.open({
      url: topology.mongoUrl,
      collections: readModelCollections,
      ...testMongoOptions,
    });
    try {
      const wallets = readStore.connection.collection(`${(await readStore.alias()).live}_wallets`);
      const victim = (await wallets.findOne({}, { sort: { _id: 1 } }))!;
      await wallets.updateOne({ _id: victim._id }, { $set: { 'balances.GOLD': 123_456_789 } });

      const corrupted = cli();
      expect(corrupted.status).toBe(1);
      expect(corrupted.stdout).toContain(`DIFFERENT wallets/${String(victim._id)} (balances)`);
      expect(corrupted.stdout).toContain('1 DIFFERENCES, 0 UNSETTLED');
      const overHttp = await call(1, 'GET', '/v1/audit/replay-check');
      expect(overHttp.body).toMatchObject({
        ok: false,
        differenceCount: 1,
        differences: [{ collection: 'wallets', id: victim._id, kind: 'different', fields: ['balances'] }],
      });
      await wallets.replaceOne({ _id: victim._id }, victim);
    } finally {
      await readStore.close();
    }
  }, 120_000);
});
