import { startApp, type TestApp } from '@test/support/testApp';

describe('service surface (e2e)', () => {
  let api: TestApp;
  beforeAll(async () => {
    api = await startApp();
  });
  afterAll(() => api.close());

  it('answers /health without a key', async () => {
    const health = await api.request('GET', '/health', { key: null });
    expect(health.status).toBe(200);
    expect(health.body.info.eventStore.status).toBe('up');
  });

  it('serves an OpenAPI document generated from the DTOs', async () => {
    const doc = await api.request('GET', '/docs/openapi.json', { key: null });
    expect(doc.status).toBe(200);
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining([
        '/v1/players/{playerId}/purchases',
        '/v1/leaderboards/{leaderboardId}/entries',
      ]),
    );
    expect(doc.body.components.schemas.PurchaseBody.required).toEqual(['sku', 'quantity']);
  });

  it('echoes a caller correlation id and makes one otherwise', async () => {
    const given = await api.request('GET', '/health', {
      key: null,
      headers: { 'x-correlation-id': 'match-77' },
    });
    expect(given.headers.get('x-correlation-id')).toBe('match-77');
    const made = await api.request('GET', '/health', { key: null });
    expect(made.headers.get('x-correlation-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('records actor, correlation and causation on every event', async () => {
    const response = await api.request('PUT', '/v1/catalog/items/shield', {
      body: { name: 'Shield', prices: { GOLD: 5 }, stackable: false },
      idempotencyKey: 'shield-1',
      headers: { 'x-correlation-id': 'corr-1' },
    });
    const [event] = await api.stream('catalogItem-shield');
    expect(event.id).toBe(response.body.events[0].id);
    expect(event.metadata).toMatchObject({ schemaVersion: 1, actor: 'live-ops', correlationId: 'corr-1' });
    expect(event.metadata.causationId).toBe(event.metadata.commandId);
    // Tracing is off unless OTEL_EXPORTER_OTLP_ENDPOINT is set: no trace context is stored.
    expect(event.metadata.traceparent).toBeUndefined();
  });

  it('answers an unknown route with a problem, never a 500', async () => {
    const response = await api.request('GET', '/v1/nothing-here');
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
  });
});
