import type { AnyIndexQuery } from './readStore';

/** Where a snapshot stands in the log: its checkpoint, and the id of the event there (one log from another). */
export type SnapshotMark = { position: number; eventId: string };

export type SnapshotLoad =
  | {
      loaded: true;
      mark: SnapshotMark;
      documents: number;
      bytes: number;
      /** The groups that were frozen when the snapshot was taken: the caller may freeze them again. */
      frozen: AnyIndexQuery[];
    }
  | { loaded: false; reason: string };

export type SnapshotWritten = {
  position: number;
  documents: number;
  bytes: number;
  /** From the cut to the file renamed into place. */
  ms: number;
  /** Taking the cut: the event loop is held meanwhile. */
  cutMs: number;
  /** The longest the writer held the event loop at once (the cut, or one chunk's serialization). */
  longestStepMs: number;
};

/** The read models at one moment, to be written (`ReadModelSnapshots.cut`). */
export type ReadModelCut = {
  position: number;
  /** Writes the cut with the id of the log's event at its position; the previous file stays until it is done. */
  write(eventId: string): Promise<SnapshotWritten>;
};

/**
 * The embedded read models kept on disk with their checkpoint, so a boot loads them and applies only the
 * log after it. Never the truth: the log is. A snapshot that is missing, damaged, written by other
 * projections or for another log costs a full replay, never a wrong state.
 */
export interface ReadModelSnapshots {
  /** The snapshot file, for logs. */
  readonly path: string;
  /**
   * Fills the empty store from the snapshot when its format, its projections and its checksum hold and
   * `verify` finds no fault with its mark (it answers why not, or undefined). Otherwise the store is left
   * empty and the reason is returned.
   */
  load(verify: (mark: SnapshotMark) => Promise<string | undefined>): Promise<SnapshotLoad>;
  /** The store's documents and checkpoint as they are now, taken at once; the store may go on meanwhile. */
  cut(): ReadModelCut;
}
