import type { Command, Decider, DomainEvent, StateSnapshots } from '../shared/decider';
import { DomainError } from '../shared/errors';

/** The one stream anchors are written to: its events seal the global log, range after range. */
export const AUDIT_STREAM_ID = 'audit';

/** What every anchor chain starts from: 64 zeros (also the previousHash of a stream's first event). */
export const GENESIS_DIGEST = '0'.repeat(64);

/**
 * An anchor seals the global log's events in (fromPosition, position]: `digest` chains the previous
 * anchor's digest with every event hash of the range in global order, and `streamHeads` names the last
 * revision each stream had in the range, so a stream whose tail was cut later is named by the verifier.
 */
export type LogAnchorData = Readonly<{
  fromPosition: number;
  position: number;
  eventCount: number;
  previousDigest: string;
  digest: string;
  streamHeads: Readonly<Record<string, number>>;
}>;

export type LogAnchored = DomainEvent<'LogAnchored', LogAnchorData>;
export type AuditEvent = LogAnchored;

export type AnchorLog = Command<'AnchorLog', LogAnchorData>;
export type AuditCommand = AnchorLog;

/** The last anchor written: where the next one starts. */
export type LogAnchors = Readonly<{ position: number; digest: string; anchors: number }>;

export const initialState = (): LogAnchors => ({ position: 0, digest: GENESIS_DIGEST, anchors: 0 });

export const evolve = (state: LogAnchors, event: AuditEvent): LogAnchors => {
  switch (event.type) {
    case 'LogAnchored':
      return { position: event.data.position, digest: event.data.digest, anchors: state.anchors + 1 };
    default:
      return state;
  }
};

const HEX_DIGEST = /^[0-9a-f]{64}$/;

export const anchorLog = (command: AnchorLog, state: LogAnchors): AuditEvent[] => {
  const anchor = command.data;
  if (!Number.isSafeInteger(anchor.position) || anchor.position <= anchor.fromPosition) {
    throw new DomainError('invalid-input', 'position must come after fromPosition', 'position');
  }
  if (!Number.isSafeInteger(anchor.eventCount) || anchor.eventCount < 1) {
    throw new DomainError('invalid-input', 'an anchor seals at least one event', 'eventCount');
  }
  if (!HEX_DIGEST.test(anchor.digest)) {
    throw new DomainError('invalid-input', 'digest must be 64 lowercase hex digits', 'digest');
  }
  // Another instance anchored this range first: its anchor stands, ours is moot.
  if (anchor.fromPosition !== state.position || anchor.previousDigest !== state.digest) return [];
  return [{ type: 'LogAnchored', data: anchor }];
};

/** Bump the version whenever evolve or LogAnchors changes: snapshots of the old fold are ignored. */
export const logAnchorsSnapshots: StateSnapshots<LogAnchors> = { version: 1 };

export const logAnchorsDecider: Decider<LogAnchors, AuditCommand, AuditEvent> = {
  initialState,
  evolve,
  snapshots: logAnchorsSnapshots,
  decide: (command, state) => {
    switch (command.type) {
      case 'AnchorLog':
        return anchorLog(command, state);
    }
  },
};
