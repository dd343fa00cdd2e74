import { startApi, type TestApp } from '@test/support/testApp';
import { get } from 'node:http';

/** A GET without an API key, sent from `localAddress` (any 127.x.y.z reaches the api on Linux's loopback). */
const statusFrom = (localAddress: string, url: string, forwardedFor?: string) =>
  new Promise<number>((resolve, reject) => {
    const headers = forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor };
    get(`${url}/v1/players/p1/wallet`, { localAddress, headers }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode!));
    }).on('error', reject);
  });

const LIMITS = { RATE_LIMIT_WINDOW_MS: '60000', RATE_LIMIT_UNAUTHENTICATED: '3' };

/**
 * Which client address the per-address rate limit counts: behind the proxy TRUST_PROXY names (nginx in the
 * compose file, which sets X-Forwarded-For to the address it saw) the last X-Forwarded-For entry; from any
 * other peer, and with no proxy configured, the socket's address, whatever header the client sends.
 */
describe('the client address of per-address rate limits (e2e)', () => {
  let api: TestApp | undefined;
  afterEach(() => api?.close());

  it('behind the trusted proxy: the address the proxy saw, one window per client, not the proxy', async () => {
    const proxy = '127.0.0.2';
    api = await startApi({ env: { ...LIMITS, TRUST_PROXY: proxy } });
    const first = [];
    for (let i = 0; i < 4; i++) first.push(await statusFrom(proxy, api.url, '203.0.113.1'));
    expect(first).toEqual([401, 401, 401, 429]);
    // Another client through the same proxy has a window of its own.
    expect(await statusFrom(proxy, api.url, '203.0.113.2')).toBe(401);
    // Only the last hop is trusted: what a client put before it does not name the client.
    expect(await statusFrom(proxy, api.url, '203.0.113.1, 203.0.113.3')).toBe(401);
    expect(await statusFrom(proxy, api.url, '203.0.113.2, 203.0.113.1')).toBe(429);
    // A client reaching the api directly, not through the proxy, is its socket address, whatever it forges.
    const direct = [];
    for (let i = 0; i < 4; i++) direct.push(await statusFrom('127.0.0.5', api.url, `203.0.113.${10 + i}`));
    expect(direct).toEqual([401, 401, 401, 429]);
  });

  it('without a proxy: the socket address, a forged X-Forwarded-For changes nothing', async () => {
    api = await startApi({ env: LIMITS });
    const client = '127.0.0.3';
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push(await statusFrom(client, api.url, `198.51.100.${i}`));
    expect(statuses).toEqual([401, 401, 401, 429]);
    expect(await statusFrom('127.0.0.4', api.url, '198.51.100.0')).toBe(401);
  });
});
