import type {
  EventStore,
  GlobalPosition,
  RecordedEventWithoutMetadata,
  Subscription,
} from '@app/event-store';
import { type AnyProjection, project, replay } from '@app/projections';
import type { ReadStore } from '@app/read-store';
import type { Logger, OnApplicationShutdown } from '@nestjs/common';
import { ReadModelProgress } from './readModelProgress';

const RESUBSCRIBE_DELAY_MS = 1000;

/** Told of each live batch once it is applied, with the position the read models had before it. */
export type AppliedListener = (
  events: readonly RecordedEventWithoutMetadata[],
  after: GlobalPosition,
) => void;

/**
 * Read models the API applies from the event log itself (the embedded projector, the rank cache): a
 * catch-up in large batches with `replay` - the one a blue/green rebuild runs - then a live subscription.
 * A failing batch is retried from the last applied position, so the read models never skip an event.
 */
export abstract class LogFollower extends ReadModelProgress implements OnApplicationShutdown {
  protected abstract readonly logger: Logger;
  private subscription?: Subscription;
  private stopping = false;
  private readonly listeners = new Set<AppliedListener>();

  protected constructor(protected readonly events: EventStore) {
    super();
  }

  /**
   * Applies the log after `from` to `store` up to the head, then keeps following; resolves with that head.
   * `catchUp` may apply that range itself instead (answering true); else `replay` does.
   */
  protected async follow(
    store: ReadStore,
    projections: readonly AnyProjection[],
    from: GlobalPosition,
    catchUp?: (after: GlobalPosition, until: GlobalPosition) => Promise<boolean>,
  ): Promise<GlobalPosition> {
    this.advanceTo(from);
    const until = await this.events.headPosition();
    const head =
      until > from && (await catchUp?.(from, until))
        ? until
        : await replay(this.events, store, projections, { after: from, until });
    this.advanceTo(head);
    this.subscribe(store, projections);
    return head;
  }

  /** Calls `listener` after each live batch is applied (not during the catch-up at start). */
  onApplied(listener: AppliedListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    await this.subscription?.close();
  }

  private subscribe(store: ReadStore, projections: readonly AnyProjection[]): void {
    this.subscription = this.events.subscribeToAllWithoutMetadata({
      after: this.position,
      onEvents: async (events) => {
        const after = this.position;
        await project(store, projections, events);
        this.advanceTo(events[events.length - 1].position);
        for (const listener of this.listeners) listener(events, after);
      },
      onError: (error) => {
        if (this.stopping) return;
        this.logger.error({ err: error, position: this.position }, 'applying the log failed; resubscribing');
        setTimeout(() => this.stopping || this.subscribe(store, projections), RESUBSCRIBE_DELAY_MS).unref();
      },
    });
  }
}
