import { InvalidRequestError } from '@app/application';
import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { APP_CONFIG, type AppConfig } from '@app/runtime';
import { ReadModelProgress } from '../persistence/readModelProgress';
import { Problem } from './problem';

/**
 * Read-after-write: a query with `minPosition` (the position a command returned) is answered only once
 * the read models have applied that event - or with 503 + Retry-After when they do not in time.
 * Returns undefined when the query has no `minPosition`; throws 400 when it is malformed.
 */
function readAfterWrite(
  context: ExecutionContext,
  projections: ReadModelProgress,
  config: AppConfig,
): Promise<void> | undefined {
  const raw = (context.switchToHttp().getRequest<FastifyRequest>().query as Record<string, unknown>)
    ?.minPosition;
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string' || !/^\d{1,16}$/.test(raw) || !Number.isSafeInteger(Number(raw))) {
    throw InvalidRequestError.of('minPosition', 'must be a non-negative integer position');
  }
  const position = Number(raw);
  return projections.waitFor(position, config.READ_AFTER_WRITE_TIMEOUT_MS).then((reached) => {
    if (!reached) {
      throw new Problem(
        503,
        'read-model-behind',
        'Read models have not caught up yet',
        `position ${position} is not applied yet (at ${projections.position})`,
        { retryAfterSeconds: 1 },
      );
    }
  });
}

/**
 * Read-after-write on a query route. A guard, not an interceptor: it runs after the global ApiKeyGuard
 * and before the pipes, outside Nest's interceptor chain, which costs every request an rxjs pipeline and
 * two AsyncResource.bind wrappers, minPosition or not (on the rank routes that was most of the garbage
 * each scavenge promoted into a heap holding 1,000,000 leaderboard entries).
 */
@Injectable()
export class ReadAfterWriteGuard implements CanActivate {
  constructor(
    private readonly projections: ReadModelProgress,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  canActivate(context: ExecutionContext): true | Promise<true> {
    return readAfterWrite(context, this.projections, this.config)?.then(() => true) ?? true;
  }
}
