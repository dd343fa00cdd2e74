import { CURRENCY_PATTERN, ID_PATTERN } from '@app/domain';
import { type Static, type TObject, type TProperties, type TSchema, Type } from '@sinclair/typebox';

/**
 * The JSON Schemas every route shares. Each route's schema (body, path, query, headers, responses) is
 * what Fastify validates and serializes with, compiled once, and what the OpenAPI document publishes:
 * one definition, so the document and the API accept the same requests.
 */

/** Player ids, skus, leaderboard ids: stream-name parts, so no '.', '$', '/' or whitespace. */
export const Id = (description: string, example: string) =>
  Type.String({ pattern: ID_PATTERN.source, description, examples: [example] });

export const CurrencyCode = Type.String({
  pattern: CURRENCY_PATTERN.source,
  description: 'A currency code such as GOLD or GEMS',
  examples: ['GOLD'],
});

/** Minor units: whole, at least 1, exact in a double. */
export const Amount = (description: string) =>
  Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description, examples: [100] });

export const SafeInteger = (description: string) =>
  Type.Integer({ minimum: Number.MIN_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER, description });

/** A global log position (1-based; 0 is before the first event). */
export const Position = (description: string) =>
  Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description });

/** Free text a person reads: not blank, at most `max` characters. */
export const Text = (max: number, description: string, example: string) =>
  Type.String({ minLength: 1, maxLength: max, pattern: '\\S', description, examples: [example] });

/** An object that accepts exactly the properties it names. */
export const Strict = <Properties extends TProperties>(properties: Properties, options: object = {}) =>
  Type.Object(properties, { additionalProperties: false, ...options });

/**
 * A rule between fields, which a schema states with `not`, `oneOf`, `if`...: a request breaking it is
 * refused naming `field`, with `message` as the field's error.
 */
export const Constraint = (field: string, message: string, schema: object) => ({
  ...schema,
  'x-field': field,
  description: message,
});

/**
 * An object used as a map: every key matches `keyPattern`, every value `value`. (`propertyNames`, not
 * `patternProperties`, which the OpenAPI generator would widen to any key.)
 */
export const KeyedBy = <Value extends TSchema>(keyPattern: string, value: Value, options: object = {}) =>
  Type.Unsafe<Record<string, Static<Value>>>({
    type: 'object',
    propertyNames: { pattern: keyPattern },
    additionalProperties: value,
    ...options,
  });

/** `?minPosition=`: read-after-write (see docs/api.md). */
export const ReadQuery = {
  minPosition: Type.Optional(
    Position(
      'Wait until the read models have applied this global position (the one a command returned); a ' +
        'position past the end of the log is a 400',
    ),
  ),
};

/** `?limit=&cursor=`: a keyset-paginated list. */
export const PageQuery = {
  ...ReadQuery,
  limit: Type.Optional(
    Type.Integer({ minimum: 1, maximum: 200, default: 50, description: 'Items per page' }),
  ),
  cursor: Type.Optional(
    Type.String({ pattern: '^[A-Za-z0-9_-]{1,512}$', description: 'The nextCursor of the previous page' }),
  ),
};

export const FieldError = Strict({ field: Type.String(), message: Type.String() });

/**
 * RFC 9457 problem details; `type` is stable per failure, `errors` lists the bad fields of a 400 (the
 * first 20; `errorsOmitted` counts the rest).
 */
export const Problem = (types: readonly string[]) =>
  Type.Object(
    {
      type: Type.Unsafe<string>({ type: 'string', enum: types.map((type) => `/problems/${type}`) }),
      title: Type.String(),
      status: Type.Integer({ minimum: 400, maximum: 599 }),
      detail: Type.Optional(Type.String()),
      instance: Type.Optional(Type.String()),
      errors: Type.Optional(Type.Array(FieldError, { maxItems: 20 })),
      errorsOmitted: Type.Optional(Type.Integer({ minimum: 1 })),
    },
    { additionalProperties: true },
  );

/** A paginated list's link to the next page. */
export const NextCursor = Type.Union([Type.String(), Type.Null()], {
  description: 'Pass as `cursor` for the next page; null on the last one',
});

/** What a command answers (201 for a new command, 200 for a retry or a command that changed nothing). */
export const CommandResult = Strict(
  {
    streamId: Type.String({ examples: ['playerEconomy-p1'] }),
    revision: Type.Integer({ description: "The stream's revision after the command (-1: still empty)" }),
    position: Type.Integer({
      description: 'Global position of the last event: pass it as minPosition to read your write',
    }),
    events: Type.Array(
      Strict({
        id: Type.String({ format: 'uuid' }),
        type: Type.String({ examples: ['ItemPurchased'] }),
        data: Type.Object({}, { additionalProperties: true }),
      }),
    ),
    replayed: Type.Boolean({
      description: 'True for a retry of a command already applied: nothing appended',
    }),
  },
  { $id: 'CommandResult' },
);

export type Schema = TSchema;
export type ObjectSchema = TObject;
