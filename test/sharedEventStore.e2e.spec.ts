import { verifyEventLog } from '@app/audit';
import { SqliteEventStore } from '@app/event-store/sqlite';
import { freePort, waitFor } from '@test/support/servers';
import { type ApiClient, apiClient, keys, testApiKeys } from '@test/support/testApp';
import { WorkerProcess } from '@test/support/workers';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Two api processes on one SQLite file, as the cluster topology allows. Each keeps its streams' states
 * in memory and skips reading a stream's tail while nobody else appended to the log: here the other
 * process appends between any two commands of one, so each must see the other's appends before it
 * decides. A purchase that could only be paid with what the other api granted just before is refused if
 * its api decided on the state it held; two apis racing on one wallet must not spend it twice.
 */
describe('two api processes on one event store file (e2e)', () => {
  let dataDir: string;
  /** The log, read directly: what the test judges by. */
  let events: SqliteEventStore;
  const apis: WorkerProcess[] = [];
  const clients: ApiClient[] = [];

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'shared-store-'));
    // The schema first, so the processes do not race to create it.
    events = new SqliteEventStore(join(dataDir, 'events.db'));
    for (let i = 0; i < 2; i++) {
      const port = await freePort();
      const api = new WorkerProcess('api', {
        DATA_DIR: dataDir,
        API_KEYS: testApiKeys,
        PORT: String(port),
        SQLITE_SYNCHRONOUS: 'NORMAL',
      });
      api.start();
      apis.push(api);
      clients.push(apiClient(`http://127.0.0.1:${port}`));
    }
    for (const [i, api] of apis.entries()) {
      await waitFor(`api ${i}`, async () => (await clients[i].request('GET', '/health')).status === 200, {
        timeoutMs: 60_000,
        alive: () => api.running,
      }).catch((error: Error) => Promise.reject(new Error(`${error.message}\n${api.output}`)));
    }
    const item = { name: 'Potion', prices: { GOLD: 10 }, stackable: true };
    expect((await clients[0].command('PUT', '/v1/catalog/items/potion', item)).status).toBe(201);
  }, 120_000);

  afterAll(async () => {
    for (const api of apis) await api.close();
    await events?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const grant = (api: number, player: string, amount: number) =>
    clients[api].command(
      'POST',
      `/v1/players/${player}/grants`,
      { currency: 'GOLD', amount, reason: 'test' },
      keys.game,
    );
  const purchase = (api: number, player: string) =>
    clients[api].command(
      'POST',
      `/v1/players/${player}/purchases`,
      { sku: 'potion', quantity: 1 },
      keys.game,
    );

  /** The player's economy events as stored, with the balance each left. */
  const ledger = async (player: string) =>
    (await events.readStream(`playerEconomy-${player}`)).map((event) => ({
      type: event.type,
      balanceAfter: (event.data as { balanceAfter: number }).balanceAfter,
    }));

  it("each api decides on the other's appends: a purchase paid by the grant the other api just made", async () => {
    const player = 'alternating';
    const rounds = 6;
    // One api grants, the other buys, then the other way round. The buyer's own last command left the
    // wallet empty: deciding on the state it holds, it would refuse (409) what the grant now pays for.
    for (const [granter, buyer] of [
      [0, 1],
      [1, 0],
    ]) {
      for (let round = 0; round < rounds; round++) {
        expect((await grant(granter, player, 10)).status).toBe(201);
        const bought = await purchase(buyer, player);
        expect([buyer, round, bought.status]).toEqual([buyer, round, 201]);
      }
    }
    const stored = await ledger(player);
    expect(stored).toEqual(
      Array.from({ length: rounds * 2 }, () => [
        { type: 'CurrencyGranted', balanceAfter: 10 },
        { type: 'ItemPurchased', balanceAfter: 0 },
      ]).flat(),
    );
    await expect(verifyEventLog(events, { stream: `playerEconomy-${player}` })).resolves.toMatchObject({
      ok: true,
      chained: rounds * 4,
    });
  }, 60_000);

  it('both apis racing on one wallet funded for exactly K purchases: K succeed, none twice, none lost', async () => {
    const player = 'raced';
    const affordable = 20;
    // Both apis hold the wallet's state before the race.
    expect((await grant(0, player, 10 * (affordable - 1))).status).toBe(201);
    expect((await grant(1, player, 10)).status).toBe(201);
    const attempts = 60;
    const statuses: number[] = [];
    const next = { index: 0 };
    const worker = async (api: number) => {
      while (next.index < attempts) {
        next.index += 1;
        statuses.push((await purchase(api, player)).status);
      }
    };
    await Promise.all([0, 1, 0, 1, 0, 1, 0, 1].map(worker));
    expect(statuses.filter((status) => status === 201)).toHaveLength(affordable);
    expect(statuses.filter((status) => status !== 201 && status !== 409)).toEqual([]);
    const stored = await ledger(player);
    const purchases = stored.filter((event) => event.type === 'ItemPurchased');
    expect(purchases).toHaveLength(affordable);
    expect(stored.every((event) => event.balanceAfter >= 0)).toBe(true);
    expect(stored[stored.length - 1].balanceAfter).toBe(0);
    // Each api's next answer reflects the other's last purchase: the wallet is empty for both.
    for (const api of [0, 1]) {
      const refused = await purchase(api, player);
      expect([api, refused.status]).toEqual([api, 409]);
    }
    await expect(verifyEventLog(events, { stream: `playerEconomy-${player}` })).resolves.toMatchObject({
      ok: true,
      chained: affordable + 2,
    });
  }, 60_000);
});
