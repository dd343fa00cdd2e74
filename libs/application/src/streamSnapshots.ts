import type { StateSnapshots } from '@app/domain';
import type { SnapshotStore, StreamSnapshot } from '@app/event-store';
import { createHash } from 'node:crypto';
import type { StreamState } from './streamStateCache';

/** Where and how often StreamStateCache snapshots the streams whose deciders allow it. */
export type SnapshotPolicy = {
  store: SnapshotStore;
  /** A stream is snapshotted once this many events followed its last snapshot (or its start). */
  everyEvents: number;
  /** Told when a snapshot could not be used or written: the stream is then folded from its start. */
  logger: { warn(message: object, context?: string): void };
};

const DIGEST_LENGTH = 64;

/** SHA-256 over the snapshot's key and body: a body damaged, cut short or moved to another row fails it. */
const checksum = (streamId: string, version: number, revision: number, body: string): string =>
  createHash('sha256').update(`${streamId}\u0000${version}\u0000${revision}\u0000${body}`).digest('hex');

/**
 * A stream's state as a snapshot: the payload is the checksum, a space, and the JSON of the state (as the
 * decider converts it) with the position and chain link of the stream's last event.
 */
export const encodeSnapshot = <State>(
  streamId: string,
  schema: StateSnapshots<State>,
  at: StreamState<State>,
): StreamSnapshot => {
  const state = schema.toJson ? schema.toJson(at.state) : at.state;
  const body = JSON.stringify({ position: at.position, lastHash: at.lastHash, state });
  const { version } = schema;
  return {
    streamId,
    version,
    revision: at.revision,
    payload: `${checksum(streamId, version, at.revision, body)} ${body}`,
  };
};

/** The stream state a snapshot holds; undefined when it is damaged (its checksum or its JSON fails). */
export const decodeSnapshot = <State>(
  { streamId, version, revision, payload }: StreamSnapshot,
  schema: StateSnapshots<State>,
): StreamState<State> | undefined => {
  const body = payload.slice(DIGEST_LENGTH + 1);
  if (
    version !== schema.version ||
    payload[DIGEST_LENGTH] !== ' ' ||
    payload.slice(0, DIGEST_LENGTH) !== checksum(streamId, version, revision, body)
  ) {
    return undefined;
  }
  try {
    const { position, lastHash, state } = JSON.parse(body) as Omit<StreamState<unknown>, 'revision'>;
    return {
      state: schema.fromJson ? schema.fromJson(state) : (state as State),
      revision,
      position,
      lastHash,
    };
  } catch {
    return undefined;
  }
};
