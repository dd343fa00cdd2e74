import { InvalidRequestError } from '@app/application';
import type { EventStore } from '@app/event-store';
import { APP_CONFIG, type AppConfig } from '@app/runtime';
import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ReadModelProgress } from '../persistence/readModelProgress';
import { EVENT_STORE } from '../persistence/tokens';
import { Problem } from './problem';

/**
 * Read-after-write on a query route: a query with `minPosition` (the position a command returned) is
 * answered only once the read models have applied that event, or with 503 + Retry-After when they do not
 * in time. Fastify has validated the whole request against the route's schema before this runs, so a
 * malformed one is refused at once rather than after the wait, and so is a position past the end of the
 * log, which no command has returned and no wait would reach.
 *
 * A guard, not an interceptor: Nest's interceptor chain costs every request an rxjs pipeline and two
 * AsyncResource.bind wrappers, minPosition or not.
 */
@Injectable()
export class ReadAfterWriteGuard implements CanActivate {
  constructor(
    private readonly projections: ReadModelProgress,
    @Inject(EVENT_STORE) private readonly events: EventStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  canActivate(context: ExecutionContext): true | Promise<true> {
    const { minPosition } = context.switchToHttp().getRequest<FastifyRequest>().query as {
      minPosition?: number;
    };
    if (minPosition === undefined || minPosition <= this.projections.position) return true;
    return this.waitFor(minPosition);
  }

  private async waitFor(minPosition: number): Promise<true> {
    const head = await this.events.headPosition();
    if (minPosition > head)
      throw InvalidRequestError.of(
        'minPosition',
        `is past the end of the log (its last position is ${head})`,
      );
    if (await this.projections.waitFor(minPosition, this.config.READ_AFTER_WRITE_TIMEOUT_MS)) return true;
    throw new Problem(
      503,
      'read-model-behind',
      'Read models have not caught up yet',
      `position ${minPosition} is not applied yet (at ${this.projections.position})`,
      { retryAfterSeconds: 1 },
    );
  }
}
