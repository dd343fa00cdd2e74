import type { RecordedEvent } from '@app/event-store';
import Ajv, { type ErrorObject, type SchemaObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { HEADERS, WATERMARK_TYPE } from '../envelope';
import asyncapi from './asyncapi.json';

/**
 * The contract of the `game.events` topic, compiled once from asyncapi.json (the document analytics teams
 * read): what a consumer turns a Kafka message into, and why it gives up on one. The reasons are the
 * `dead-letter-reason` header values of `game.events.dlq`.
 */
export type PoisonReason = 'unparseable' | 'unknown-type' | 'schema-too-new' | 'invalid-envelope';

export type DecodedMessage =
  | { kind: 'event'; event: RecordedEvent }
  | { kind: 'watermark'; position: number }
  | { kind: 'poison'; reason: PoisonReason; detail: string };

type Schema = { const?: unknown; properties?: Record<string, Schema> };
type Message = { name: string; payload: Schema };

const DOCUMENT_ID = 'asyncapi.json';
const messages = (asyncapi as unknown as { components: { messages: Record<string, Message> } }).components
  .messages;

// strict: false - AsyncAPI schema objects may carry keywords JSON Schema does not define.
const ajv = new Ajv({ strict: false });
addFormats(ajv);
ajv.addSchema(asyncapi as SchemaObject, DOCUMENT_ID);
const compilePayload = (messageKey: string): ValidateFunction =>
  ajv.compile({ $ref: `${DOCUMENT_ID}#/components/messages/${messageKey}/payload` });

/** type -> schemaVersion -> validator: one message in the document per (type, version). */
const eventValidators = new Map<string, Map<number, ValidateFunction>>();
let validateWatermark: ValidateFunction | undefined;
for (const [key, message] of Object.entries(messages)) {
  if (message.name === WATERMARK_TYPE) {
    validateWatermark = compilePayload(key);
    continue;
  }
  const type = message.payload.properties?.type?.const;
  const version = message.payload.properties?.metadata?.properties?.schemaVersion?.const;
  if (typeof type !== 'string' || typeof version !== 'number') continue; // the dead-letter message
  const versions = eventValidators.get(type) ?? new Map<number, ValidateFunction>();
  versions.set(version, compilePayload(key));
  eventValidators.set(type, versions);
}
if (validateWatermark === undefined) throw new Error(`${DOCUMENT_ID} describes no ${WATERMARK_TYPE}`);
const watermarkValidator: ValidateFunction = validateWatermark;

/** Every event type the document describes. */
export const EVENT_TYPES: readonly string[] = Object.freeze([...eventValidators.keys()]);

const latestVersion = (versions: Map<number, ValidateFunction>): number => Math.max(...versions.keys());

type Verdict = { ok: true } | { ok: false; reason: PoisonReason; detail: string };
const poison = (reason: PoisonReason, detail: string): Verdict => ({ ok: false, reason, detail });

/**
 * Checks a parsed envelope against the document; headers, when given, must not contradict it.
 * Order matters: an unknown type or a newer version is not "invalid", it is a consumer that is behind.
 */
const checkEvent = (event: Record<string, unknown>, headers: Record<string, string | undefined>): Verdict => {
  const { type } = event;
  if (typeof type !== 'string') return poison('invalid-envelope', '/type must be a string');
  const versions = eventValidators.get(type);
  if (versions === undefined) return poison('unknown-type', `unknown event type ${quote(type)}`);

  const latest = latestVersion(versions);
  const version = (event.metadata as { schemaVersion?: unknown } | null | undefined)?.schemaVersion;
  if (typeof version === 'number' && version > latest) {
    return poison('schema-too-new', `${type} schemaVersion ${version} is newer than ${latest}`);
  }
  const validate = versions.get(version as number) ?? (versions.get(latest) as ValidateFunction);
  if (!validate(event)) return poison('invalid-envelope', describe(validate.errors ?? []));

  const headerType = headers[HEADERS.eventType];
  if (headerType !== undefined && headerType !== type) {
    return poison(
      'invalid-envelope',
      `header ${HEADERS.eventType} ${quote(headerType)} but type ${quote(type)}`,
    );
  }
  const headerVersion = headers[HEADERS.schemaVersion];
  if (headerVersion !== undefined && headerVersion !== String(version)) {
    return poison(
      'invalid-envelope',
      `header ${HEADERS.schemaVersion} ${quote(headerVersion)} but schemaVersion ${version}`,
    );
  }
  return { ok: true };
};

type Parsed = { ok: true; value: Record<string, unknown> } | { ok: false; detail: string };

const parseObject = (value: Buffer | string | null): Parsed => {
  if (value === null) return { ok: false, detail: 'the message has no value' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof value === 'string' ? value : value.toString('utf8'));
  } catch (error) {
    return { ok: false, detail: `the value is not JSON: ${(error as Error).message}` };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return { ok: false, detail: 'the value is JSON but not an object' };
  }
  return { ok: true, value: parsed as Record<string, unknown> };
};

