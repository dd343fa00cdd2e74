import { type ArgumentsHost, Catch, type ExceptionFilter, Logger, NotFoundException } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { RouteMethods } from './edge';
import { type ProblemBody, problemType, toProblem } from './problem';

/** Longest `instance` echoed back: the path, never a client's megabyte of URL. */
const MAX_INSTANCE = 200;

/**
 * Every error leaves as application/problem+json; only unexpected ones are logged as errors. Nest routes
 * Fastify's own errors (schema validation, malformed JSON, body too large, wrong content type, a hook's
 * refusal) through this filter too. A path that exists with other methods is a 405 with Allow.
 */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('http');

  constructor(private readonly routes: RouteMethods) {}

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const path = request.url.split('?')[0];
    // No route matched: that is the answer (405 when the path exists with other methods, else 404),
    // whatever else is wrong with the request.
    const unrouted = request.routeOptions.url === undefined;
    // A route that answers this method but found nothing to serve (a static file) is a 404.
    const methods = unrouted ? this.routes.allowed(path) : [];
    const allowed = methods.includes(request.method) ? [] : methods;
    const problem: ProblemBody = {
      ...(allowed.length > 0
        ? {
            type: problemType('method-not-allowed'),
            title: 'Method not allowed',
            status: 405,
            detail: `${path.length > MAX_INSTANCE ? 'this path' : path} answers ${allowed.join(', ')}`,
          }
        : toProblem(unrouted ? new NotFoundException(`no route answers ${request.method} here`) : error)),
      instance: path.slice(0, MAX_INSTANCE),
    };
    if (problem.status === 503)
      this.logger.warn({ correlationId: request.id, detail: problem.detail }, 'request not served');
    else if (problem.status >= 500)
      this.logger.error({ err: error, correlationId: request.id }, 'request failed');
    if (allowed.length > 0) reply.header('allow', allowed.join(', '));
    const retryAfter = problem.retryAfterSeconds;
    if (typeof retryAfter === 'number') reply.header('retry-after', String(retryAfter));
    reply.status(problem.status).header('content-type', 'application/problem+json').send(problem);
  }
}
