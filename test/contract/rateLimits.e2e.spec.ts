import { REDIS, describeWith, serverAddress } from '@test/support/servers';
import { keys, startApi, type TestApp } from '@test/support/testApp';
import { randomUUID } from 'node:crypto';
import { get } from 'node:http';

/** A GET sent from `localAddress` (any 127.x.y.z reaches the api on Linux's loopback). */
const getFrom = (localAddress: string, url: string, key: string) =>
  new Promise<string>((resolve, reject) => {
    get(url, { localAddress, headers: { authorization: `Bearer ${key}` } }, (response) => {
      let body = '';
      response.on('data', (chunk) => (body += chunk));
      response.on('end', () => resolve(body));
    }).on('error', reject);
  });

/** A minute-long window: nothing in a test resets it behind its back. */
const WINDOW_MS = '60000';

const expectRefused = (response: { status: number; headers: Headers; body: any }) => {
  expect([response.status, response.body.type]).toEqual([429, '/problems/too-many-requests']);
  expect(response.headers.get('content-type')).toContain('application/problem+json');
  expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
};

describe('rate limits (e2e)', () => {
  let api: TestApp;
  beforeAll(async () => {
    api = await startApi({
      env: {
        RATE_LIMIT_WINDOW_MS: WINDOW_MS,
        RATE_LIMITS: 'read=5,economy=3',
        RATE_LIMIT_UNAUTHENTICATED: '3',
      },
    });
  });
  afterAll(() => api.close());

  it("counts each key's requests per scope, with the IETF RateLimit headers, then refuses with Retry-After", async () => {
    const reads = [];
    for (let i = 0; i < 5; i++) reads.push(await api.query('/v1/players/p1/wallet', keys.game));
    expect(reads.map((read) => read.status)).toEqual([200, 200, 200, 200, 200]);
    expect(reads.map((read) => read.headers.get('ratelimit-remaining'))).toEqual(['4', '3', '2', '1', '0']);
    expect(reads[0].headers.get('ratelimit-limit')).toBe('5');
    expect(Number(reads[0].headers.get('ratelimit-reset'))).toBeGreaterThan(0);
    expectRefused(await api.query('/v1/players/p1/wallet', keys.game));
    // Another key, and the same key's other scopes, have windows of their own.
    expect((await api.query('/v1/players/p1/wallet', keys.reader)).status).toBe(200);
    const grant = await api.command(
      'POST',
      '/v1/players/p1/grants',
      { currency: 'GOLD', amount: 1, reason: 'x' },
      keys.game,
    );
    expect([grant.status, grant.headers.get('ratelimit-limit')]).toEqual([201, '3']);
  });

  it('refuses an address that keeps sending wrong keys before looking at any key, changing nothing', async () => {
    const head = await api.events.headPosition();
    const statuses = [];
    for (let i = 0; i < 3; i++)
      statuses.push((await api.query('/v1/players/p1/wallet', `wrong-key-${i}-0123456789`)).status);
    expect(statuses).toEqual([401, 401, 401]);
    expectRefused(await api.query('/v1/players/p1/wallet', 'wrong-key-3-0123456789'));
    expectRefused(await api.query('/v1/players/p1/wallet', keys.admin));
    expect(await api.events.headPosition()).toBe(head);
    // What is anyone's (health, the document) is not limited.
    expect((await api.request('GET', '/health', { key: null })).status).toBe(200);
  });

  it('counts the refusals of each limit on /metrics', async () => {
    // From another loopback address: this one is refused for the rest of the window.
    const text = await getFrom('127.0.0.2', `${api.url}/metrics`, keys.monitoring);
    expect(text).toMatch(/^http_rate_limited_total\{limit="key",scope="read"\} 1$/m);
    expect(text).toMatch(/^http_rate_limited_total\{limit="address",scope="none"\} 2$/m);
  });
});

describeWith([REDIS], 'rate limits shared through Redis by two apis (e2e)', () => {
  let apis: TestApp[];
  beforeAll(async () => {
    const env = {
      REDIS_URL: serverAddress(REDIS)!,
      RATE_LIMIT_WINDOW_MS: WINDOW_MS,
      RATE_LIMITS: 'read=6',
    };
    apis = [await startApi({ env }), await startApi({ env })];
  });
  afterAll(() => Promise.all(apis.map((api) => api.close())));

  it("one key's window spans both apis", async () => {
    const player = `p-${randomUUID()}`;
    const statuses = [];
    for (let i = 0; i < 6; i++)
      statuses.push((await apis[i % 2].query(`/v1/players/${player}/wallet`, keys.reader)).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200]);
    expectRefused(await apis[0].query(`/v1/players/${player}/wallet`, keys.reader));
    expectRefused(await apis[1].query(`/v1/players/${player}/wallet`, keys.reader));
  });
});
