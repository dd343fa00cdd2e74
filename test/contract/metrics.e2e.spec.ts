import { keys, startApi, type TestApp } from '@test/support/testApp';

/** The api's Prometheus metrics, for a scraper holding a key with the `metrics` scope. */
describe('api metrics (e2e)', () => {
  let api: TestApp;
  beforeAll(async () => {
    api = await startApi();
  });
  afterAll(() => api.close());

  const scrape = async (key: string | null) => {
    const response = await fetch(`${api.url}/metrics`, {
      headers: key ? { authorization: `Bearer ${key}` } : {},
    });
    return {
      status: response.status,
      type: response.headers.get('content-type'),
      text: await response.text(),
    };
  };
  const value = (text: string, series: string) =>
    Number(
      text
        .split('\n')
        .find((line) => line.startsWith(`${series} `))
        ?.split(' ')[1],
    );

  it('needs a key with the metrics scope', async () => {
    expect((await scrape(null)).status).toBe(401);
    expect((await scrape(keys.admin)).status).toBe(403);
  });

  it('counts requests by route pattern and status, appends and group commits, read-model lag, event loop and GC', async () => {
    const grant = await api.command(
      'POST',
      '/v1/players/p9/grants',
      { currency: 'GOLD', amount: 5, reason: 'x' },
      keys.game,
    );
    expect(grant.status).toBe(201);
    expect((await api.query('/v1/players/p9/wallet?minPosition=' + grant.body.position)).status).toBe(200);
    expect((await api.query('/v1/players/bad.id/wallet')).status).toBe(400);

    const { status, type, text } = await scrape(keys.monitoring);
    expect([status, type]).toEqual([200, expect.stringContaining('text/plain')]);
    expect(
      value(text, 'http_requests_total{method="POST",route="/v1/players/:playerId/grants",status="201"}'),
    ).toBe(1);
    expect(
      value(text, 'http_requests_total{method="GET",route="/v1/players/:playerId/wallet",status="400"}'),
    ).toBe(1);
    expect(
      value(
        text,
        'http_request_duration_seconds_count{method="GET",route="/v1/players/:playerId/wallet",status="200"}',
      ),
    ).toBe(1);
    expect(value(text, 'event_store_append_duration_seconds_count')).toBeGreaterThanOrEqual(1);
    expect(value(text, 'event_store_group_commit_appends_count')).toBeGreaterThanOrEqual(1);
    expect(value(text, 'read_model_lag_events')).toBeGreaterThanOrEqual(0);
    // The head at the scrape: the log's, which an anchor may have moved on since.
    expect(value(text, 'event_store_head_position')).toBeGreaterThan(0);
    expect(value(text, 'event_store_head_position')).toBeLessThanOrEqual(await api.events.headPosition());
    expect(text).toMatch(/^nodejs_eventloop_lag_max_seconds \d/m);
    expect(text).toMatch(/^nodejs_gc_duration_seconds_count\{kind="\w+"\} \d+/m);
  });
});
