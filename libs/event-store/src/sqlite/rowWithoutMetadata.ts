import type { RecordedEventWithoutMetadata } from '../eventStore';

/** The columns of a log read without metadata, in the order of `RowWithoutMetadata`. */
export const COLUMNS_WITHOUT_METADATA = 'position, id, stream_id, revision, type, data, occurred_at';

/** A row of the global log without metadata, as an array (raw mode), in the order the query selects. */
export type RowWithoutMetadata = [
  position: number,
  id: string,
  streamId: string,
  revision: number,
  type: string,
  data: string,
  occurredAt: string,
];

export const toRecordedWithoutMetadata = (row: RowWithoutMetadata): RecordedEventWithoutMetadata => ({
  id: row[1],
  type: row[4],
  streamId: row[2],
  revision: row[3],
  position: row[0],
  occurredAt: row[6],
  data: JSON.parse(row[5]),
});
