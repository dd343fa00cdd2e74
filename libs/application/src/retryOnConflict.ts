import { WrongExpectedRevisionError } from '@app/event-store';
import { ConcurrencyConflictError } from './errors';

/**
 * Runs `attempt` until it does not meet a WrongExpectedRevisionError on `streamId` (another process
 * appended first), calling `onConflict` before each new attempt; after `maxAttempts` it gives up with a
 * ConcurrencyConflictError. Any other outcome, success or error, ends it at once.
 */
export async function retryOnConflict<T>(
  streamId: string,
  maxAttempts: number,
  attempt: () => Promise<T>,
  onConflict: () => void,
): Promise<T> {
  for (let attempts = 1; ; attempts++) {
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof WrongExpectedRevisionError)) throw error;
      onConflict();
      if (attempts >= maxAttempts) throw new ConcurrencyConflictError(streamId, attempts);
    }
  }
}
