/**
 * What the application refuses with, below any transport. Each error has a stable `code`; the HTTP layer
 * maps codes to statuses and problem types in one place (apps/api/src/http/problem.ts), as it does for
 * the domain's DomainError. Nothing here knows HTTP.
 */
export type FieldError = { field: string; message: string };

export type ApplicationErrorCode =
  | 'validation-failed'
  | 'unknown-item'
  | 'unknown-leaderboard'
  | 'not-ranked'
  | 'concurrency-conflict'
  | 'idempotency-key-reused';

export abstract class ApplicationError extends Error {
  abstract readonly code: ApplicationErrorCode;
}

/** The request names something malformed or out of range: every bad field is listed. */
export class InvalidRequestError extends ApplicationError {
  readonly code = 'validation-failed';
  constructor(readonly errors: readonly FieldError[]) {
    super(errors.map((error) => `${error.field}: ${error.message}`).join('; '));
    this.name = 'InvalidRequestError';
  }

  static of(field: string, message: string): InvalidRequestError {
    return new InvalidRequestError([{ field, message }]);
  }
}

/** A query names something that does not exist (a command's unknown references are DomainErrors). */
export class NotFoundError extends ApplicationError {
  constructor(
    readonly code: 'unknown-item' | 'unknown-leaderboard' | 'not-ranked',
    message: string,
  ) {
    super(message);
    this.name = 'NotFoundError';
  }
}

/** Other writers kept changing the stream: the command was decided and refused too often; retrying is safe. */
export class ConcurrencyConflictError extends ApplicationError {
  readonly code = 'concurrency-conflict';
  constructor(
    readonly streamId: string,
    readonly attempts: number,
  ) {
    super(`gave up after ${attempts} attempts; retry the same request`);
    this.name = 'ConcurrencyConflictError';
  }
}

/** The idempotency key was used before for a different request. */
export class IdempotencyKeyReusedError extends ApplicationError {
  readonly code = 'idempotency-key-reused';
  constructor() {
    super('send a new Idempotency-Key for a new command; a retry must repeat the original request exactly');
    this.name = 'IdempotencyKeyReusedError';
  }
}
