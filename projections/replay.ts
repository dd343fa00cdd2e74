import type { EventStore, GlobalPosition } from '@app/event-store';
import type { ReadStore } from '@app/read-store';
import { type AnyProjection, project } from './project';

export type ReplayProgress = {
  /** Position of the last event applied so far. */
  position: GlobalPosition;
  /** Where this replay stops. */
  until: GlobalPosition;
  /** Events applied by this replay so far. */
  events: number;
};

export type ReplayOptions = {
  /** Replays events strictly after this position (0: the whole log). */
  after?: GlobalPosition;
  /** Stops after the event at this position; the log's head when the replay starts by default. */
  until?: GlobalPosition;
  /** Events read and applied per commit. */
  batchSize?: number;
  /** The checkpoint each commit moves; the embedded one by default. */
  checkpoint?: string;
  /** Called after every batch; a throw stops the replay there (the store keeps what was applied). */
  onProgress?: (progress: ReplayProgress) => void | Promise<void>;
};

const DEFAULT_BATCH = 1000;

/**
 * Reads the global log in batches and applies each to `store` with `project()`: the embedded mode's
 * catch-up at boot, the blue/green rebuild and the audit's replay check run it. It reads the log without
 * metadata: no read model uses it, and it is most of what reading and parsing the log costs. Returns the
 * position reached: the last event applied, or `after` when there was nothing to apply.
 *
 * Safe to overlap with live writers: every document keeps the stream revision it applied, so events a
 * projector already wrote are skipped, and a replay interrupted half-way can simply run again.
 */
export async function replay(
  events: Pick<EventStore, 'readAllWithoutMetadata' | 'headPosition'>,
  store: ReadStore,
  projections: readonly AnyProjection[],
  { after = 0, until, batchSize = DEFAULT_BATCH, checkpoint, onProgress }: ReplayOptions = {},
): Promise<GlobalPosition> {
  const stop = until ?? (await events.headPosition());
  let position = after;
  let applied = 0;
  while (position < stop) {
    const batch = (await events.readAllWithoutMetadata(position, batchSize)).filter(
      (event) => event.position <= stop,
    );
    if (batch.length === 0) break;
    await project(store, projections, batch, { checkpoint });
    position = batch[batch.length - 1].position;
    applied += batch.length;
    await onProgress?.({ position, until: stop, events: applied });
  }
  return position;
}
