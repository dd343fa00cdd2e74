import { randomUUID } from 'node:crypto';
import { burst } from '@test/support/burst';
import { keys, problemType, startApp, type TestApp } from '@test/support/testApp';

/**
 * The player economy over real HTTP (embedded mode): given a stream, when a request, then a status and
 * exactly the new events - read from the event store itself, not from a read model.
 */
describe('economy API (e2e)', () => {
  let api: TestApp;
  beforeAll(async () => {
    api = await startApp();
    await api.command('PUT', '/v1/catalog/items/gem-pack', {
      name: 'Gem pack',
      prices: { GOLD: 30 },
      stackable: true,
    });
    await api.command('PUT', '/v1/catalog/items/sword', {
      name: 'Sword',
      prices: { GOLD: 100 },
      stackable: false,
    });
    await api.command('PUT', '/v1/catalog/items/potion', {
      name: 'Potion',
      prices: { GOLD: 10, GEMS: 1 },
      stackable: true,
      maxStack: 3,
    });
  });
  afterAll(() => api.close());

  const player = () => `p-${randomUUID().slice(0, 8)}`;
  const economy = (playerId: string) => api.stream(`playerEconomy-${playerId}`);
  const grant = (playerId: string, amount: number, currency = 'GOLD') =>
    api.command(
      'POST',
      `/v1/players/${playerId}/grants`,
      { currency, amount, reason: 'test funding' },
      keys.game,
    );
  const purchase = (playerId: string, body: object, idempotencyKey?: string) =>
    api.command('POST', `/v1/players/${playerId}/purchases`, body, keys.game, idempotencyKey);

  /** The retry was answered with the first attempt's result, marked as a replay. */
  const expectReplayOf = (first: { body: object }, retry: Awaited<ReturnType<typeof purchase>>) => {
    expect([retry.status, retry.headers.get('idempotent-replayed')]).toEqual([200, 'true']);
    expect({ ...retry.body, replayed: false }).toEqual(first.body);
  };

  it('50 concurrent purchases against a wallet funded for exactly K items: K succeed, balance 0', async () => {
    const playerId = player();
    const K = 7;
    expect((await grant(playerId, K * 30)).status).toBe(201);

    const responses = await burst(
      api.url,
      Array.from({ length: 50 }, (_, i) => ({
        method: 'POST',
        path: `/v1/players/${playerId}/purchases`,
        headers: { authorization: `Bearer ${keys.game}`, 'idempotency-key': `buy-${i}` },
        body: { sku: 'gem-pack', quantity: 1 },
      })),
    );

    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(K);
    expect(statuses.filter((s) => s === 409)).toHaveLength(50 - K);
    expect(
      responses
        .filter((r) => r.status === 409)
        .every((r) => problemType(r) === '/problems/insufficient-funds'),
    ).toBe(true);
    expect(statuses.some((s) => s >= 500)).toBe(false);

    const events = await economy(playerId);
    expect(events.map((e) => e.type)).toEqual(['CurrencyGranted', ...Array(K).fill('ItemPurchased')]);
    expect((events[events.length - 1].data as { balanceAfter: number }).balanceAfter).toBe(0);

    const lastPosition = Math.max(...responses.filter((r) => r.status === 201).map((r) => r.body.position));
    const wallet = await api.query(`/v1/players/${playerId}/wallet?minPosition=${lastPosition}`);
    expect(wallet.body).toEqual({ playerId, balances: { GOLD: 0 }, revision: K });
    const inventory = await api.query(`/v1/players/${playerId}/inventory?minPosition=${lastPosition}`);
    expect(inventory.body.items).toEqual([{ sku: 'gem-pack', quantity: K }]);
  });

  it('a retried Idempotency-Key returns the original result and appends nothing', async () => {
    const playerId = player();
    await grant(playerId, 500);
    const idempotencyKey = randomUUID();
    const first = await purchase(playerId, { sku: 'sword', quantity: 1 }, idempotencyKey);
    expect(first.status).toBe(201);

    const retry = await purchase(playerId, { quantity: 1, sku: 'sword' }, idempotencyKey); // same body, other key order
    expectReplayOf(first, retry);
    expect(await economy(playerId)).toHaveLength(2);
  });

  // A new command costs no idempotency lookup: the store recognises a retry's event ids when it is
  // appended, and a retry that decides differently now is looked up before it is refused.
  describe('a retry after the stream moved on still returns the original result', () => {
    const spend = (playerId: string, amount: number) =>
      api.command(
        'POST',
        `/v1/players/${playerId}/spends`,
        { currency: 'GOLD', amount, reason: 'x' },
        keys.game,
      );

    it('when deciding again would append the same events', async () => {
      const playerId = player();
      await grant(playerId, 500);
      const idempotencyKey = randomUUID();
      const first = await purchase(playerId, { sku: 'gem-pack', quantity: 1 }, idempotencyKey);
      await grant(playerId, 7);
      const retry = await purchase(playerId, { sku: 'gem-pack', quantity: 1 }, idempotencyKey);
      expectReplayOf(first, retry);
      expect(await economy(playerId)).toHaveLength(3);
    });

    it('when deciding again would refuse', async () => {
      const playerId = player();
      await grant(playerId, 100);
      const idempotencyKey = randomUUID();
      const first = await purchase(playerId, { sku: 'sword', quantity: 1 }, idempotencyKey);
      expect(first.status).toBe(201);
      await grant(playerId, 100);
      expect((await spend(playerId, 100)).status).toBe(201);
      // The wallet is empty and the sword already held: a new decision would be a 409.
      const retry = await purchase(playerId, { sku: 'sword', quantity: 1 }, idempotencyKey);
      expectReplayOf(first, retry);
      expect(await economy(playerId)).toHaveLength(4);
    });

    it('and the same key with a different body that would be refused is still a 422', async () => {
      const playerId = player();
      await grant(playerId, 30);
      const idempotencyKey = randomUUID();
      await purchase(playerId, { sku: 'gem-pack', quantity: 1 }, idempotencyKey);
      const reused = await purchase(playerId, { sku: 'gem-pack', quantity: 5 }, idempotencyKey);
      expect([reused.status, problemType(reused)]).toEqual([422, '/problems/idempotency-key-reused']);
      expect(await economy(playerId)).toHaveLength(2);
    });
  });

  it('concurrent retries of one command append it exactly once', async () => {
    const playerId = player();
    await grant(playerId, 500);
    const idempotencyKey = randomUUID();
    const responses = await burst(
      api.url,
      Array.from({ length: 10 }, () => ({
        method: 'POST',
        path: `/v1/players/${playerId}/purchases`,
        headers: { authorization: `Bearer ${keys.game}`, 'idempotency-key': idempotencyKey },
        body: { sku: 'gem-pack', quantity: 2 },
      })),
    );
    expect(responses.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 200, 201]);
    expect(new Set(responses.map((r) => r.body.position)).size).toBe(1);
    expect(await economy(playerId)).toHaveLength(2);
  });

  it('the same Idempotency-Key with a different body is a 422 and appends nothing', async () => {
    const playerId = player();
    await grant(playerId, 500);
    const idempotencyKey = randomUUID();
    await purchase(playerId, { sku: 'gem-pack', quantity: 1 }, idempotencyKey);
    const reused = await purchase(playerId, { sku: 'gem-pack', quantity: 2 }, idempotencyKey);
    expect(reused.status).toBe(422);
    expect(problemType(reused)).toBe('/problems/idempotency-key-reused');
    expect(await economy(playerId)).toHaveLength(2);
  });

  describe('rejections change nothing', () => {
    const cases: [string, (playerId: string) => Promise<{ status: number; body: any }>, number, string][] = [
      [
        'spend beyond the balance',
        (p) =>
          api.command(
            'POST',
            `/v1/players/${p}/spends`,
            { currency: 'GOLD', amount: 101, reason: 'x' },
            keys.game,
          ),
        409,
        'insufficient-funds',
      ],
      [
        'purchase beyond the balance',
        (p) => purchase(p, { sku: 'sword', quantity: 2 }),
        409,
        'insufficient-funds',
      ],
      [
        'a changed price',
        (p) => purchase(p, { sku: 'sword', quantity: 1, expectedPrice: { currency: 'GOLD', amount: 90 } }),
        409,
        'price-changed',
      ],
      ['an unknown sku', (p) => purchase(p, { sku: 'shield', quantity: 1 }), 404, 'unknown-item'],
      [
        'exceeding the max stack',
        (p) => purchase(p, { sku: 'potion', quantity: 4, currency: 'GOLD' }),
        409,
        'stack-limit-exceeded',
      ],
      [
        'no currency for a multi-price item',
        (p) => purchase(p, { sku: 'potion', quantity: 1 }),
        409,
        'currency-required',
      ],
      [
        'a currency the item is not sold for',
        (p) => purchase(p, { sku: 'sword', quantity: 1, currency: 'GEMS' }),
        409,
        'currency-not-accepted',
      ],
      [
        'consuming items not held',
        (p) =>
          api.command('POST', `/v1/players/${p}/consumptions`, { sku: 'potion', quantity: 1 }, keys.game),
        409,
        'insufficient-items',
      ],
      [
        'consuming an unknown sku',
        (p) => api.command('POST', `/v1/players/${p}/consumptions`, { sku: 'ghost', quantity: 1 }, keys.game),
        404,
        'unknown-item',
      ],
      [
        'a float amount',
        (p) =>
          api.command(
            'POST',
            `/v1/players/${p}/grants`,
            { currency: 'GOLD', amount: 1.5, reason: 'x' },
            keys.game,
          ),
        400,
        'validation-failed',
      ],
      [
        'a negative amount',
        (p) =>
          api.command(
            'POST',
            `/v1/players/${p}/grants`,
            { currency: 'GOLD', amount: -1, reason: 'x' },
            keys.game,
          ),
        400,
        'validation-failed',
      ],
      [
        'a string amount',
        (p) =>
          api.command(
            'POST',
            `/v1/players/${p}/grants`,
            { currency: 'GOLD', amount: '10', reason: 'x' },
            keys.game,
          ),
        400,
        'validation-failed',
      ],
      [
        'an amount above 2^53-1',
        (p) =>
          api.command(
            'POST',
            `/v1/players/${p}/grants`,
            { currency: 'GOLD', amount: 2 ** 53, reason: 'x' },
            keys.game,
          ),
        400,
        'validation-failed',
      ],
      [
        'a balance pushed past 2^53-1',
        (p) =>
          api.command(
            'POST',
            `/v1/players/${p}/grants`,
            { currency: 'GOLD', amount: Number.MAX_SAFE_INTEGER, reason: 'x' },
            keys.game,
          ),
        409,
        'balance-overflow',
      ],
      [
        'no Idempotency-Key',
        (p) =>
          api.request('POST', `/v1/players/${p}/grants`, {
            body: { currency: 'GOLD', amount: 1, reason: 'x' },
            key: keys.game,
          }),
        400,
        'validation-failed',
      ],
      [
        'no API key',
        (p) =>
          api.request('POST', `/v1/players/${p}/grants`, {
            body: { currency: 'GOLD', amount: 1, reason: 'x' },
            key: null,
            idempotencyKey: 'k',
          }),
        401,
        'unauthorized',
      ],
      [
        'a wrong API key',
        (p) =>
          api.request('POST', `/v1/players/${p}/grants`, {
            body: { currency: 'GOLD', amount: 1, reason: 'x' },
            key: 'not-a-key-at-all-xx',
            idempotencyKey: 'k',
          }),
        401,
        'unauthorized',
      ],
      [
        'a key without the economy scope',
        (p) =>
          api.command(
            'POST',
            `/v1/players/${p}/grants`,
            { currency: 'GOLD', amount: 1, reason: 'x' },
            keys.reader,
          ),
        403,
        'forbidden',
      ],
      [
        'malformed JSON',
        (p) =>
          api.request('POST', `/v1/players/${p}/grants`, {
            raw: '{"currency":',
            key: keys.game,
            idempotencyKey: 'k',
          }),
        400,
        'bad-request',
      ],
      [
        'a body over the limit',
        (p) =>
          api.command(
            'POST',
            `/v1/players/${p}/grants`,
            { currency: 'GOLD', amount: 1, reason: 'x'.repeat(20_000) },
            keys.game,
          ),
        413,
        'payload-too-large',
      ],
      [
        'a non-JSON body',
        (p) =>
          api.request('POST', `/v1/players/${p}/grants`, {
            raw: 'amount=1',
            key: keys.game,
            idempotencyKey: 'k',
            headers: { 'content-type': 'text/plain' },
          }),
        415,
        'unsupported-media-type',
      ],
      [
        'an unknown field',
        (p) =>
          api.command(
            'POST',
            `/v1/players/${p}/grants`,
            { currency: 'GOLD', amount: 1, reason: 'x', bonus: 5 },
            keys.game,
          ),
        400,
        'validation-failed',
      ],
      [
        'a malformed player id',
        () =>
          api.command(
            'POST',
            '/v1/players/bad.id/grants',
            { currency: 'GOLD', amount: 1, reason: 'x' },
            keys.game,
          ),
        400,
        'validation-failed',
      ],
    ];

    it.each(cases)('%s', async (_name, send, status, type) => {
      const playerId = player();
      await grant(playerId, 100);
      const before = await economy(playerId);
      const response = await send(playerId);
      expect(response.status).toBe(status);
      expect(response.body.type).toBe(`/problems/${type}`);
      expect(response.body.status).toBe(status);
      expect(await economy(playerId)).toEqual(before);
    });

    it('names each bad field', async () => {
      const response = await api.command(
        'POST',
        `/v1/players/${player()}/purchases`,
        { sku: 'a.b', quantity: 0, expectedPrice: { currency: 'gold', amount: 1 } },
        keys.game,
      );
      expect(response.status).toBe(400);
      const fields = new Set(response.body.errors.map((e: { field: string }) => e.field));
      expect(fields).toEqual(new Set(['sku', 'quantity', 'expectedPrice.currency']));
    });
  });

  it('serves the ledger with every change and the balance after it, page by page', async () => {
    const playerId = player();
    await grant(playerId, 100);
    await purchase(playerId, { sku: 'potion', quantity: 2, currency: 'GOLD' });
    const consumed = await api.command(
      'POST',
      `/v1/players/${playerId}/consumptions`,
      { sku: 'potion', quantity: 1 },
      keys.game,
    );

    const first = await api.query(
      `/v1/players/${playerId}/ledger?limit=2&minPosition=${consumed.body.position}`,
    );
    expect(first.status).toBe(200);
    expect(first.body.entries.map((e: { changes: unknown }) => e.changes)).toEqual([
      [{ currency: 'GOLD', delta: 100, balanceAfter: 100 }],
      [
        { currency: 'GOLD', delta: -20, balanceAfter: 80 },
        { sku: 'potion', delta: 2, quantityAfter: 2 },
      ],
    ]);
    const second = await api.query(`/v1/players/${playerId}/ledger?limit=2&cursor=${first.body.nextCursor}`);
    expect(second.body.entries).toHaveLength(1);
    expect(second.body.entries[0]).toMatchObject({
      type: 'ItemConsumed',
      eventId: consumed.body.events[0].id,
    });
    expect(second.body.nextCursor).toBeNull();
    expect((await api.query(`/v1/players/${playerId}/ledger?cursor=bogus!`)).status).toBe(400);
    expect((await api.query(`/v1/players/${playerId}/ledger?limit=0`)).status).toBe(400);
  });

  it('refuses a minPosition past the end of the log at once, naming it', async () => {
    const head = await api.events.headPosition();
    const response = await api.query(`/v1/players/${player()}/wallet?minPosition=${head + 1000}`);
    expect([response.status, problemType(response), response.body.errors[0].field]).toEqual([
      400,
      '/problems/validation-failed',
      'minPosition',
    ]);
  });
});
