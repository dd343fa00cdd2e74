import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Problem } from '../problem';
import type { RouteAccess } from '../route';
import { type ApiKey, authenticate } from './apiKeys';
import { type RateLimits, limitScope } from './rateLimits';

declare module 'fastify' {
  interface FastifyRequest {
    /** The API key that authenticated the request (routes that need a scope only). */
    apiKey?: ApiKey;
  }
}

const BEARER = /^Bearer (\S+)$/i;

/**
 * Trust before work: every route that needs a scope checks the API key in an `onRequest` hook, before
 * its body is read or parsed. Requests without a valid key count against their client address, which is
 * refused before any authentication work once over its limit; authenticated ones count against their
 * key and the route's scope. Routes without a scope (health, docs, the console's files) are anyone's;
 * routes of scope `any` take any valid key.
 */
export function authenticateRequests(
  fastify: FastifyInstance,
  keys: readonly ApiKey[],
  limits: RateLimits,
): void {
  // A token that authenticated once is then known by its text, without a hash per request. Only tokens
  // of a key are kept (one per key, the keys fixed at start); any other is hashed and compared with every
  // key in constant time each time.
  const known = new Map<string, ApiKey>();
  const keyOf = (token: string): ApiKey | undefined => {
    const found = known.get(token);
    if (found) return found;
    const key = authenticate(keys, token);
    if (key) known.set(token, key);
    return key;
  };
  fastify.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const { scope } = request.routeOptions.config as RouteAccess;
    if (scope === undefined) return;
    await limits.refuseBlockedAddress(request, reply);
    const header = request.headers.authorization;
    const token = typeof header === 'string' ? BEARER.exec(header)?.[1] : undefined;
    const key = token === undefined ? undefined : keyOf(token);
    if (!key) {
      await limits.countUnauthenticated(request, reply);
      throw new Problem(
        401,
        'unauthorized',
        'Authentication required',
        'send Authorization: Bearer <api key>',
      );
    }
    if (scope !== 'any' && !key.scopes.has(scope)) {
      throw new Problem(403, 'forbidden', 'Not allowed', `this operation needs the ${scope} scope`);
    }
    request.apiKey = key;
    await limits.countKey(request, reply, limitScope(scope));
  });
}
