import { APP_CONFIG, type AppConfig } from '@app/runtime';
import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ReadModelProgress } from '../persistence/readModelProgress';
import { Problem } from './problem';

/**
 * Read-after-write on a query route: a query with `minPosition` (the position a command returned) is
 * answered only once the read models have applied that event, or with 503 + Retry-After when they do not
 * in time. Fastify has validated the whole request against the route's schema before this runs, so a
 * malformed one is refused at once rather than after the wait.
 *
 * A guard, not an interceptor: Nest's interceptor chain costs every request an rxjs pipeline and two
 * AsyncResource.bind wrappers, minPosition or not.
 */
@Injectable()
export class ReadAfterWriteGuard implements CanActivate {
  constructor(
    private readonly projections: ReadModelProgress,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  canActivate(context: ExecutionContext): true | Promise<true> {
    const { minPosition } = context.switchToHttp().getRequest<FastifyRequest>().query as {
      minPosition?: number;
    };
    if (minPosition === undefined) return true;
    return this.projections.waitFor(minPosition, this.config.READ_AFTER_WRITE_TIMEOUT_MS).then((reached) => {
      if (reached) return true;
      throw new Problem(
        503,
        'read-model-behind',
        'Read models have not caught up yet',
        `position ${minPosition} is not applied yet (at ${this.projections.position})`,
        { retryAfterSeconds: 1 },
      );
    });
  }
}
