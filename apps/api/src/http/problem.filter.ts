import { type ArgumentsHost, Catch, type ExceptionFilter, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type ProblemBody, toProblem } from './problem';

/** Every error leaves as application/problem+json; only unexpected ones are logged as errors. */
export function sendProblem(
  error: unknown,
  request: FastifyRequest,
  reply: FastifyReply,
  logger: Logger,
): void {
  const problem: ProblemBody = { ...toProblem(error), instance: request.url.split('?')[0] };
  if (problem.status >= 500) logger.error({ err: error, correlationId: request.id }, 'request failed');
  const retryAfter = problem.retryAfterSeconds;
  if (typeof retryAfter === 'number') reply.header('retry-after', String(retryAfter));
  reply.status(problem.status).header('content-type', 'application/problem+json').send(problem);
}

@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('http');

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    sendProblem(error, http.getRequest<FastifyRequest>(), http.getResponse<FastifyReply>(), this.logger);
  }
}
