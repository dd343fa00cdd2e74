import Database from 'better-sqlite3';
import type { EventStore, GlobalPosition, RecordedEventWithoutMetadata } from '../eventStore';
import {
  COLUMNS_WITHOUT_METADATA,
  type RowWithoutMetadata,
  toRecordedWithoutMetadata,
} from './rowWithoutMetadata';

/**
 * The SQLite log read on a read-only connection of its own, without metadata and only the events of
 * `types`: a replay of the read models that handle those types (each thread of a parallel replay opens
 * one). SQLite skips the other rows before any of their columns becomes a JavaScript string.
 */
export class SqliteLogReader implements Pick<EventStore, 'readAllWithoutMetadata' | 'headPosition'> {
  private readonly db: Database.Database;
  private readonly statements;
  /** The types as a JSON array, the one parameter `json_each` reads. */
  private readonly types: string;

  constructor(file: string, types: readonly string[]) {
    this.db = new Database(file, { readonly: true, fileMustExist: true });
    this.statements = {
      read: this.db
        .prepare<[number, string, number], RowWithoutMetadata>(
          `SELECT ${COLUMNS_WITHOUT_METADATA} FROM events
           WHERE position > ? AND type IN (SELECT value FROM json_each(?)) ORDER BY position LIMIT ?`,
        )
        .raw(true),
      head: this.db.prepare<[], { position: number | null }>('SELECT MAX(position) AS position FROM events'),
    };
    this.types = JSON.stringify(types);
  }

  async readAllWithoutMetadata(
    after: GlobalPosition,
    limit: number,
  ): Promise<RecordedEventWithoutMetadata[]> {
    return this.statements.read.all(after, this.types, limit).map(toRecordedWithoutMetadata);
  }

  async headPosition(): Promise<GlobalPosition> {
    return this.statements.head.get()?.position ?? 0;
  }

  close(): void {
    this.db.close();
  }
}
