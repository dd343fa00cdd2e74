import type { EventStore, GlobalPosition } from '@app/event-store';
import type { AnyIndexQuery, ReadModelSnapshots, SnapshotMark } from '@app/read-store';
import type { Logger } from '@nestjs/common';

type Log = Pick<EventStore, 'readAll' | 'headPosition'>;

/** The id of the log's event at `position`, undefined when no event is there. */
const eventIdAt = async (events: Log, position: GlobalPosition): Promise<string | undefined> => {
  if (position < 1) return undefined;
  const [event] = await events.readAll(position - 1, 1);
  return event?.position === position ? event.id : undefined;
};

/**
 * Why the log refutes a snapshot's mark, or undefined when it confirms it: a checkpoint past the head
 * or another event at the checkpoint is a snapshot of another log (or of this one before it was replaced).
 */
export const refuteMark = async (
  events: Log,
  { position, eventId }: SnapshotMark,
): Promise<string | undefined> => {
  const head = await events.headPosition();
  if (position > head)
    return `its checkpoint ${position} is past the log's head ${head}: a snapshot of another log`;
  const found = await eventIdAt(events, position);
  return found === eventId
    ? undefined
    : `the log's event at its checkpoint ${position} is ${found ?? 'missing'}, not ${eventId}: a snapshot of another log`;
};

/**
 * The embedded projector's read model snapshots: at boot, the snapshot is loaded when the log confirms
 * it, else the read models are replayed whole; then a new one is written (in the background, one at a
 * time) once `everyEvents` events were applied after the last, and a last one at shutdown.
 */
export class ReadModelSnapshotter {
  /** The checkpoint of the last snapshot loaded or written (or that failed to be: not retried at once). */
  private saved = 0;
  private writing?: Promise<void>;

  constructor(
    private readonly snapshots: ReadModelSnapshots,
    private readonly events: Log,
    private readonly everyEvents: number,
    private readonly logger: Pick<Logger, 'log' | 'warn'>,
  ) {}

  /** Loads the snapshot into the empty store: the position to replay from, and the groups to freeze again. */
  async restore(): Promise<{ from: GlobalPosition; frozen: AnyIndexQuery[] }> {
    const started = performance.now();
    const { path } = this.snapshots;
    const outcome = await this.snapshots.load((mark) => refuteMark(this.events, mark));
    if (!outcome.loaded) {
      this.logger.warn(
        { path, reason: outcome.reason },
        'read model snapshot not used; replaying the whole log',
      );
      return { from: 0, frozen: [] };
    }
    const { mark, documents, bytes, frozen } = outcome;
    this.saved = mark.position;
    this.logger.log(
      { path, position: mark.position, documents, bytes, ms: Math.round(performance.now() - started) },
      'read models loaded from their snapshot',
    );
    return { from: mark.position, frozen };
  }

  /** The read models reached `position` (between two batches): writes a snapshot when one is due. */
  applied(position: GlobalPosition): void {
    if (this.writing || position - this.saved < this.everyEvents) return;
    this.writing = this.write().finally(() => (this.writing = undefined));
  }

  /** Waits for a write under way, then writes the read models as they are if they moved since. */
  async close(): Promise<void> {
    await this.writing;
    await this.write();
  }

  private async write(): Promise<void> {
    const cut = this.snapshots.cut();
    if (cut.position <= this.saved) return;
    this.saved = cut.position;
    try {
      const eventId = await eventIdAt(this.events, cut.position);
      if (eventId === undefined) throw new Error(`the log has no event at ${cut.position}`);
      const written = await cut.write(eventId);
      this.logger.log(
        { path: this.snapshots.path, ...written, ms: Math.round(written.ms) },
        'read model snapshot written',
      );
    } catch (error) {
      this.logger.warn({ err: error, path: this.snapshots.path }, 'read model snapshot not written');
    }
  }
}
