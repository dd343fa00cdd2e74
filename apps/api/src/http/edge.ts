import type { AppConfig } from '@app/runtime';
import { AjvCompiler } from '@fastify/ajv-compiler';
import type Ajv from 'ajv';
import type { FastifyHttpOptions, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import Router from 'find-my-way';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { Socket } from 'node:net';
import { type ProblemBody, problemType } from './problem';

export const CORRELATION_HEADER = 'x-correlation-id';
const CORRELATION_ID = /^[\w.:-]{1,128}$/;
/** Longest path parameter the router hands to a route's schema (which bounds it far lower). */
const MAX_PARAM_LENGTH = 1000;

const problemJson = (problem: ProblemBody): string => JSON.stringify(problem);

/**
 * What Node's HTTP parser refuses before any request exists (framing, header size, a bad request line)
 * is answered as problem+json on the socket itself, and the connection closed.
 */
function answerClientError(error: { code?: string }, socket: Socket): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const tooLarge = error.code === 'HPE_HEADER_OVERFLOW';
  const status = tooLarge ? 431 : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
  const body = problemJson({
    type: problemType(tooLarge ? 'headers-too-large' : status === 408 ? 'request-timeout' : 'bad-request'),
    title: tooLarge
      ? 'The request headers are too large'
      : status === 408
        ? 'Request timeout'
        : 'The request is malformed',
    status,
    detail: tooLarge
      ? 'the request line and headers exceed the server limit'
      : 'the HTTP request could not be parsed',
  });
  const reason =
    status === 431 ? 'Request Header Fields Too Large' : status === 408 ? 'Request Timeout' : 'Bad Request';
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/problem+json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/** Errors of the router, before any route runs: a path that is not valid percent-encoding, a giant parameter. */
function answerFrameworkError(
  error: Error & { code?: string },
  _request: FastifyRequest,
  reply: FastifyReply,
): void {
  const longParam = error.code === 'FST_ERR_MAX_PARAM_LENGTH';
  reply
    .code(longParam ? 414 : 400)
    .type('application/problem+json')
    .send(
      problemJson({
        type: problemType(longParam ? 'uri-too-long' : 'bad-request'),
        title: longParam ? 'The URL is too long' : 'The request is malformed',
        status: longParam ? 414 : 400,
        detail: longParam
          ? `a path parameter is longer than ${MAX_PARAM_LENGTH} characters`
          : 'the path is not valid percent-encoding',
      }),
    );
}

/**
 * How the route schemas are checked: every bad field in one answer; nothing removed or added silently but
 * declared defaults; the failing schema in each error, for the fields of rules between fields.
 */
const AJV_OPTIONS = { allErrors: true, removeAdditional: false, useDefaults: true, verbose: true } as const;
/** `x-field` (http/schemas Constraint) names the field a rule between fields is about. */
const AJV_PLUGINS = [(ajv: Ajv) => ajv.addKeyword({ keyword: 'x-field', schemaType: 'string' })];
const buildAjvValidator = AjvCompiler();

/** TRUST_PROXY as Fastify takes it: a hop count, or the addresses and CIDRs of trusted proxies. */
const trustedProxies = (setting: string | undefined): number | string[] | undefined =>
  setting === undefined ? undefined : /^\d+$/.test(setting) ? Number(setting) : setting.split(',');

/** The options the api's Fastify instance is created with. */
export const fastifyOptions = (config: AppConfig): FastifyHttpOptions<Server> => ({
  bodyLimit: config.BODY_LIMIT_BYTES,
  trustProxy: trustedProxies(config.TRUST_PROXY),
  routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
  // A caller's X-Correlation-Id is kept; otherwise one is made. It tags logs, events and the response.
  genReqId: (request: IncomingMessage) => {
    const given = request.headers[CORRELATION_HEADER];
    return typeof given === 'string' && CORRELATION_ID.test(given) ? given : randomUUID();
  },
  // An HTTP/1.1 request without Host is refused by a hook, as problem+json, not by Node with an empty 400.
  http: { requireHostHeader: false },
  clientErrorHandler: answerClientError,
  frameworkErrors: answerFrameworkError,
  schemaController: {
    compilersFactory: {
      // Bodies are JSON and taken as sent: a string is never a number. Path, query and headers are text,
      // so their numbers and booleans are read from it.
      buildValidator: (externalSchemas) => {
        const compile = (coerceTypes: false | 'array') =>
          buildAjvValidator(externalSchemas, {
            plugins: AJV_PLUGINS,
            customOptions: { ...AJV_OPTIONS, coerceTypes },
          });
        const body = compile(false);
        const text = compile('array');
        return (route) => (route.httpPart === 'body' ? body : text)(route);
      },
    },
  },
});

/** The methods each route path answers: tells a 405 (known path, other method) from a 404. */
export class RouteMethods {
  private readonly router = Router();
  private readonly methods = new Map<string, Set<string>>();

  constructor(fastify: FastifyInstance) {
    fastify.addHook('onRoute', ({ url, method }) => {
      for (const each of [method].flat()) {
        let methods = this.methods.get(url);
        if (!methods) {
          this.methods.set(url, (methods = new Set()));
          this.router.on('GET', url, () => undefined, { url });
        }
        methods.add(each);
      }
    });
  }

  /** The methods the route matching `path` answers, none when no route does. */
  allowed(path: string): string[] {
    const found = this.router.find('GET', path);
    const url = (found?.store as { url?: string } | undefined)?.url;
    return url ? [...(this.methods.get(url) ?? [])].sort() : [];
  }
}

/** HTTP/1.1 requires Host (RFC 9112): without it, a 400 problem. */
export function requireHost(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    if (request.raw.httpVersion === '1.1' && request.headers.host === undefined) {
      reply
        .code(400)
        .type('application/problem+json')
        .send(
          problemJson({
            type: problemType('bad-request'),
            title: 'The request is malformed',
            status: 400,
            detail: 'an HTTP/1.1 request needs a Host header',
          }),
        );
      return reply;
    }
  });
}

/** Every answer names its request: the X-Correlation-Id header. */
export function echoCorrelationId(fastify: FastifyInstance): void {
  fastify.addHook('onSend', (request, reply, payload, done) => {
    reply.header(CORRELATION_HEADER, request.id);
    done(null, payload);
  });
}
