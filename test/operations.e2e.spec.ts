import { keys, startApp, type TestApp } from '@test/support/testApp';

/** What the operator console reads besides the game's own routes, over real HTTP. */
describe('operator routes (e2e)', () => {
  let api: TestApp;
  beforeAll(async () => {
    api = await startApp();
  });
  afterAll(() => api.close());

  /** An NDJSON answer as its parsed lines. */
  const lines = async (path: string, key = keys.fuzzer) => {
    const response = await fetch(api.url + path, { headers: { authorization: `Bearer ${key}` } });
    expect(response.headers.get('content-type')).toContain('application/x-ndjson');
    expect(response.headers.get('x-accel-buffering')).toBe('no');
    return (await response.text())
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line));
  };

  it('names the key a client signs in with and its scopes, for any valid key', async () => {
    const reader = await api.query('/v1/api-key', keys.reader);
    expect(reader.status).toBe(200);
    expect(reader.body).toEqual({ name: 'dashboard', scopes: ['read'] });
    const monitoring = await api.query('/v1/api-key', keys.monitoring);
    expect(monitoring.body).toEqual({ name: 'prometheus', scopes: ['metrics'] });
    expect((await api.query('/v1/api-key', 'not-a-key-0123456789')).status).toBe(401);
  });

  it('lists the leaderboards by id, a page at a time', async () => {
    for (const id of ['zeta', 'alpha', 'mid']) {
      const defined = await api.command('PUT', `/v1/leaderboards/${id}`, {
        sortOrder: 'desc',
        operator: 'best',
        resetSchedule: id === 'mid' ? 'daily' : 'never',
      });
      expect(defined.status).toBe(201);
    }
    const first = await api.query('/v1/leaderboards?limit=2');
    expect(first.status).toBe(200);
    expect(first.body.leaderboards.map((board: any) => board.leaderboardId)).toEqual(['alpha', 'mid']);
    expect(first.body.leaderboards[1].currentPeriod).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    const second = await api.query(`/v1/leaderboards?limit=2&cursor=${first.body.nextCursor}`);
    expect(second.body).toMatchObject({ leaderboards: [{ leaderboardId: 'zeta' }], nextCursor: null });
  });

  it("records a consumption's reason and shows it in the ledger", async () => {
    await api.command('PUT', '/v1/catalog/items/torch', {
      name: 'Torch',
      prices: { GOLD: 1 },
      stackable: true,
    });
    await api.command(
      'POST',
      '/v1/players/ops-1/grants',
      { currency: 'GOLD', amount: 5, reason: 'start' },
      keys.game,
    );
    await api.command('POST', '/v1/players/ops-1/purchases', { sku: 'torch', quantity: 2 }, keys.game);
    const consumed = await api.command(
      'POST',
      '/v1/players/ops-1/consumptions',
      { sku: 'torch', quantity: 1, reason: 'bought by mistake' },
      keys.game,
    );
    expect(consumed.status).toBe(201);
    const ledger = await api.query(`/v1/players/ops-1/ledger?minPosition=${consumed.body.position}`);
    expect(ledger.body.entries.map((line: any) => line.reason)).toEqual([
      'start',
      'purchase of 2 torch',
      'bought by mistake',
    ]);
    const blank = await api.command(
      'POST',
      '/v1/players/ops-1/consumptions',
      {
        sku: 'torch',
        quantity: 1,
        reason: ' ',
      },
      keys.game,
    );
    expect(blank.status).toBe(400);
    expect(blank.body.errors).toEqual([expect.objectContaining({ field: 'reason' })]);
  });

  it('reports the head, each read model and its lag, no relay and the recent errors (embedded)', async () => {
    const head = await api.events.headPosition();
    const status = await api.query('/v1/system/status', keys.monitoring);
    expect(status.status).toBe(200);
    expect(status.body).toMatchObject({ mode: 'embedded', eventStore: { head }, relay: null });
    expect(status.body.readModels.partitions).toEqual([]);
    expect(status.body.readModels.models.map((model: any) => model.name)).toEqual(
      expect.arrayContaining(['wallets', 'ledger', 'leaderboards']),
    );
    for (const model of status.body.readModels.models) expect(model.lag).toBe(head - model.position);
    expect(Array.isArray(status.body.recentErrors)).toBe(true);
    expect((await api.query('/v1/system/status', keys.reader)).status).toBe(403);
  });

  it('streams a verification as progress lines, then its result', async () => {
    const stream = await lines('/v1/audit/verification/progress');
    const result = stream.at(-1);
    expect(result).toEqual({ result: expect.objectContaining({ ok: true }) });
    expect(result.result.events).toBe(await api.events.headPosition());
    const whole = await api.request('GET', '/v1/audit/verification', { key: keys.fuzzer });
    expect(result.result).toEqual(whole.body);
    for (const line of stream.slice(0, -1)) {
      expect(line.progress).toMatchObject({ phase: 'verify', unit: 'events' });
    }
    const one = await lines('/v1/audit/verification/progress?stream=playerEconomy-ops-1');
    expect(one.at(-1).result).toMatchObject({ ok: true, streams: 1, events: 3 });
  });

  it('streams a replay check with its progress, the replay then each read model', async () => {
    const stream = await lines('/v1/audit/replay-check/progress');
    expect(stream.at(-1)).toEqual({ result: expect.objectContaining({ ok: true, differenceCount: 0 }) });
    const phases = stream.filter((line) => line.progress).map((line) => line.progress.phase);
    // At least the last comparison's progress is sent, whatever the run's speed.
    expect(phases.at(-1)).toMatch(/^compare /);
  });

  it('refuses the progress streams without the audit scope, as problem+json before any line', async () => {
    const response = await api.request('GET', '/v1/audit/verification/progress', { key: keys.reader });
    expect(response.status).toBe(403);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
  });
});