/**
 * Turns one message of `game.events` into an event, a watermark, or the reason it is poison.
 * The value is authoritative; the headers are only checked for contradictions (a message without them
 * still decodes). Validators were compiled at module load: this only parses and validates.
 */
export function decodeEventMessage(
  value: Buffer | string | null,
  headers: Record<string, string | undefined>,
): DecodedMessage {
  const parsed = parseObject(value);
  if (!parsed.ok) return { kind: 'poison', reason: 'unparseable', detail: parsed.detail };

  if (headers[HEADERS.eventType] === WATERMARK_TYPE) {
    if (!watermarkValidator(parsed.value)) {
      return {
        kind: 'poison',
        reason: 'invalid-envelope',
        detail: describe(watermarkValidator.errors ?? []),
      };
    }
    return { kind: 'watermark', position: parsed.value.position as number };
  }

  const verdict = checkEvent(parsed.value, headers);
  if (!verdict.ok) return { kind: 'poison', reason: verdict.reason, detail: verdict.detail };
  return { kind: 'event', event: parsed.value as RecordedEvent };
}

/** Whether an envelope (already parsed) satisfies the document; `errors` names the fields at fault. */
export function validateEvent(event: unknown): { ok: true } | { ok: false; errors: string } {
  if (typeof event !== 'object' || event === null || Array.isArray(event)) {
    return { ok: false, errors: 'an event must be a JSON object' };
  }
  const verdict = checkEvent(event as Record<string, unknown>, {});
  return verdict.ok ? verdict : { ok: false, errors: verdict.detail };
}

const MAX_DETAIL_LENGTH = 300;

const quote = (text: string): string => JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}...` : text);

/** ajv's errors as short sentences that start with the JSON pointer of the field: "/data/amount must be >= 1". */
const describe = (errors: readonly ErrorObject[]): string => {
  const text = errors
    // The failing "then" branch or property name already says what is wrong.
    .filter((error) => error.keyword !== 'if' && error.keyword !== 'propertyNames')
    .map((error) => {
      const key = error.propertyName === undefined ? '' : ` key ${quote(error.propertyName)}`;
      const at = `${error.instancePath || '/'}${key}`;
      const params = error.params as Record<string, unknown>;
      switch (error.keyword) {
        case 'additionalProperties':
          return `${error.instancePath}/${String(params.additionalProperty)} is not allowed`;
        case 'required':
          return `${error.instancePath}/${String(params.missingProperty)} is required`;
        case 'false schema':
          return `${at} is not allowed`;
        case 'const':
          return `${at} must be ${JSON.stringify(params.allowedValue)}`;
        case 'enum':
          return `${at} must be one of ${(params.allowedValues as unknown[]).join(', ')}`;
        default:
          return `${at} ${error.message ?? 'is invalid'}`;
      }
    })
    .join('; ');
  return text.length > MAX_DETAIL_LENGTH ? `${text.slice(0, MAX_DETAIL_LENGTH)}...` : text;
};
