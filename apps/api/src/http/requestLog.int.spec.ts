import Fastify from 'fastify';
import pino from 'pino';
import { Writable } from 'node:stream';
import { logRequests } from './requestLog';

describe('request log', () => {
  const served = async (level: string) => {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString()));
        done();
      },
    });
    const fastify = Fastify({ genReqId: () => 'corr-1' });
    logRequests(fastify, pino({ level }, sink));
    fastify.get('/ok', async () => ({ ok: true }));
    fastify.get('/boom', async () => {
      throw new Error('boom');
    });
    await fastify.inject({ method: 'GET', url: '/ok?x=1' });
    await fastify.inject({ method: 'GET', url: '/boom' });
    await fastify.close();
    return lines;
  };

  it('writes one line per answered request, with its correlation id, status and time', async () => {
    const lines = await served('info');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({
      level: 30,
      msg: 'request completed',
      correlationId: 'corr-1',
      req: { method: 'GET', url: '/ok?x=1' },
      res: { statusCode: 200 },
    });
    expect(typeof lines[0].responseTime).toBe('number');
    expect(lines[1]).toMatchObject({ level: 50, res: { statusCode: 500 } });
  });

  it('writes only the failed requests at level error', async () => {
    const lines = await served('error');
    expect(lines.map((line) => (line.res as { statusCode: number }).statusCode)).toEqual([500]);
  });
});
