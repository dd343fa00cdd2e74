import { eventHash } from './canonicalForm';

/** The two links an event's metadata carries: the hash of the event before it in its stream, and its own. */
export type ChainLinks = { previousHash: string; hash: string };

/**
 * Chains new events onto a stream whose last event's link is `previousHash` (GENESIS_HASH for an empty
 * stream): each event's hash covers its content, its revision and the hash before it. The links are
 * only right at `firstRevision`: appended at another revision, they must be computed again.
 */
export const chainEvents = (
  streamId: string,
  firstRevision: number,
  occurredAt: string,
  previousHash: string,
  events: readonly { type: string; data: unknown }[],
): ChainLinks[] => {
  let link = previousHash;
  return events.map(({ type, data }, index) => {
    const previous = link;
    link = eventHash({
      type,
      data,
      streamId,
      revision: firstRevision + index,
      occurredAt,
      previousHash: previous,
    });
    return { previousHash: previous, hash: link };
  });
};
