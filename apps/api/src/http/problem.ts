import {
  ApplicationError,
  type ApplicationErrorCode,
  type FieldError,
  InvalidRequestError,
} from '@app/application';
import { DomainError, type DomainErrorCode } from '@app/domain';
import { AppendTooLargeError } from '@app/event-store';
import { ReadStoreUnavailableError } from '@app/read-store';
import { HttpException } from '@nestjs/common';

/**
 * The one place errors become HTTP answers: RFC 9457 problem details. `type` is stable per failure
 * (clients switch on it); `errors` names every bad field of a 400.
 */
export type ProblemBody = {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  errors?: FieldError[];
  [extension: string]: unknown;
};
export const problemType = (code: string): string => `/problems/${code}`;

/** An answer only HTTP gives (authentication, scopes, limits, a read model that is behind). */
export class Problem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly title: string,
    detail?: string,
    readonly extensions: Record<string, unknown> = {},
  ) {
    super(detail ?? title);
  }
}

const DOMAIN_STATUS: Record<DomainErrorCode, number> = {
  'invalid-input': 400,
  'unknown-item': 404,
  'unknown-leaderboard': 404,
  'insufficient-funds': 409,
  'insufficient-items': 409,
  'balance-overflow': 409,
  'price-changed': 409,
  'currency-required': 409,
  'currency-not-accepted': 409,
  'stack-limit-exceeded': 409,
  'leaderboard-definition-conflict': 409,
  'score-out-of-range': 409,
  'period-closed': 409,
  'period-not-closed': 409,
  'unknown-period': 404,
  'not-ranked': 404,
  'rewards-pending': 409,
  'not-a-tournament': 409,
  'tournament-join-closed': 409,
  'tournament-full': 409,
  'already-joined': 409,
  'not-joined': 409,
  'tournament-entry-lapsed': 409,
};

const APPLICATION_ANSWERS: Record<
  ApplicationErrorCode,
  { status: number; title: string; retryAfterSeconds?: number }
> = {
  'validation-failed': { status: 400, title: 'The request is invalid' },
  'unknown-item': { status: 404, title: 'unknown item' },
  'unknown-leaderboard': { status: 404, title: 'unknown leaderboard' },
  'not-ranked': { status: 404, title: 'player not ranked' },
  'concurrency-conflict': { status: 409, title: 'Too many concurrent changes', retryAfterSeconds: 1 },
  'idempotency-key-reused': { status: 422, title: 'Idempotency-Key already used for a different request' },
};

const TITLES: Record<number, [code: string, title: string]> = {
  400: ['bad-request', 'The request is malformed'],
  414: ['uri-too-long', 'The URL is too long'],
  431: ['headers-too-large', 'The request headers are too large'],
  401: ['unauthorized', 'Authentication required'],
  403: ['forbidden', 'Not allowed'],
  404: ['not-found', 'Not found'],
  405: ['method-not-allowed', 'Method not allowed'],
  406: ['not-acceptable', 'Not acceptable'],
  413: ['payload-too-large', 'Request body too large'],
  415: ['unsupported-media-type', 'Send application/json'],
  429: ['too-many-requests', 'Too many requests'],
  503: ['service-unavailable', 'Service unavailable'],
};

/** Most field errors one answer lists: a request with a thousand bad fields gets the first ones. */
export const MAX_FIELD_ERRORS = 20;

