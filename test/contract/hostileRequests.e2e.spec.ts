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
    api = await startApi({ env: { BODY_LIMIT_BYTES: '1048576', REQUEST_TIMEOUT_MS: '1000' } });
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

  type Case = [name: string, request: () => string, status: number, type: string];
  it.each<Case>([
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
    ['an HTTP/2.0 request line', () => `GET /health HTTP/2.0\r\n\r\n`, 400, 'bad-request'],
    ['two Host headers', () => `GET /health HTTP/1.1\r\nHost: api\r\nHost: evil\r\n\r\n`, 400, 'bad-request'],
    [
      'a Host that is not a host',
      () => `GET /health HTTP/1.1\r\nHost: user@evil:80\r\n\r\n`,
      400,
      'bad-request',
    ],
    [
      'two Authorization headers',
      () => get('/v1/players/p1/wallet', `${auth}Authorization: Bearer wrong\r\n`),
      400,
      'bad-request',
    ],
    [
      'a transfer coding other than chunked',
      () =>
        `POST /v1/players/p1/grants HTTP/1.1\r\nHost: api\r\n${auth}Content-Type: application/json\r\n` +
        `Transfer-Encoding: gzip, chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n`,
      400,
      'bad-request',
    ],
    [
      'Transfer-Encoding on HTTP/1.0',
      () =>
        `POST /v1/players/p1/grants HTTP/1.0\r\nHost: api\r\n${auth}Content-Type: application/json\r\n` +
        `Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n`,
      400,
      'bad-request',
    ],
    [
      'a compressed body',
      () => post('/v1/players/p1/grants', '{"currency":"GOLD","amount":1}', 'Content-Encoding: gzip\r\n'),
      415,
      'unsupported-media-type',
    ],
    [
      'a charset other than UTF-8',
      () =>
        post('/v1/players/p1/grants', '{"currency":"GOLD","amount":1}').replace(
          'application/json',
          'application/json; charset=utf-16',
        ),
      415,
      'unsupported-media-type',
    ],
    [
      'an expectation other than 100-continue',
      () => post('/v1/players/p1/grants', '{"currency":"GOLD","amount":1}', 'Expect: something-else\r\n'),
      417,
      'expectation-failed',
    ],
    ['CONNECT', () => `CONNECT api:443 HTTP/1.1\r\nHost: api:443\r\n\r\n`, 405, 'method-not-allowed'],
    ['a static file that does not exist', () => get('/docs/static/nothing.js'), 404, 'not-found'],
    ...['Infinity', '-1e400', '0x10', '1e1'].map(
      (limit) =>
        [
          `a page size of ${limit}`,
          () => get(`/v1/players/p1/ledger?limit=${limit}`),
          400,
          'validation-failed',
        ] satisfies Case,
    ),
    [
      'a leap second',
      () =>
        get(
          '/v1/audit/players/p1/state?at=2016-12-31T23%3A59%3A60Z',
          `Authorization: Bearer ${keys.fuzzer}\r\n`,
        ),
      400,
      'validation-failed',
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

  it('names the first 20 of 1,500 unknown query parameters and counts the rest', async () => {
    const query = Array.from({ length: 1500 }, (_, i) => `q${i}=1`).join('&');
    const problem = expectProblem(
      await rawRequest(port, get(`/v1/players/p1/ledger?${query}`)),
      400,
      'validation-failed',
    );
    expect([problem.errors.length, problem.errorsOmitted, problem.errors[0].field]).toEqual([20, 1480, 'q0']);
  });

  it('refuses a position past the end of the log at once instead of waiting for it', async () => {
    const head = await api.events.headPosition();
    const response = await api.query(`/v1/players/p1/wallet?minPosition=${head + 1000}`);
    expect([response.status, response.body.errors]).toEqual([
      400,
      [{ field: 'minPosition', message: `is past the end of the log (its last position is ${head})` }],
    ]);
  });

  it('closes a request whose body does not arrive in time with a 408', async () => {
    const started = process.hrtime.bigint();
    const response = await rawRequest(
      port,
      `POST /v1/players/p1/grants HTTP/1.1\r\nHost: api\r\n${auth}Idempotency-Key: slow\r\n` +
        `Content-Type: application/json\r\nContent-Length: 40\r\n\r\n{"curr`,
    );
    expectProblem(response, 408, 'request-timeout');
    expect(process.hrtime.bigint() - started).toBeGreaterThanOrEqual(1_000_000_000n);
  });

  it('answers a client that half-closes its side after sending a command', async () => {
    const before = await api.events.headPosition();
    const response = await rawRequest(
      port,
      post('/v1/players/half/grants', '{"currency":"GOLD","amount":1,"reason":"quest"}'),
      {
        halfClose: true,
      },
    );
    expect(response.status).toBe(201);
    expect(await api.events.headPosition()).toBe(before + 1);
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
