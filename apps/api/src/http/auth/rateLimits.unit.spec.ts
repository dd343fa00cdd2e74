import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import { DEFAULT_SCOPE_LIMITS, RateLimits } from './rateLimits';

describe('RateLimits by client address', () => {
  const settings = { windowMs: 60_000, perScope: DEFAULT_SCOPE_LIMITS, unauthenticated: 2 };
  const reply = { header: () => reply } as unknown as FastifyReply;

  it('counts an address and refuses it past its limit', async () => {
    const fastify = Fastify();
    const limits = await RateLimits.register(fastify, settings, () => undefined);
    const request = { ip: '10.0.0.1', routeOptions: { config: {} } } as unknown as FastifyRequest;
    await limits.countUnauthenticated(request, reply);
    await limits.countUnauthenticated(request, reply);
    await expect(limits.countUnauthenticated(request, reply)).rejects.toMatchObject({ status: 429 });
    await expect(limits.refuseBlockedAddress(request, reply)).rejects.toMatchObject({ status: 429 });
    await fastify.close();
  });

  it('passes over a request whose connection closed before it got here (no address left) without failing', async () => {
    const fastify = Fastify();
    const limits = await RateLimits.register(fastify, settings, () => undefined);
    const departed = { ip: undefined, routeOptions: { config: {} } } as unknown as FastifyRequest;
    for (let i = 0; i < 3; i++) {
      await expect(limits.refuseBlockedAddress(departed, reply)).resolves.toBeUndefined();
      await expect(limits.countUnauthenticated(departed, reply)).resolves.toBeUndefined();
    }
    await fastify.close();
  });
});
