import { ID_PATTERN } from '@app/domain';
import { type Static, Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

/**
 * The /v1/stream protocol (docs/realtime.md): JSON text frames. The client subscribes to topics; the
 * server answers each subscription with updates, each the topic's whole state at a global position.
 * Updates name their topic by its key, not by the client's subscription id, so one update is the same
 * frame for every subscriber of the topic.
 */

/** Why the server closed a connection: a code in the 4000s and a short reason. */
export const CLOSE = {
  /** A message that is not JSON, or not one of the protocol's, or a field out of range (the reason names it). */
  badMessage: 4400,
  /** No credentials, an unknown API key, or a session token that is forged, malformed or revoked. */
  unauthorized: 4401,
  /** An API key without the read scope, or a session token asking for another player's state. */
  forbidden: 4403,
  /** A subscription whose conflated update spans more changes than the server keeps: resubscribe with `from`. */
  tooFarBehind: 4409,
  /** The session token expired (at connect or while connected): mint a new one and reconnect. */
  sessionExpired: 4419,
  /** Too many subscriptions on one connection, or subscribe messages sent too fast. */
  tooManyRequests: 4429,
} as const;

const Id = Type.String({ pattern: ID_PATTERN.source });
const Period = Type.String({ minLength: 1, maxLength: 32 });

export const Topic = Type.Union([
  Type.Object(
    {
      kind: Type.Literal('board'),
      leaderboardId: Id,
      period: Type.Optional(Period),
      limit: Type.Integer({ minimum: 1, maximum: 100 }),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      kind: Type.Literal('rank'),
      leaderboardId: Id,
      playerId: Id,
      period: Type.Optional(Period),
      around: Type.Integer({ minimum: 0, maximum: 50 }),
    },
    { additionalProperties: false },
  ),
  Type.Object({ kind: Type.Literal('wallet'), playerId: Id }, { additionalProperties: false }),
  Type.Object({ kind: Type.Literal('inventory'), playerId: Id }, { additionalProperties: false }),
]);
export type Topic = Static<typeof Topic>;

const SubscriptionId = Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' });

const Subscribe = Type.Object(
  {
    type: Type.Literal('subscribe'),
    id: SubscriptionId,
    topic: Topic,
    /** The last position the client saw on this topic: resume after it. */
    from: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  { additionalProperties: false },
);
const Unsubscribe = Type.Object(
  { type: Type.Literal('unsubscribe'), id: SubscriptionId },
  { additionalProperties: false },
);
export type Subscribe = Static<typeof Subscribe>;
export type ClientMessage = Subscribe | Static<typeof Unsubscribe>;

/** A client message, or what is wrong with it (naming the field). */
export function parseClientMessage(text: string): ClientMessage | { error: string } {
  let message: unknown;
  try {
    message = JSON.parse(text);
  } catch {
    return { error: 'not JSON' };
  }
  const type = (message as { type?: unknown } | null)?.type;
  const schema = type === 'subscribe' ? Subscribe : type === 'unsubscribe' ? Unsubscribe : undefined;
  if (!schema) return { error: 'type: must be subscribe or unsubscribe' };
  if (Value.Check(schema, message)) return message as ClientMessage;
  return { error: firstError(schema, message) };
}

/** The deepest error of the first failing field: for a topic, the one of the variant its `kind` names. */
function firstError(schema: typeof Subscribe | typeof Unsubscribe, message: unknown): string {
  const topic = (message as { topic?: { kind?: unknown } }).topic;
  const variant = Topic.anyOf.find((candidate) => candidate.properties.kind.const === topic?.kind);
  if (schema === Subscribe && topic !== null && typeof topic === 'object' && variant) {
    const { topic: _, ...rest } = message as Record<string, unknown>;
    const outer = [...Value.Errors(schema, { ...rest, topic: { kind: 'wallet', playerId: 'x' } })][0];
    if (outer) return describe(outer.path, outer.message);
    const inner = [...Value.Errors(variant, topic)][0];
    if (inner) return describe(`/topic${inner.path}`, inner.message);
  }
  const error = [...Value.Errors(schema, message)][0];
  if (schema === Subscribe && error?.path === '/topic' && !variant)
    return 'topic.kind: must be board, rank, wallet or inventory';
  return error ? describe(error.path, error.message) : 'invalid message';
}

const describe = (path: string, message: string) =>
  `${path.slice(1).replaceAll('/', '.') || 'message'}: ${message.toLowerCase()}`;

/** The key of the state a topic names: subscriptions with equal keys share one query per change. */
export function topicKey(topic: Topic): string {
  switch (topic.kind) {
    case 'board':
      return ['board', topic.leaderboardId, topic.period ?? '', topic.limit].join('|');
    case 'rank':
      return ['rank', topic.leaderboardId, topic.period ?? '', topic.playerId, topic.around].join('|');
    case 'wallet':
    case 'inventory':
      return [topic.kind, topic.playerId].join('|');
  }
}

/**
 * An update of topic `key`: its state `data` (JSON) at `position`, listing the `changes` after the
 * position `after`; `id` names the subscription in the first message of a resumed one.
 */
export const updateMessage = (
  key: string,
  position: number,
  after: number,
  changes: readonly number[],
  data: string,
  id?: string,
): string =>
  `{"type":"update",${id === undefined ? '' : `"id":${JSON.stringify(id)},`}"topic":${JSON.stringify(key)},` +
  `"position":${position},"after":${after},"changes":${JSON.stringify(changes)},"data":${data}}`;

/** The first message of a subscription that does not resume: the topic's whole state. */
export const snapshotMessage = (
  id: string,
  key: string,
  position: number,
  reason: 'subscribed' | 'too-far-back',
  data: string,
): string =>
  `{"type":"snapshot","id":${JSON.stringify(id)},"topic":${JSON.stringify(key)},"position":${position},` +
  `"reason":"${reason}","data":${data}}`;

/** The player whose own state a topic shows (undefined: a public board, any session may subscribe). */
export const topicPlayer = (topic: Topic): string | undefined =>
  topic.kind === 'board' ? undefined : topic.playerId;

/** Close reasons are at most 123 bytes (RFC 6455): cut longer ones. */
export const closeReason = (reason: string): string => {
  const bytes = Buffer.from(reason);
  return bytes.length <= 123
    ? reason
    : bytes
        .subarray(0, 120)
        .toString()
        .replace(/\uFFFD$/, '') + '...';
};
