import { createHash } from 'node:crypto';
import type { AnyProjection } from './project';

/**
 * Names what a set of projections builds, for read model snapshots: SHA-256 over each projection's
 * collection and indexes, the events it handles and settles on, its `version` and the source of its
 * functions. A snapshot written under another digest was folded by other rules and is not loaded.
 */
export const projectionsDigest = (projections: readonly AnyProjection[]): string =>
  createHash('sha256')
    .update(
      JSON.stringify(
        projections.map(({ collection, handles, documentId, evolve, settles, version = 0 }) => [
          collection.name,
          collection.indexes ?? {},
          handles,
          version,
          String(documentId),
          String(evolve),
          settles ? [settles.handles, String(settles.group)] : null,
        ]),
      ),
    )
    .digest('hex');
