import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import Redis from 'ioredis';
import { Problem } from '../problem';
import type { RouteScope } from '../route';
import { SCOPES, type Scope } from './apiKeys';

export type RateLimitSettings = {
  windowMs: number;
  /** Requests per window for one API key on the routes of one scope. */
  perScope: Record<Scope, number>;
  /** Requests per window without a valid API key, per client address. */
  unauthenticated: number;
  /** Shared counters for every api instance (cluster mode); in memory per instance when absent. */
  redisUrl?: string;
};

export const DEFAULT_SCOPE_LIMITS: Record<Scope, number> = {
  admin: 500,
  economy: 5000,
  scores: 5000,
  read: 20000,
  audit: 200,
  metrics: 100,
  sessions: 5000,
};

/** `RATE_LIMITS`: `scope=requests` pairs, comma-separated; scopes not named keep their default. */
export function parseScopeLimits(spec: string | undefined): Record<Scope, number> {
  const limits = { ...DEFAULT_SCOPE_LIMITS };
  for (const pair of (spec ?? '')
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)) {
    const [scope, value] = pair.split('=');
    if (!SCOPES.includes(scope as Scope) || !/^\d{1,9}$/.test(value ?? '')) {
      throw new Error(`RATE_LIMITS: "${pair}" must be scope=requests with a scope of ${SCOPES.join(', ')}`);
    }
    limits[scope as Scope] = Number(value);
  }
  return limits;
}

type Limiter = ReturnType<FastifyInstance['createRateLimit']>;
type Outcome = Awaited<ReturnType<Limiter>>;

/** Called with each refusal: which limit, and the scope for a key's. */
export type OnRefused = (limit: 'address' | 'key', scope?: Scope) => void;

/**
 * Rate limits with @fastify/rate-limit's counters (in memory, or in Redis shared by every api):
 * per client address for requests without a valid API key, per API key and scope for the others.
 * A refusal is a 429 problem with Retry-After; answers to authenticated requests carry the IETF
 * RateLimit-Limit / -Remaining / -Reset headers of the key's window.
 */
export class RateLimits {
  /** When a request without a valid key was last counted by this api (its counters in memory). */
  private lastUnauthenticatedAt = Number.NEGATIVE_INFINITY;

  private constructor(
    private readonly address: Limiter,
    private readonly key: Record<Scope, Limiter>,
    private readonly onRefused: OnRefused,
    private readonly redis: Redis | undefined,
    private readonly windowMs: number,
  ) {}

  static async register(
    fastify: FastifyInstance,
    settings: RateLimitSettings,
    onRefused: OnRefused,
  ): Promise<RateLimits> {
    const redis = settings.redisUrl
      ? new Redis(settings.redisUrl, {
          maxRetriesPerRequest: 1,
          enableOfflineQueue: false,
          lazyConnect: false,
        })
      : undefined;
    await fastify.register(rateLimit, {
      global: false,
      enableDraftSpec: true,
      timeWindow: settings.windowMs,
      // A counter store that cannot be reached lets requests through rather than failing them.
      skipOnError: true,
      ...(redis ? { redis, nameSpace: 'game-api-rate-limit:' } : {}),
    });
    const address = fastify.createRateLimit({ max: settings.unauthenticated, timeWindow: settings.windowMs });
    // One limiter per scope, its limit a number and the scope in its counter's name known in advance.
    const key = Object.fromEntries(
      SCOPES.map((scope) => [
        scope,
        fastify.createRateLimit({
          timeWindow: settings.windowMs,
          keyGenerator: (request) => `${request.apiKey!.name}|${scope}`,
          max: settings.perScope[scope],
        }),
      ]),
    ) as Record<Scope, Limiter>;
    return new RateLimits(address, key, onRefused, redis, settings.windowMs);
  }

  /** Refuses a client address over its limit of unauthenticated requests, before any other work. */
  async refuseBlockedAddress(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    if (departed(request)) return;
    // Counters in memory: an address's count lasts a window from when it was first counted, so when no
    // address was counted for a window, every count reads 0 and there is nothing to look up.
    if (!this.redis && Date.now() - this.lastUnauthenticatedAt >= this.windowMs) return;
    this.refuse(await this.address(request, { increment: false }), reply, 'address');
  }

  /** Counts a request without a valid key against its client address. */
  async countUnauthenticated(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    if (departed(request)) return;
    // Before the count (a check meanwhile looks its address up) and after it (at or after its window's start).
    this.lastUnauthenticatedAt = Date.now();
    const outcome = await this.address(request);
    this.lastUnauthenticatedAt = Date.now();
    this.refuse(outcome, reply, 'address');
  }

  /** Counts an authenticated request against its key and the route's scope. */
  async countKey(request: FastifyRequest, reply: FastifyReply, scope: Scope): Promise<void> {
    const outcome = await this.key[scope](request);
    if (outcome.isAllowed) return;
    reply.header('ratelimit-limit', outcome.max);
    reply.header('ratelimit-remaining', outcome.remaining);
    reply.header('ratelimit-reset', outcome.ttlInSeconds);
    this.refuse(outcome, reply, 'key', scope);
  }

  async close(): Promise<void> {
    this.redis?.disconnect();
  }

  private refuse(outcome: Outcome, reply: FastifyReply, limit: 'address' | 'key', scope?: Scope): void {
    if (outcome.isAllowed || !outcome.isExceeded) return;
    this.onRefused(limit, scope);
    reply.header('ratelimit-remaining', 0);
    throw new Problem(
      429,
      'too-many-requests',
      'Too many requests',
      limit === 'address'
        ? 'too many requests without a valid API key from this address'
        : `this API key's limit for ${scope} requests is ${outcome.max} per window`,
      { retryAfterSeconds: Math.max(1, outcome.ttlInSeconds) },
    );
  }
}

/**
 * A client whose connection closed before its request reached the limits has no address any more (Node
 * forgets a destroyed socket's); there is no one to count or to answer.
 */
const departed = (request: FastifyRequest): boolean => request.ip === undefined;

/** The scope whose limit a route counts against: a route any key may call counts with the read routes. */
export const limitScope = (scope: RouteScope): Scope => (scope === 'any' ? 'read' : scope);
