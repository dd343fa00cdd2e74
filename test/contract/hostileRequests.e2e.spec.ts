import { type RawResponse, rawRequest } from '@test/support/rawHttp';
import { keys, startApi, type TestApp } from '@test/support/testApp';

/**
 * Whatever a client sends, the answer is RFC 9457 problem+json with a 4xx, and nothing changes: requests
 * broken before any route runs (framing, URL, headers), refused by the router, refused by the limits on
 * bodies, and refused before any work when they carry no valid key.
 */
describe('hostile requests (e2e)', () => {
  let api: TestApp;
  let port: number;
  beforeAll(async () => {
    api = await startApi({ env: { BODY_LIMIT_BYTES: '1048576' } });
    port = Number(new URL(api.url).port);
  });
  afterAll(() => api.close());

  const auth = `Authorization: Bearer ${keys.game}\r\n`;
  const get = (path: string, headers = auth) => `GET ${path} HTTP/1.1\r\nHost: api\r\n${headers}\r\n`;
  const post = (path: string, body: string, headers = '') =>
    `POST ${path} HTTP/1.1\r\nHost: api\r\n${auth}Idempotency-Key: ${Math.random()}\r\n` +
    `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${headers}\r\n${body}`;

  const expectProblem = (response: RawResponse, status: number, type: string) => {
    expect([response.status, response.headers['content-type']]).toEqual([
      status,
      expect.stringContaining('application/problem+json'),
    ]);
    const problem = JSON.parse(response.body);
    expect([problem.status, problem.type]).toEqual([status, `/problems/${type}`]);
    return problem;
  };

  const nested = (depth: number, inner = '1') => '['.repeat(depth) + inner + ']'.repeat(depth);

  it.each([
    ['an unknown route', () => get('/v1/nothing-here'), 404, 'not-found'],
    ['a path that is not valid percent-encoding', () => get('/v1/players/%FF%FE/wallet'), 400, 'bad-request'],
    [
      'a path parameter of 101 characters',
      () => get(`/v1/players/${'p'.repeat(101)}/wallet`),
      400,
      'validation-failed',
    ],
    [
      'a path parameter of 2,000 characters',
      () => get(`/v1/players/${'p'.repeat(2000)}/wallet`),
      414,
      'uri-too-long',
    ],
    [
      'a URL of 20,000 characters',
      () => get(`/v1/players/p1/wallet?${'x'.repeat(20_000)}`),
      431,
      'headers-too-large',
    ],
    [
      'headers of 20,000 characters',
      () => get('/health', `X-Big: ${'x'.repeat(20_000)}\r\n`),
      431,
      'headers-too-large',
    ],
    ['an HTTP/1.1 request without Host', () => `GET /health HTTP/1.1\r\n\r\n`, 400, 'bad-request'],
    [
      'Content-Length and Transfer-Encoding together',
      () =>
        `POST /v1/players/p1/grants HTTP/1.1\r\nHost: api\r\n${auth}Content-Type: application/json\r\n` +
        `Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
      400,
      'bad-request',
    ],
    [
      'a chunk size that is not hexadecimal',
      () =>
        `POST /v1/players/p1/grants HTTP/1.1\r\nHost: api\r\n${auth}Content-Type: application/json\r\n` +
        `Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n`,
      400,
      'bad-request',
    ],
    ['malformed JSON', () => post('/v1/players/p1/grants', '{"currency":'), 400, 'bad-request'],
    [
      'score metadata nested 1,500 deep',
      () => post('/v1/leaderboards/b/scores', `{"playerId":"p1","score":1,"metadata":{"a":${nested(1500)}}}`),
      400,
      'body-too-complex',
    ],
    [
      'a grant reason nested 1,500 deep',
      () => post('/v1/players/p1/grants', `{"currency":"GOLD","amount":1,"reason":${nested(1500)}}`),
      400,
      'body-too-complex',
    ],
    [
      'catalog prices nested 1,500 deep',
      () =>
        post('/v1/players/p1/purchases', `{"sku":"x","quantity":1,"expectedPrice":${nested(1500, '{}')}}`),
      400,
      'body-too-complex',
    ],
    [
      'a bare array nested 1,500 deep',
      () => post('/v1/players/p1/grants', nested(1500)),
      400,
      'body-too-complex',
    ],
    [
      'a body of 100,000 keys',
      () =>
        post(
          '/v1/players/p1/grants',
          `{${Array.from({ length: 100_000 }, (_, i) => `"${i.toString(36)}":1`).join(',')}}`,
        ),
      400,
      'body-too-complex',
    ],
    [
      'a body over the size limit',
      () => post('/v1/players/p1/grants', JSON.stringify({ reason: 'x'.repeat(1_100_000) })),
      413,
      'payload-too-large',
    ],
    [
      'a body that is not JSON',
      () =>
        `POST /v1/players/p1/grants HTTP/1.1\r\nHost: api\r\n${auth}Idempotency-Key: t\r\n` +
        `Content-Type: text/plain\r\nContent-Length: 8\r\n\r\namount=1`,
      415,
      'unsupported-media-type',
    ],
  ])('%s', async (_name, request, status, type) => {
    const before = await api.events.headPosition();
    expectProblem(await rawRequest(port, request()), status, type);
    expect(await api.events.headPosition()).toBe(before);
  });

  it('answers a method a path does not have with 405 and the methods it has', async () => {
    const response = await rawRequest(
      port,
      `DELETE /v1/players/p1/wallet HTTP/1.1\r\nHost: api\r\n${auth}\r\n`,
    );
    expectProblem(response, 405, 'method-not-allowed');
    expect(response.headers.allow).toBe('GET, HEAD');
  });

  it('refuses a request without a valid key before reading its body', async () => {
    const malformed = '{"currency":';
    const anonymous = await rawRequest(
      port,
      `POST /v1/players/p1/grants HTTP/1.1\r\nHost: api\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${malformed.length}\r\n\r\n${malformed}`,
    );
    expectProblem(anonymous, 401, 'unauthorized');
  });

  it('validates a query before waiting for its minPosition', async () => {
    const head = await api.events.headPosition();
    const response = await api.query(`/v1/players/bad.id/wallet?minPosition=${head + 1}`);
    expect([response.status, response.body.errors[0].field]).toEqual([400, 'playerId']);
  });
});
