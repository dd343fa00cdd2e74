import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { openLoad } from './openLoad';

/**
 * The open-loop generator against a loopback server that stalls once: the requests that fell due during
 * the stall are timed from when they were due, so the stall shows in their latency (coordinated omission
 * corrected). Lower bounds only: a slow machine can only make latencies longer.
 */
describe('openLoad (open loop, coordinated omission corrected)', () => {
  const STALL_MS = 400;
  let server: Server;
  let url: string;
  let stalledUntil = 0;

  beforeAll(async () => {
    server = createServer((request, response) => {
      request.resume();
      const answer = () => response.writeHead(request.url === '/fail' ? 503 : 200).end('{}');
      const wait = stalledUntil - Date.now();
      if (wait > 0) setTimeout(answer, wait);
      else answer();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('sends on schedule and counts the wait of every request that fell due during a stall', async () => {
    const rate = 100;
    let sent = 0;
    const result = await openLoad(
      url,
      () => {
        // The 21st request (due at 200 ms) finds the server stalling for STALL_MS.
        if (sent++ === 20) stalledUntil = Date.now() + STALL_MS;
        return { method: 'POST', path: '/ok', headers: { 'content-type': 'application/json' }, body: '{}' };
      },
      { rate, seconds: 1, connections: 1 },
    );
    expect([result.requests, result.non2xx, result.errors, result.targetRate]).toEqual([100, 0, 0, rate]);
    // One connection: every request due during the stall waits behind the stalled one. Timed from their
    // sends (closed loop) only the stalled request would be slow; timed from their slots, those due in the
    // stall's first half each waited at least half of it, which puts the p97.5 and the p99 there.
    expect(result.latency.max).toBeGreaterThanOrEqual(STALL_MS - 5);
    expect(result.latency.p97_5).toBeGreaterThanOrEqual(STALL_MS / 2);
  });

  it('counts failed answers as non-2xx and 5xx', async () => {
    const result = await openLoad(url, () => ({ method: 'GET', path: '/fail', headers: {} }), {
      rate: 50,
      seconds: 0.2,
      connections: 2,
    });
    expect([result.requests, result.non2xx, result.status5xx]).toEqual([10, 10, 10]);
  });
});
