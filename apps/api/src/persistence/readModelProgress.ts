import { PositionWaiters } from './positionWaiters';

/**
 * How far the read models this API serves have applied the global log. Embedded, the API applies the
 * log itself (ProjectionService); in cluster mode projectors do, and the API watches their checkpoints
 * (ProjectorCheckpoints). Read-after-write and /health depend only on this.
 */
export abstract class ReadModelProgress {
  private applied = 0;
  private readonly waiters = new PositionWaiters();

  /** Global position up to which every event has been applied to the read models. */
  get position(): number {
    return this.applied;
  }

  /** Resolves true once the read models reached `position`, false after `timeoutMs`. */
  waitFor(position: number, timeoutMs: number): Promise<boolean> {
    if (this.applied >= position) return Promise.resolve(true);
    return this.waiters.wait(position, timeoutMs);
  }

  protected get waiting(): boolean {
    return this.waiters.size > 0;
  }

  protected advanceTo(position: number): void {
    if (position <= this.applied) return;
    this.applied = position;
    this.waiters.reach(position);
  }
}

/** Progress of read models served from several places (MongoDB and the rank cache): the slowest one's. */
export class SlowestReadModels extends ReadModelProgress {
  constructor(private readonly parts: readonly ReadModelProgress[]) {
    super();
  }

  override get position(): number {
    return Math.min(...this.parts.map((part) => part.position));
  }

  override async waitFor(position: number, timeoutMs: number): Promise<boolean> {
    const reached = await Promise.all(this.parts.map((part) => part.waitFor(position, timeoutMs)));
    return reached.every(Boolean);
  }
}
