import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import type { RecentErrors } from '../system/recentErrors';

/**
 * The API's one pino logger: Nest's log lines (through nestjs-pino) and the request log both write here.
 * `authorization` is redacted wherever a request's headers end up in a line (an error's context). Lines
 * at warn or above are also kept in `recent` for the system page.
 */
export const apiLogger = (level: string, recent: RecentErrors): pino.Logger =>
  pino({
    level,
    redact: ['req.headers.authorization', 'headers.authorization'],
    hooks: {
      logMethod(args, method, lineLevel) {
        recent.record(lineLevel, args);
        return method.apply(this, args);
      },
    },
  });

/**
 * One JSON line per request, when it has been answered: method, path, status, time and the correlation
 * id (the same id is in the response header and in every event the request appended). Written from a
 * Fastify hook with one call on the root logger: no child logger or async context per request, and
 * nothing at all when the level is above the line's: a 5xx at error, except a 503 (a dependency or the
 * read models behind: the caller is told to retry) at warn; everything else at info.
 */
export function logRequests(fastify: FastifyInstance, logger: pino.Logger): void {
  fastify.addHook('onResponse', (request, reply, done) => {
    const status = reply.statusCode;
    const level = status === 503 ? 'warn' : status >= 500 ? 'error' : 'info';
    if (logger.isLevelEnabled(level)) {
      logger[level](
        {
          correlationId: request.id,
          req: { method: request.method, url: request.url, remoteAddress: request.ip },
          res: { statusCode: status },
          responseTime: Math.round(reply.elapsedTime * 10) / 10,
        },
        'request completed',
      );
    }
    done();
  });
}
