/** Callers waiting for the log to reach a position, each released once it is reached or its time is up. */
export class PositionWaiters {
  private readonly waiters = new Set<{ position: number; release: (reached: boolean) => void }>();

  get size(): number {
    return this.waiters.size;
  }

  /** Resolves true once `reach` passes `position`, false after `timeoutMs` (never, when it is not finite). */
  wait(position: number, timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const waiter = {
        position,
        release: (reached: boolean) => {
          clearTimeout(timer);
          this.waiters.delete(waiter);
          resolve(reached);
        },
      };
      const timer = Number.isFinite(timeoutMs)
        ? setTimeout(() => waiter.release(false), timeoutMs)
        : undefined;
      this.waiters.add(waiter);
    });
  }

  /** Releases every caller waiting for `position` or an earlier one. */
  reach(position: number): void {
    for (const waiter of this.waiters) if (waiter.position <= position) waiter.release(true);
  }

  /** Releases every caller, as not reached. */
  releaseAll(): void {
    for (const waiter of this.waiters) waiter.release(false);
  }
}
