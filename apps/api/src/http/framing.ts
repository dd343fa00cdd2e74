import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { type ProblemBody, problemType } from './problem';

/** An HTTP answer written straight to a connection, before or instead of any request Fastify serves. */
function rawAnswer(problem: ProblemBody, reason: string, headers: Record<string, string> = {}): string {
  const body = JSON.stringify(problem);
  const extra = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`);
  return (
    `HTTP/1.1 ${problem.status} ${reason}\r\nContent-Type: application/problem+json\r\n${extra.join('')}` +
    `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`
  );
}

/**
 * What Node's HTTP parser refuses before any request exists (framing, header size, a bad request line,
 * a request that did not arrive in time) is answered as problem+json on the socket itself, and the
 * connection closed.
 */
export function answerClientError(error: { code?: string }, socket: Duplex): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const [status, reason, type, title, detail] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [
          431,
          'Request Header Fields Too Large',
          'headers-too-large',
          'The request headers are too large',
          'the request line and headers exceed the server limit',
        ]
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'Request Timeout', 'request-timeout', 'Request timeout', 'the request did not arrive in time']
        : [
            400,
            'Bad Request',
            'bad-request',
            'The request is malformed',
            'the HTTP request could not be parsed',
          ];
  socket.end(rawAnswer({ type: problemType(type), title, status, detail }, reason));
}

/**
 * The connection-level answers Node would otherwise give without a body or not at all: an `Expect` other
 * than 100-continue (417), a CONNECT (405: this is not a proxy). A client that half-closes its side after
 * sending a request still gets the answer: the command it sent may have run.
 */
export function answerConnections(server: Server): void {
  (server as Server & { httpAllowHalfOpen: boolean }).httpAllowHalfOpen = true;
  server.on('checkExpectation', (request: IncomingMessage, response: ServerResponse) => {
    const body = JSON.stringify({
      type: problemType('expectation-failed'),
      title: 'Expectation failed',
      status: 417,
      detail: 'the only expectation this server meets is 100-continue',
      instance: (request.url ?? '').split('?')[0].slice(0, 200),
    });
    response
      .writeHead(417, {
        'content-type': 'application/problem+json',
        'content-length': Buffer.byteLength(body),
        connection: 'close',
      })
      .end(body);
  });
  server.on('connect', (_request: IncomingMessage, socket: Duplex) => {
    socket.end(
      rawAnswer(
        {
          type: problemType('method-not-allowed'),
          title: 'Method not allowed',
          status: 405,
          detail: 'this server is not a proxy: CONNECT is not answered',
        },
        'Method Not Allowed',
        { Allow: 'GET, HEAD, POST, PUT, DELETE' },
      ),
    );
  });
}

/** A Host value (RFC 9110 uri-host and port): a name, an IPv4 address or a bracketed IPv6 literal. */
const HOST = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-._~!$&'()*+,;=%]*)(?::[0-9]*)?$/;
/** Headers a request may carry once: two would leave the server to guess which one the client meant. */
const SINGLE_HEADERS = new Set([
  'host',
  'authorization',
  'content-type',
  'content-encoding',
  'idempotency-key',
]);
/** A Content-Type's charset, where it names one. */
const CHARSET = /;\s*charset\s*=\s*"?([^";\s]*)"?/i;

type Refusal = [status: number, type: string, title: string, detail: string];

/** What is wrong with a request's framing and encoding, before anything reads it; undefined when nothing. */
function framingRefusal(request: IncomingMessage): Refusal | undefined {
  const { httpVersion, headers, rawHeaders } = request;
  if (httpVersion !== '1.1' && httpVersion !== '1.0')
    return [400, 'bad-request', 'The request is malformed', 'send HTTP/1.1 (or HTTP/1.0)'];
  const seen = new Set<string>();
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i].toLowerCase();
    if (!SINGLE_HEADERS.has(name)) continue;
    if (seen.has(name))
      return [
        400,
        'bad-request',
        'The request is malformed',
        `the ${rawHeaders[i]} header appears more than once`,
      ];
    seen.add(name);
  }
  if (headers.host === undefined) {
    if (httpVersion === '1.1')
      return [400, 'bad-request', 'The request is malformed', 'an HTTP/1.1 request needs a Host header'];
  } else if (!HOST.test(headers.host)) {
    return [400, 'bad-request', 'The request is malformed', 'the Host header is not a host and port'];
  }
  const transfer = headers['transfer-encoding'];
  if (transfer !== undefined) {
    if (httpVersion === '1.0')
      return [400, 'bad-request', 'The request is malformed', 'HTTP/1.0 has no Transfer-Encoding'];
    if (transfer.trim().toLowerCase() !== 'chunked')
      return [400, 'bad-request', 'The request is malformed', 'the only transfer coding taken is chunked'];
  }
  const coding = headers['content-encoding'];
  if (coding !== undefined && coding.trim().toLowerCase() !== 'identity')
    return [
      415,
      'unsupported-media-type',
      'Send application/json',
      'bodies are taken uncompressed (no Content-Encoding)',
    ];
  const charset = CHARSET.exec(headers['content-type'] ?? '')?.[1];
  if (charset !== undefined && charset.toLowerCase() !== 'utf-8')
    return [
      415,
      'unsupported-media-type',
      'Send application/json',
      'JSON bodies are UTF-8 (charset=utf-8 or none)',
    ];
  return undefined;
}

/**
 * Refuses, as a 4xx problem and before anything else runs, a request whose framing or encoding the api
 * would otherwise have to guess at: an HTTP version other than 1.x, HTTP/1.1 without Host, a Host that is
 * not one, a header that must appear once appearing twice, a transfer or content coding other than
 * chunked and identity, a charset other than UTF-8.
 */
export function checkFraming(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const refusal = framingRefusal(request.raw);
    if (!refusal) return;
    const [status, type, title, detail] = refusal;
    reply
      .code(status)
      .header('connection', 'close')
      .type('application/problem+json')
      .send(
        JSON.stringify({
          type: problemType(type),
          title,
          status,
          detail,
          instance: request.url.split('?')[0].slice(0, 200),
        }),
      );
    return reply;
  });
}
