import { mongo } from 'mongoose';
import { staleWriteIndex } from './mongoReadStore';

/**
 * How a failed ordered bulk write is read, on errors shaped as the driver builds them: a duplicate key
 * (a stale upsert) is skipped, unless the same reply carries a write concern error.
 */
describe('staleWriteIndex', () => {
  const duplicateAt = (index: number) => ({ code: 11000, index, errmsg: 'E11000 duplicate key' });
  const bulkError = (writeErrors: unknown[], writeConcernError?: { code: number; errmsg: string }) =>
    new mongo.MongoBulkWriteError(
      { message: 'write failed', code: 11000, writeErrors: writeErrors as mongo.WriteError[] },
      { getWriteConcernError: () => writeConcernError } as unknown as mongo.BulkWriteResult,
    );

  it('names the stale upsert of a batch that hit a duplicate key', () => {
    expect(staleWriteIndex(bulkError([duplicateAt(3)]))).toBe(3);
  });

  it('is a failure when the same reply says the writes are not acknowledged by a majority', () => {
    const error = bulkError([duplicateAt(3)], { code: 64, errmsg: 'waiting for replication timed out' });
    expect(staleWriteIndex(error)).toBeUndefined();
  });

  it('is a failure for any other write error, and for errors that are not bulk write errors', () => {
    expect(staleWriteIndex(bulkError([{ code: 121, index: 0, errmsg: 'validation' }]))).toBeUndefined();
    expect(staleWriteIndex(new mongo.MongoNetworkError('reset'))).toBeUndefined();
  });
});
