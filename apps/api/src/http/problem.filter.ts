import { type ArgumentsHost, Catch, type ExceptionFilter, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type ProblemBody, toProblem } from './problem';

/**
 * Every error leaves as application/problem+json; only unexpected ones are logged as errors. Nest also
 * routes Fastify's own errors (malformed JSON, body too large, wrong content type) through this filter.
 */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('http');

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const problem: ProblemBody = { ...toProblem(error), instance: request.url.split('?')[0] };
    if (problem.status >= 500) this.logger.error({ err: error, correlationId: request.id }, 'request failed');
    const retryAfter = problem.retryAfterSeconds;
    if (typeof retryAfter === 'number') reply.header('retry-after', String(retryAfter));
    reply.status(problem.status).header('content-type', 'application/problem+json').send(problem);
  }
}