/** Maps anything thrown while serving a request to a problem. Unknown errors are the only 500s. */
export function toProblem(error: unknown): ProblemBody {
  const validation = schemaValidationOf(error);
  if (validation) return toProblem(new InvalidRequestError(validation));
  if (error instanceof Problem) {
    return {
      type: problemType(error.code),
      title: error.title,
      status: error.status,
      detail: error.message,
      ...error.extensions,
    };
  }
  if (error instanceof InvalidRequestError) {
    const shown = error.errors.slice(0, MAX_FIELD_ERRORS);
    const omitted = error.errors.length - shown.length;
    return {
      type: problemType(error.code),
      title: APPLICATION_ANSWERS[error.code].title,
      status: APPLICATION_ANSWERS[error.code].status,
      detail:
        shown.map((each) => `${each.field}: ${each.message}`).join('; ') +
        (omitted > 0 ? `; and ${omitted} more` : ''),
      errors: shown,
      ...(omitted > 0 ? { errorsOmitted: omitted } : {}),
    };
  }
  if (error instanceof ApplicationError) {
    const { status, title, retryAfterSeconds } = APPLICATION_ANSWERS[error.code];
    return {
      type: problemType(error.code),
      title,
      status,
      detail: error.message,
      ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
    };
  }
  if (error instanceof ReadStoreUnavailableError) {
    // The read models' server cannot answer now (an election, an outage): the caller may retry.
    return {
      type: problemType('service-unavailable'),
      title: TITLES[503][1],
      status: 503,
      detail: 'The read models cannot be reached right now; retry shortly',
      retryAfterSeconds: 1,
    };
  }
  if (error instanceof DomainError) {
    const status = DOMAIN_STATUS[error.code];
    if (status === 400 && error.field) return toProblem(InvalidRequestError.of(error.field, error.message));
    return {
      type: problemType(error.code),
      title: error.code.replace(/-/g, ' '),
      status,
      detail: error.message,
      ...(error.field ? { field: error.field } : {}),
    };
  }
  if (error instanceof AppendTooLargeError) {
    const [code, title] = TITLES[413];
    return {
      type: problemType(code),
      title,
      status: 413,
      detail: `the events this request would append exceed the event store's ${error.maxBytes} bytes`,
    };
  }
  const status = statusOf(error);
  if (status !== undefined && ((status >= 400 && status < 500) || status === 503)) {
    const [code, title] = TITLES[status] ?? ['client-error', 'The request cannot be served'];
    const message = error instanceof HttpException ? messageOf(error) : (error as Error).message;
    // A failed health check (503) carries what each indicator said.
    const response = error instanceof HttpException ? error.getResponse() : undefined;
    const details = status === 503 && typeof response === 'object' ? { health: response } : {};
    return { type: problemType(code), title, status, detail: message, ...details };
  }
  return {
    type: problemType('internal-error'),
    title: 'Internal error',
    status: 500,
    detail: 'An unexpected error occurred; it has been logged',
  };
}

const statusOf = (error: unknown): number | undefined => {
  if (error instanceof HttpException) return error.getStatus();
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' ? status : undefined;
};

const messageOf = (error: HttpException): string => {
  const response = error.getResponse();
  if (typeof response === 'string') return response;
  const message = (response as { message?: unknown }).message;
  return Array.isArray(message) ? message.join('; ') : String(message ?? error.message);
};

/** One error of the route schemas' validator (Ajv), as Fastify hands it over with `validationContext`. */
type SchemaError = {
  keyword: string;
  instancePath: string;
  schemaPath: string;
  params: Record<string, unknown>;
  message?: string;
  parentSchema?: { 'x-field'?: string; description?: string };
};

/**
 * The bad fields of a request Fastify refused against its route schema, or undefined for any other
 * error. Fields are dotted paths in the body or query (`expectedPrice.currency`), the parameter's name
 * in the path, the header's name (`Idempotency-Key`). A constraint between fields (`x-field` in the
 * schema) is named by that field with its description; the errors of its branches are left out.
 */
function schemaValidationOf(error: unknown): FieldError[] | undefined {
  const { validation, validationContext } = (error ?? {}) as {
    validation?: SchemaError[];
    validationContext?: string;
  };
  if (!Array.isArray(validation)) return undefined;
  const constraints = validation.filter(
    (e) => e.parentSchema?.['x-field'] !== undefined && e.keyword !== 'required',
  );
  const inConstraint = (e: SchemaError) =>
    constraints.some(
      (c) => e !== c && e.schemaPath.startsWith(c.schemaPath.slice(0, c.schemaPath.lastIndexOf('/'))),
    );
  const fields = new Map<string, FieldError>();
  for (const e of validation) {
    if (inConstraint(e)) continue;
    const field = constraints.includes(e) ? e.parentSchema!['x-field']! : fieldOf(e, validationContext);
    const message = constraints.includes(e) ? e.parentSchema!.description! : schemaMessage(e);
    fields.set(`${field}\u0000${message}`, { field, message });
  }
  return [...fields.values()];
}

const HEADER_NAMES: Record<string, string> = { 'idempotency-key': 'Idempotency-Key' };

function fieldOf(e: SchemaError, context: string | undefined): string {
  const path = e.instancePath
    .split('/')
    .slice(1)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'));
  const child =
    e.keyword === 'required'
      ? (e.params.missingProperty as string)
      : e.keyword === 'additionalProperties' && path.length === 0
        ? (e.params.additionalProperty as string)
        : undefined;
  if (child !== undefined) path.push(child);
  const field = path.join('.');
  if (context === 'headers') return HEADER_NAMES[field] ?? field;
  return field || (context === 'body' ? 'body' : (context ?? 'request'));
}

function schemaMessage(e: SchemaError): string {
  if (e.keyword === 'additionalProperties')
    return `must not have the property ${JSON.stringify(e.params.additionalProperty)}`;
  if (e.keyword === 'required') return 'is required';
  return e.message ?? 'is invalid';
}
