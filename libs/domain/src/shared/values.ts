import { DomainError } from './errors';

/** Currency amounts are minor units: whole, positive, and exact in a JS number. */
export const isPositiveSafeInteger = (value: unknown): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value > 0;

export function assertPositiveSafeInteger(value: unknown, field: string): asserts value is number {
  if (!isPositiveSafeInteger(value)) {
    throw new DomainError('invalid-input', `${field} must be a positive safe integer`, field);
  }
}

export function assertSafeInteger(value: unknown, field: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw new DomainError('invalid-input', `${field} must be a safe integer`, field);
  }
}

/**
 * Identifiers end up as stream-name parts and as document keys, so they are restricted to characters
 * that need no escaping anywhere (no '.', '$', '/', whitespace) and may not start with '_'.
 */
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
/** Currency codes are short upper-case tokens such as GOLD or GEMS. */
export const CURRENCY_PATTERN = /^[A-Z][A-Z0-9_]{0,15}$/;

export function assertId(value: unknown, field: string): asserts value is string {
  if (typeof value !== 'string' || !ID_PATTERN.test(value)) {
    throw new DomainError('invalid-input', `${field} must match ${ID_PATTERN.source}`, field);
  }
}

export function assertCurrency(value: unknown, field: string): asserts value is string {
  if (typeof value !== 'string' || !CURRENCY_PATTERN.test(value)) {
    throw new DomainError('invalid-input', `${field} must match ${CURRENCY_PATTERN.source}`, field);
  }
}

/** Sum that refuses to leave the safe-integer range instead of silently losing precision. */
export const safeAdd = (a: number, b: number): number | undefined => {
  const sum = a + b;
  return Number.isSafeInteger(sum) ? sum : undefined;
};
