import type { StreamRevision } from './eventStore';

/**
 * A stream's state folded up to a revision, kept beside the log so that a process meeting the stream for
 * the first time folds only the events after it. Never the truth: the log is; a snapshot that is missing,
 * stale or damaged costs a longer fold, never a wrong state (the application checks it before use).
 */
export type StreamSnapshot = {
  streamId: string;
  /** The version of the fold that wrote it (the decider's): a load asks for its own and sees no other. */
  version: number;
  /** The revision of the last event folded into it. */
  revision: StreamRevision;
  /** What the application stored (state, chain link, checksum): opaque to the store. */
  payload: string;
};

/** The snapshot port: one snapshot per stream and version, the latest revision written. */
export interface SnapshotStore {
  /** The snapshot of `streamId` written by fold version `version`, if one is kept. */
  loadSnapshot(streamId: string, version: number): Promise<StreamSnapshot | undefined>;
  /**
   * Keeps `snapshot` unless the store already keeps one of the same stream and version at the same or a
   * later revision: a slow writer never replaces a newer snapshot. Not durable on return: losing one
   * costs a longer fold, so the store may write it with whatever it writes next.
   */
  saveSnapshot(snapshot: StreamSnapshot): Promise<void>;
}
