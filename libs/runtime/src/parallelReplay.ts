import type { GlobalPosition } from '@app/event-store';
import { SqliteLogReader } from '@app/event-store/sqlite';
import { type AnyProjection, eventTypesReadBy, replay } from '@app/projections';
import type { AnyIndexQuery, DocumentWrite, ReadModelDocument } from '@app/read-store';
import type { MemoryReadStore } from '@app/read-store/memory';
import type { LoggerService } from '@nestjs/common';
import { extname, join } from 'node:path';
import { Worker } from 'node:worker_threads';

/** What the replay worker builds: the read models of `readModels` named by `collections`, over (after, until]. */
export type ReplayWorkerData = {
  file: string;
  collections: string[];
  after: GlobalPosition;
  until: GlobalPosition;
  batchSize: number;
};

/** What it hands back: every document of its read models, and the groups its events settled (to freeze). */
export type ReplayWorkerResult = {
  collections: { name: string; documents: ReadModelDocument[] }[];
  settled: AnyIndexQuery[];
};

/**
 * The read model that stays on the main thread: the ledger holds a document per economy event (most of
 * the documents of a replay), and handing that many to the main thread would cost about what building
 * them does. The others hold a document per player, board or item: few to hand over.
 */
const ON_MAIN_THREAD = 'ledger';

/**
 * The projections the main thread builds: the ledger and every one reading an event type it reads, so
 * that each event is read and parsed by one thread only. The worker builds the others.
 */
const mainThreadShare = (projections: readonly AnyProjection[]): AnyProjection[] => {
  const ledgerTypes = new Set(
    eventTypesReadBy(projections.filter((p) => p.collection.name === ON_MAIN_THREAD)),
  );
  return projections.filter((p) => eventTypesReadBy([p]).some((type) => ledgerTypes.has(type)));
};

const BATCH_SIZE = 1000;

const WORKER_FILE = join(__dirname, `replayWorker${extname(__filename)}`);

/** The worker, from its compiled file, or from source (tests, benchmarks) through the TypeScript loader. */
const startWorker = (workerData: ReplayWorkerData): Worker =>
  extname(WORKER_FILE) === '.ts'
    ? new Worker(
        `if (!require.extensions['.ts']) require('@swc-node/register');\nrequire(${JSON.stringify(WORKER_FILE)});`,
        { eval: true, workerData },
      )
    : new Worker(WORKER_FILE, { workerData });

/**
 * A boot's replay of the whole SQLite log into empty in-memory read models, on two cores: the main thread
 * builds the ledger and the read models of the same events, while a worker thread opens the log
 * read-only and builds the others; each reads only the event types its read models read. The worker
 * then hands its documents over, stored in one commit with the checkpoint. Every read model is built by the same `replay` and
 * `project` as on one thread, so the documents are the same.
 *
 * If anything fails, the store is emptied again and `replay` answers undefined: the caller replays on
 * the main thread as it would without this, so a boot never serves part of the read models.
 */
export class ParallelReplay {
  constructor(
    private readonly file: string,
    private readonly store: MemoryReadStore,
    private readonly projections: readonly AnyProjection[],
    private readonly minEvents: number,
    private readonly logger: Pick<LoggerService, 'log' | 'error'>,
  ) {}

  /**
   * Applies the log's events in (after, until] to the store, if it is empty (`after` 0) and that is at
   * least `minEvents` events; answers the groups to freeze, or undefined when it applied nothing.
   */
  async replay(
    after: GlobalPosition,
    until: GlobalPosition,
  ): Promise<{ settled: AnyIndexQuery[] } | undefined> {
    if (after !== 0 || until - after < this.minEvents) return undefined;
    const started = performance.now();
    const here = mainThreadShare(this.projections);
    const there = this.projections.filter((p) => !here.includes(p));
    const worker = startWorker({
      file: this.file,
      collections: there.map((p) => p.collection.name),
      after,
      until,
      batchSize: BATCH_SIZE,
    });
    const handedOver = new Promise<ReplayWorkerResult>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
      worker.once('exit', (code) =>
        reject(new Error(`the replay worker exited (code ${code}) before handing its read models over`)),
      );
    });
    let failed: unknown;
    handedOver.catch((error: unknown) => (failed ??= error));
    try {
      const reader = new SqliteLogReader(this.file, eventTypesReadBy(here));
      try {
        await replay(reader, this.store, here, {
          after,
          until,
          batchSize: BATCH_SIZE,
          // Stops at once when the worker failed: the whole replay runs again on this thread.
          onProgress: () => {
            if (failed) throw failed;
          },
        });
      } finally {
        reader.close();
      }
      const { collections, settled } = await handedOver;
      const writes: DocumentWrite[] = [];
      for (const { name, documents } of collections)
        for (const doc of documents) writes.push({ collection: name, id: doc._id, doc });
      await this.store.commit(writes, until);
      this.logger.log(
        { events: until - after, handedOver: writes.length, ms: Math.round(performance.now() - started) },
        'read models replayed on two threads',
      );
      return { settled };
    } catch (error) {
      this.logger.error({ err: error }, 'the parallel replay failed; replaying on the main thread');
      this.store.reset();
      return undefined;
    } finally {
      await worker.terminate();
    }
  }
}
