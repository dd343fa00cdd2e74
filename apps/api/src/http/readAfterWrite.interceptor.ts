import {
  type CallHandler,
  type ExecutionContext,
  Inject,
  Injectable,
  type NestInterceptor,
} from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { from, switchMap, type Observable } from 'rxjs';
import { APP_CONFIG, type AppConfig } from '@app/runtime';
import { ReadModelProgress } from '../infrastructure/readModelProgress';
import { Problem } from './problem';

/**
 * Read-after-write: a query with `minPosition` (the position a command returned) is answered only once
 * the read models have applied that event - or with 503 + Retry-After when they do not in time.
 */
@Injectable()
export class ReadAfterWriteInterceptor implements NestInterceptor {
  constructor(
    private readonly projections: ReadModelProgress,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const raw = (context.switchToHttp().getRequest<FastifyRequest>().query as Record<string, unknown>)
      ?.minPosition;
    if (raw === undefined) return next.handle();
    if (typeof raw !== 'string' || !/^\d{1,16}$/.test(raw) || !Number.isSafeInteger(Number(raw))) {
      throw Problem.invalid([{ field: 'minPosition', message: 'must be a non-negative integer position' }]);
    }
    const position = Number(raw);
    return from(this.projections.waitFor(position, this.config.READ_AFTER_WRITE_TIMEOUT_MS)).pipe(
      switchMap((reached) => {
        if (!reached) {
          throw new Problem(
            503,
            'read-model-behind',
            'Read models have not caught up yet',
            `position ${position} is not applied yet (at ${this.projections.position})`,
            { retryAfterSeconds: 1 },
          );
        }
        return next.handle();
      }),
    );
  }
}
