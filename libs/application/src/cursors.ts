import { InvalidRequestError } from './errors';

/**
 * An opaque keyset cursor: the sort key of the last item of a page, as base64url JSON. The one place each
 * kind of cursor is written and read; a cursor the API did not issue is refused, naming the field.
 */
export type Cursor<Key> = {
  encode(key: Key): string;
  /** The key, undefined without a cursor; InvalidRequestError (field `cursor`) for one not issued here. */
  decode(cursor: string | undefined): Key | undefined;
};

const keysetCursor = <Key>(isKey: (value: unknown) => value is Key): Cursor<Key> => ({
  encode: (key) => Buffer.from(JSON.stringify(key)).toString('base64url'),
  decode: (cursor) => {
    if (cursor === undefined) return undefined;
    try {
      const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
      if (isKey(value)) return value;
    } catch {
      // not JSON: refused below
    }
    throw InvalidRequestError.of('cursor', 'cursor is not one this API issued');
  },
});

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null;
const isRevision = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;

/** After a stream revision: a player's ledger, a player's history. */
export const revisionCursor = keysetCursor(
  (value): value is { r: number } => isRecord(value) && isRevision(value.r),
);

/** After an id: a catalog sku, a leaderboard id. */
export const idCursor = keysetCursor(
  (value): value is { s: string } => isRecord(value) && typeof value.s === 'string',
);

/** After a leaderboard entry: score, subscore, when it was achieved, and the player (the board order). */
export type RankCursorKey = { s: number; u: number; a: string; p: string };
export const rankCursor = keysetCursor(
  (value): value is RankCursorKey =>
    isRecord(value) &&
    Number.isSafeInteger(value.s) &&
    Number.isSafeInteger(value.u) &&
    typeof value.a === 'string' &&
    typeof value.p === 'string',
);
