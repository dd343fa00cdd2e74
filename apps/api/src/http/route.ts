import { applyDecorators } from '@nestjs/common';
import { RouteConfig, RouteSchema } from '@nestjs/platform-fastify';
import { type TObject, type TSchema, Type } from '@sinclair/typebox';
import type { Scope } from './auth/apiKeys';
import { CommandResult, Problem } from './schemas';

/** The scope a route needs: one of the key scopes, or `any` for any valid key whatever its scopes. */
export type RouteScope = Scope | 'any';

/** What the api's authentication reads from a route (Fastify route config). */
export type RouteAccess = { scope?: RouteScope };

type ProblemStatus = 400 | 404 | 409 | 422 | 503;

export type RouteDefinition = {
  summary: string;
  description?: string;
  tag: 'economy' | 'catalog' | 'leaderboards' | 'tournaments' | 'audit' | 'system' | 'realtime';
  /** The scope the API key needs (`any`: any valid key); absent: anyone may call it. */
  scope?: RouteScope;
  params?: TObject;
  querystring?: TObject;
  body?: TSchema;
  /**
   * A command: needs an Idempotency-Key; answers 201 with what it appended, or 200 (with
   * Idempotent-Replayed on a retry) when it appended nothing.
   */
  command?: true;
  /** A query's 200 answer. */
  response?: TSchema;
  /** The 200 answer's media type when it is not application/json. */
  produces?: string;
  /** The problem types this route answers besides the ones every route of its kind does. */
  problems?: Partial<Record<ProblemStatus, readonly string[]>>;
};

export const IDEMPOTENCY_KEY_PATTERN = '^[\\x21-\\x7e]{1,255}$';

/**
 * Schemas with an `$id` (request bodies, main answers): registered once per Fastify instance
 * (`namedSchemas`) and referenced by the routes, so the OpenAPI document names them as components.
 */
const named = new Map<string, TSchema>();
const reference = (schema: TSchema): TSchema => {
  if (schema.$id === undefined) return schema;
  named.set(schema.$id, schema);
  return Type.Ref(schema);
};
export const namedSchemas = (): TSchema[] => [...named.values()];

const header = (schema: TSchema, description: string) => ({ ...schema, description });
const RETRY_AFTER = {
  'retry-after': header(Type.Integer({ minimum: 0 }), 'Seconds to wait before retrying'),
};
/** On every answer: the request's correlation id, and the key's or the address's rate limit. */
const COMMON_HEADERS = {
  'x-correlation-id': header(Type.String(), 'The request id: the one the client sent, or one made for it'),
  'ratelimit-limit': header(Type.Integer(), 'Requests allowed in the current window'),
  'ratelimit-remaining': header(Type.Integer(), 'Requests left in the current window'),
  'ratelimit-reset': header(Type.Integer(), 'Seconds until the window resets'),
};

const answer = (description: string, schema: TSchema, headers: object = {}) => ({
  ...schema,
  description,
  headers: { ...COMMON_HEADERS, ...headers },
});

const problemAnswer = (description: string, types: readonly string[], headers: object = {}) => ({
  description,
  headers: { ...COMMON_HEADERS, ...headers },
  content: { 'application/problem+json': { schema: Problem(types) } },
});

/**
 * The Fastify route schema of a route: what Fastify validates the request with and serializes the answer
 * with, and what the OpenAPI document shows (summary, scope, every status with its problem types).
 */
export function routeSchema(route: RouteDefinition): Record<string, unknown> {
  const problems = (status: ProblemStatus, ...always: string[]) => [
    ...always,
    ...(route.problems?.[status] ?? []),
  ];
  const hasInput = Boolean(route.params || route.querystring || route.body || route.command);
  const waitsForPosition = Boolean(route.querystring?.properties.minPosition);
  const response: Record<number, unknown> = {};
  if (route.command) {
    response[201] = answer('Applied: the events it appended', reference(CommandResult));
    response[200] = answer(
      'A retry of a command already applied, or a command that changed nothing',
      reference(CommandResult),
      {
        'idempotent-replayed': header(Type.Literal('true'), 'Present on a retry: nothing was appended'),
      },
    );
  } else if (route.response) {
    response[200] = route.produces
      ? {
          description: 'OK',
          headers: COMMON_HEADERS,
          content: { [route.produces]: { schema: route.response } },
        }
      : answer('OK', reference(route.response));
  }
  const badRequest = problems(
    400,
    ...(hasInput ? ['validation-failed'] : []),
    ...(route.body ? ['bad-request', 'body-too-complex'] : []),
  );
  if (badRequest.length > 0)
    response[400] = problemAnswer('The request is invalid: `errors` names each field', badRequest);
  if (route.scope) {
    response[401] = problemAnswer('No API key, or one that is not known', ['unauthorized']);
    if (route.scope !== 'any')
      response[403] = problemAnswer(`The API key lacks the ${route.scope} scope`, ['forbidden']);
  }
  if (route.problems?.[404]) response[404] = problemAnswer('Not found', problems(404));
  const conflicts = problems(409, ...(route.command ? ['concurrency-conflict'] : []));
  if (conflicts.length > 0)
    response[409] = problemAnswer(
      'A business rule said no; nothing changed',
      conflicts,
      route.command ? RETRY_AFTER : {},
    );
  if (route.body) {
    response[413] = problemAnswer('The body is over the size limit', ['payload-too-large']);
    response[415] = problemAnswer('The body is not application/json', ['unsupported-media-type']);
  }
  if (route.command || route.problems?.[422])
    response[422] = problemAnswer(
      'The Idempotency-Key was used before for a different request',
      problems(422, ...(route.command ? ['idempotency-key-reused'] : [])),
    );
  response[429] = problemAnswer(
    'Too many requests: wait Retry-After seconds',
    ['too-many-requests'],
    RETRY_AFTER,
  );
  // A route behind a key may read the read models: their server unreachable now (MongoDB in cluster
  // mode: an election, an outage) is a 503 to retry, not an error of the request.
  const unavailable = [
    ...(route.scope
      ? [['service-unavailable', 'The read models cannot be reached now (MongoDB, cluster mode)']]
      : []),
    ...(waitsForPosition ? [['read-model-behind', 'The read models did not reach minPosition in time']] : []),
  ];
  if (unavailable.length > 0 || route.problems?.[503])
    response[503] = problemAnswer(
      unavailable.map(([, why]) => why).join('; or ') || 'Service unavailable',
      [...new Set(problems(503, ...unavailable.map(([type]) => type)))],
      RETRY_AFTER,
    );
  return {
    summary: route.summary,
    ...(route.description ? { description: route.description } : {}),
    tags: [route.tag],
    security: route.scope ? [{ apiKey: route.scope === 'any' ? [] : [route.scope] }] : [],
    ...(route.params ? { params: route.params } : {}),
    ...(route.querystring ? { querystring: route.querystring } : {}),
    ...(route.body ? { body: reference(route.body) } : {}),
    ...(route.command
      ? {
          headers: Type.Object(
            {
              'idempotency-key': Type.String({
                pattern: IDEMPOTENCY_KEY_PATTERN,
                description: 'Unique per command (1-255 visible ASCII characters); a retry repeats it',
              }),
            },
            { additionalProperties: true },
          ),
        }
      : {}),
    response,
  };
}

/** Declares a route's schema and the scope it needs; Fastify validates and serializes with the schema. */
export const Route = (route: RouteDefinition) =>
  applyDecorators(RouteSchema(routeSchema(route)), RouteConfig({ scope: route.scope } satisfies RouteAccess));
