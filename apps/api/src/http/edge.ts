import type { AppConfig } from '@app/runtime';
import { AjvCompiler } from '@fastify/ajv-compiler';
import type Ajv from 'ajv';
import type { Plugin } from 'ajv';
import addFormats from 'ajv-formats';
import { fullFormats } from 'ajv-formats/dist/formats';
import type { FastifyHttpOptions, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import Router from 'find-my-way';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import { answerClientError } from './framing';
import { type ProblemBody, problemType } from './problem';

export const CORRELATION_HEADER = 'x-correlation-id';
const CORRELATION_ID = /^[\w.:-]{1,128}$/;
/** Longest path parameter the router hands to a route's schema (which bounds it far lower). */
const MAX_PARAM_LENGTH = 1000;

const problemJson = (problem: ProblemBody): string => JSON.stringify(problem);

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
const RFC3339 = fullFormats['date-time'] as { validate: (value: string) => boolean };
/**
 * ajv-formats, then: `x-field` (http/schemas Constraint) names the field a rule between fields is about;
 * a date-time is one RFC 3339 allows and JavaScript can hold (not a leap second, `23:59:60`).
 */
const AJV_PLUGINS: Array<Plugin<unknown> | [Plugin<unknown>, unknown]> = [
  [addFormats as Plugin<unknown>, {}],
  (ajv: Ajv) => ajv.addKeyword({ keyword: 'x-field', schemaType: 'string' }),
  (ajv: Ajv) =>
    ajv.addFormat('date-time', {
      type: 'string',
      validate: (value) => RFC3339.validate(value) && !Number.isNaN(Date.parse(value)),
    }),
];
const buildAjvValidator = AjvCompiler();

/** An integer written in a URL or header: decimal digits, as the OpenAPI document shows them. */
const DECIMAL_INTEGER = /^-?[0-9]+$/;

type TextValidator = ReturnType<ReturnType<typeof buildAjvValidator>>;

/**
 * Ajv reads any string JavaScript takes for a number as one (`Infinity`, `1e400`, `0x10`, ` 5`), and the
 * first two then pass every integer bound. A text part's integer fields are checked to be written in
 * decimal digits first, and refused as Ajv would refuse them otherwise.
 */
function decimalIntegersOnly(schema: unknown, validate: TextValidator): TextValidator {
  const properties = (schema as { properties?: Record<string, { type?: unknown }> }).properties ?? {};
  const integers = Object.keys(properties).filter((name) => properties[name].type === 'integer');
  if (integers.length === 0) return validate;
  const checked = ((data: Record<string, unknown> | undefined) => {
    const errors = integers
      .filter((name) => [data?.[name] ?? []].flat().some((value) => !DECIMAL_INTEGER.test(String(value))))
      .map((name) => ({
        keyword: 'type',
        instancePath: `/${name}`,
        schemaPath: `#/properties/${name}/type`,
        params: { type: 'integer' },
        message: 'must be an integer in decimal digits',
      }));
    const valid = errors.length === 0 && (validate(data) as boolean);
    checked.errors = errors.length > 0 ? errors : validate.errors;
    return valid;
  }) as TextValidator;
  return checked;
}

/** TRUST_PROXY as Fastify takes it: the addresses and CIDRs of trusted proxies. */
const trustedProxies = (setting: string | undefined): string[] | undefined => setting?.split(',');

/** The options the api's Fastify instance is created with. */
export const fastifyOptions = (config: AppConfig): FastifyHttpOptions<Server> => ({
  bodyLimit: config.BODY_LIMIT_BYTES,
  // The whole request (headers and body) arrives within this, or the connection gets a 408 and closes.
  requestTimeout: config.REQUEST_TIMEOUT_MS,
  trustProxy: trustedProxies(config.TRUST_PROXY),
  routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
  // A caller's X-Correlation-Id is kept; otherwise one is made. It tags logs, events and the response.
  genReqId: (request: IncomingMessage) => {
    const given = request.headers[CORRELATION_HEADER];
    return typeof given === 'string' && CORRELATION_ID.test(given) ? given : randomUUID();
  },
  // An HTTP/1.1 request without Host is refused by a hook (http/framing), as problem+json, not by Node
  // with an empty 400.
  // Node takes the request timeout when the server is made (setting it later has no effect on the
  // checks), and checks it every second rather than every 30 s.
  http: {
    requireHostHeader: false,
    requestTimeout: config.REQUEST_TIMEOUT_MS,
    connectionsCheckingInterval: 1000,
  },
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
        return (route) =>
          route.httpPart === 'body' ? body(route) : decimalIntegersOnly(route.schema, text(route));
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

/** Every answer names its request: the X-Correlation-Id header. */
export function echoCorrelationId(fastify: FastifyInstance): void {
  fastify.addHook('onSend', (request, reply, payload, done) => {
    reply.header(CORRELATION_HEADER, request.id);
    done(null, payload);
  });
}
