import { InvalidRequestError } from '@app/application';
import type { AppConfig } from '@app/runtime';
import type { ExecutionContext } from '@nestjs/common';
import { ReadModelProgress } from '../persistence/readModelProgress';
import { Problem } from './problem';
import { ReadAfterWriteGuard } from './readAfterWrite.guard';

/** Read models whose position the test moves. */
class Progress extends ReadModelProgress {
  reach(position: number) {
    this.advanceTo(position);
  }
}

const request = (minPosition?: number) =>
  ({
    switchToHttp: () => ({ getRequest: () => ({ query: { minPosition } }) }),
  }) as unknown as ExecutionContext;

describe('read-after-write guard', () => {
  const head = 10;
  const guard = (progress: Progress, timeoutMs = 20) =>
    new ReadAfterWriteGuard(
      progress,
      { headPosition: async () => head } as never,
      { READ_AFTER_WRITE_TIMEOUT_MS: timeoutMs } as AppConfig,
    );

  it('lets a query through at once without minPosition or when the read models have it', async () => {
    const progress = new Progress();
    progress.reach(8);
    expect(guard(progress).canActivate(request())).toBe(true);
    expect(guard(progress).canActivate(request(8))).toBe(true);
  });

  it('waits for a position in the log until the read models reach it', async () => {
    const progress = new Progress();
    const waiting = guard(progress, 10_000).canActivate(request(9));
    progress.reach(9);
    await expect(waiting).resolves.toBe(true);
  });

  it('answers 503 with a retry hint when the read models do not reach it in time', async () => {
    const refusal = await Promise.resolve(guard(new Progress()).canActivate(request(9))).catch(
      (e: unknown) => e,
    );
    expect(refusal).toBeInstanceOf(Problem);
    expect(refusal).toMatchObject({
      status: 503,
      code: 'read-model-behind',
      extensions: { retryAfterSeconds: 1 },
    });
  });

  it('refuses a position past the end of the log without waiting', async () => {
    const refusal = await Promise.resolve(guard(new Progress(), 10_000).canActivate(request(head + 1))).catch(
      (e: unknown) => e,
    );
    expect(refusal).toBeInstanceOf(InvalidRequestError);
    expect((refusal as InvalidRequestError).errors[0].field).toBe('minPosition');
  });
});
