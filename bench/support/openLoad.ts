import { Agent, request as httpRequest } from 'node:http';
import type { ClientSample } from './requestTrace';
import { distribution, now, steadily } from './stats';

export type OpenRequest = { method: string; path: string; headers: Record<string, string>; body?: string };

/** What a load run measured (this one or autocannon): req/s over the run, latency in ms, every failure. */
export type Load = {
  requests: number;
  seconds: number;
  requestsPerSecond: number;
  latency: { mean: number; p50: number; p97_5: number; p99: number; p99_9: number; max: number };
  non2xx: number;
  status5xx: number;
  errors: number;
  timeouts: number;
  /** Open loop only: the rate the schedule asked for. */
  targetRate?: number;
};

/**
 * Open-loop load at a fixed rate, corrected for coordinated omission (as wrk2 does): request i is due at
 * start + i / rate whether or not earlier ones have been answered, and its latency runs from that moment.
 * When the server stalls, the requests that fell due meanwhile wait (for a free connection, then for the
 * server), and that wait is counted, as a player calling at that moment would see it. A closed-loop
 * generator (autocannon) would instead send fewer requests during the stall and time each from its
 * actual send, hiding the queue.
 *
 * `connections` keep-alive connections, one request in flight on each; requests beyond that queue in
 * the client, and their queueing is part of their latency. The rate is what the schedule asked for; the
 * achieved rate (answers over the wall time) is reported beside it. With `samples`, each request with an
 * Idempotency-Key is recorded there too (due, given a connection, answered), for tracing.
 */
export async function openLoad(
  url: string,
  next: () => OpenRequest,
  {
    rate,
    seconds,
    connections,
    samples,
  }: { rate: number; seconds: number; connections: number; samples?: ClientSample[] },
): Promise<Load & { targetRate: number }> {
  const { hostname, port } = new URL(url);
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  // From each request's intended send time (its slot in the schedule) to the end of its response.
  const latencies: number[] = [];
  let non2xx = 0;
  let status5xx = 0;
  let errors = 0;
  let pending = 0;
  let drained: (() => void) | undefined;

  const send = (due: number) => {
    const { method, path, headers, body } = next();
    pending++;
    const finish = () => {
      if (--pending === 0) drained?.();
    };
    let sentAt = NaN;
    const outgoing = httpRequest({ agent, hostname, port, method, path, headers }, (response) => {
      response.resume();
      response.once('end', () => {
        const doneAt = now();
        latencies.push(doneAt - due);
        const key = headers['idempotency-key'];
        if (samples && key) samples.push({ key, dueAt: due, sentAt, doneAt });
        const status = response.statusCode ?? 0;
        if (status < 200 || status >= 300) non2xx++;
        if (status >= 500) status5xx++;
        finish();
      });
    });
    if (samples) outgoing.once('socket', () => (sentAt = now()));
    outgoing.once('error', () => {
      errors++;
      finish();
    });
    outgoing.end(body);
  };

  const start = now();
  let sent = 0;
  await steadily(rate, seconds, (count) => {
    for (let i = 0; i < count; i++, sent++) send(start + (sent * 1000) / rate);
  });
  if (pending > 0) await new Promise<void>((resolve) => (drained = resolve));
  const elapsed = (now() - start) / 1000;
  agent.destroy();

  const { mean, p50, p97_5, p99, p99_9, max } = distribution(latencies);
  return {
    requests: latencies.length,
    seconds: elapsed,
    requestsPerSecond: latencies.length / elapsed,
    latency: { mean, p50, p97_5, p99, p99_9, max },
    non2xx,
    status5xx,
    errors,
    timeouts: 0,
    targetRate: rate,
  };
}
