import { economy } from '@app/domain';
import { SqliteEventStore } from '@app/event-store/sqlite';
import {
  type AnyProjection,
  boardRanking,
  leaderboardEntryView,
  projectionsDigest,
  readModelCollections,
  readModels,
  replay,
  walletView,
} from '@app/projections';
import { MemoryReadStore, MemorySnapshotFile } from '@app/read-store/memory';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateLog } from '../../../../bench/support/logGenerator';
import { economyEvents, seededRandom } from '@test/support/randomEvents';
import { storedDocuments } from '@test/support/storedDocuments';
import { ProjectionService } from './projection.service';
import { ReadModelSnapshotter } from './readModelSnapshotter';

const BOARD = 'board-0';

/** What the snapshotter said on one boot. */
type Said = { level: 'log' | 'warn'; fields: Record<string, unknown>; message: string };

/** The embedded projector on `log` with a snapshot file at `path`, booted as the api boots it. */
async function boot(
  log: SqliteEventStore,
  path: string,
  projections: readonly AnyProjection[] = readModels,
  everyEvents = 1_000_000,
): Promise<{ store: MemoryReadStore; said: Said[]; service: ProjectionService }> {
  const store = new MemoryReadStore(readModelCollections);
  const said: Said[] = [];
  const logger = {
    log: (fields: Record<string, unknown>, message: string) => said.push({ level: 'log', fields, message }),
    warn: (fields: Record<string, unknown>, message: string) => said.push({ level: 'warn', fields, message }),
  };
  const snapshots = new ReadModelSnapshotter(
    new MemorySnapshotFile(store, path, projectionsDigest(projections)),
    log,
    everyEvents,
    logger as never,
  );
  const service = new ProjectionService(log, store, snapshots, null);
  await service.onApplicationBootstrap();
  return { store, said, service };
}

/** Why the boot replayed the whole log, or 'loaded' when it started from the snapshot. */
const outcome = (said: Said[]): string => {
  const first = said[0];
  return first.message === 'read models loaded from their snapshot' ? 'loaded' : String(first.fields.reason);
};

describe('read model snapshots', () => {
  const dir = mkdtempSync(join(tmpdir(), 'read-model-snapshots-'));
  const file = join(dir, 'events.db');
  const snapshot = join(dir, 'read-models.snapshot');
  let log: SqliteEventStore;
  let period: string;
  /** Every document of a full replay of the log as it is now. */
  const fullReplay = async () => {
    const store = new MemoryReadStore(readModelCollections);
    await replay(log, store, readModels);
    return storedDocuments(store);
  };
  const appendTail = async (playerId: string) => {
    const events = economyEvents(seededRandom(playerId.length), 40).map((event) => ({
      id: randomUUID(),
      type: event.type,
      data: { ...event.data, playerId },
      metadata: { schemaVersion: 1 },
      occurredAt: new Date(),
    }));
    await log.appendToStream(economy.playerEconomyStreamId(playerId), events, 'no_stream');
  };

  const closePeriod = async () => {
    const data = { leaderboardId: BOARD, period, cut: 3000, closedAt: new Date().toISOString() };
    const closed = { ...data, rewards: [], entries: 0, standingsHash: '', top: [] };
    await log.appendToStream(
      `leaderboardPeriod-${BOARD}.${period}`,
      [
        {
          id: randomUUID(),
          type: 'LeaderboardPeriodClosed',
          data: closed,
          metadata: { schemaVersion: 1 },
          occurredAt: new Date(),
        },
      ],
      'no_stream',
    );
  };
  /** A fresh snapshot of the log as it is now: a boot, then its shutdown, writes it. */
  const snapshotNow = async (path = snapshot) => {
    const { service } = await boot(log, path);
    await service.onApplicationShutdown();
  };

  beforeAll(async () => {
    await generateLog({ file, events: 3000, players: 40, chained: true });
    log = new SqliteEventStore(file, { synchronous: 'NORMAL' });
    const probe = new MemoryReadStore(readModelCollections);
    await replay(log, probe, readModels);
    for await (const entries of probe.documents(leaderboardEntryView.collection, 1000))
      period ??= entries.find((entry) => entry.leaderboardId === BOARD)?.period as string;
    // A period closed before the snapshot: its group is frozen, and must come back so.
    await closePeriod();
  }, 60_000);
  afterAll(async () => {
    await log.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('boots from the snapshot and the tail after it, with the documents of a full replay, byte for byte', async () => {
    const first = await boot(log, snapshot);
    expect(outcome(first.said)).toMatch(/no snapshot/);
    expect(first.store.isFrozen(boardRanking(BOARD, period))).toBe(true);
    await first.service.onApplicationShutdown();
    const checkpoint = await log.headPosition();
    await appendTail('tail-1');

    const second = await boot(log, snapshot);
    expect(outcome(second.said)).toBe('loaded');
    expect(second.said[0].fields.position).toBe(checkpoint);
    expect(await second.store.checkpoint()).toBe(await log.headPosition());
    const documents = await storedDocuments(second.store);
    expect(documents.some((line) => line.includes('tail-1'))).toBe(true);
    expect(documents).toEqual(await fullReplay());
    // The closed period is frozen again, and answers as the full replay's.
    const ranking = boardRanking(BOARD, period);
    while (!second.store.isFrozen(ranking)) await new Promise(setImmediate);
    const full = new MemoryReadStore(readModelCollections);
    await replay(log, full, readModels);
    expect(await second.store.slice(ranking, 0, 1000)).toEqual(await full.slice(ranking, 0, 1000));
    await second.service.onApplicationShutdown();
  });

  it('writes a snapshot while it follows the log, once enough events were applied after the last', async () => {
    await snapshotNow();
    const { service, said } = await boot(log, snapshot, readModels, 30);
    try {
      expect(outcome(said)).toBe('loaded');
      await appendTail('tail-2');
      const head = await log.headPosition();
      const written = () => said.find((line) => line.message === 'read model snapshot written');
      while (!written()) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(written()!.fields.position).toBe(head);
    } finally {
      await service.onApplicationShutdown();
    }
    const next = await boot(log, snapshot);
    await next.service.onApplicationShutdown();
    expect(outcome(next.said)).toBe('loaded');
    expect(next.said[0].fields.position).toBe(await log.headPosition());
  });

  describe('replays the whole log when the snapshot', () => {
    const damaged = join(dir, 'damaged.snapshot');
    beforeAll(() => snapshotNow());
    const bootOn = async (bytes: Buffer, projections?: readonly AnyProjection[]) => {
      writeFileSync(damaged, bytes);
      const { store, said, service } = await boot(log, damaged, projections);
      await service.onApplicationShutdown();
      expect(await storedDocuments(store)).toEqual(await fullReplay());
      return outcome(said);
    };

    it('is cut short, anywhere', async () => {
      const whole = readFileSync(snapshot);
      expect(await bootOn(whole.subarray(0, whole.length >> 1))).toMatch(/truncated/);
      expect(await bootOn(whole.subarray(0, whole.length - 30))).toMatch(/truncated|corrupt/);
      expect(await bootOn(whole.subarray(0, 100))).toMatch(/header/);
      expect(await bootOn(Buffer.alloc(0))).toMatch(/truncated/);
    });

    it('has a byte changed in a document', async () => {
      const bytes = readFileSync(snapshot);
      // A digit inside a document, changed to another digit: the file is still JSON lines, and wrong.
      let at = bytes.indexOf('"balances":{"');
      expect(at).toBeGreaterThan(0);
      while (bytes[at] < 0x30 || bytes[at] > 0x39) at++;
      bytes[at] = bytes[at] === 0x31 ? 0x32 : 0x31;
      expect(await bootOn(bytes)).toMatch(/checksum/);
    });

    it('has an unknown format version', async () => {
      const text = readFileSync(snapshot, 'utf8').replace('"version":1,', '"version":2,');
      expect(await bootOn(Buffer.from(text))).toMatch(/format version 2/);
    });

    it('was written by another projection (a changed evolve)', async () => {
      const changed = readModels.map((projection): AnyProjection =>
        projection === (walletView as unknown as AnyProjection)
          ? { ...projection, evolve: (doc, event) => projection.evolve(doc, event) }
          : projection,
      );
      expect(await bootOn(readFileSync(snapshot), changed)).toMatch(/other projections/);
      const bumped = readModels.map((projection) => ({ ...projection, version: 2 }));
      expect(await bootOn(readFileSync(snapshot), bumped)).toMatch(/other projections/);
    });

    it('is of another log: past its head, or another event at its checkpoint', async () => {
      const other = join(dir, 'other');
      mkdirSync(other);
      await generateLog({ file: join(other, 'events.db'), events: 5000, players: 40 });
      const otherLog = new SqliteEventStore(join(other, 'events.db'), { synchronous: 'NORMAL' });
      try {
        await snapshotOf(otherLog, join(other, 'longer.snapshot'));
        expect(await bootOn(readFileSync(join(other, 'longer.snapshot')))).toMatch(/past the log's head/);
        await snapshotOf(otherLog, join(other, 'shorter.snapshot'), 2000);
        expect(await bootOn(readFileSync(join(other, 'shorter.snapshot')))).toMatch(
          /event at its checkpoint 2000/,
        );
      } finally {
        await otherLog.close();
      }
    });
  });

  it('keeps the previous snapshot usable when its writer is killed while writing the next', async () => {
    await snapshotNow();
    const before = readFileSync(snapshot);
    const writer = spawn(
      process.execPath,
      [
        '-r',
        '@swc-node/register',
        join(__dirname, '../../../../test/support/snapshotWriter.ts'),
        file,
        snapshot,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      // The writer says when it starts writing; it writes the same snapshot again and again.
      await new Promise<void>((resolve, reject) => {
        writer.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('writing') && resolve());
        writer.on('exit', (code) => reject(new Error(`the writer exited (${code})`)));
      });
      const temporaries = () =>
        readdirSync(dir).filter((name) => name.startsWith('read-models.snapshot.') && name.endsWith('.tmp'));
      const writing = () => temporaries().some((name) => statSync(join(dir, name)).size > 0);
      while (!writing()) await new Promise((r) => setTimeout(r, 1));
    } finally {
      writer.kill('SIGKILL');
    }
    await new Promise((resolve) => writer.once('exit', resolve));
    // A partial temporary file is left behind; the snapshot is whole (the previous one or a complete next).
    const [left] = readdirSync(dir).filter(
      (name) => name.startsWith('read-models.snapshot.') && name.endsWith('.tmp'),
    );
    expect(left).toBeDefined();
    expect(readFileSync(snapshot).length).toBe(before.length);
    // Left long enough to be known abandoned, the next load removes it.
    const longAgo = new Date(Date.now() - 3_600_000);
    utimesSync(join(dir, left), longAgo, longAgo);
    const { store, said, service } = await boot(log, snapshot);
    await service.onApplicationShutdown();
    expect(outcome(said)).toBe('loaded');
    expect(await storedDocuments(store)).toEqual(await fullReplay());
    expect(existsSync(join(dir, left))).toBe(false);
  });
});

/** The read models of `log` up to `until` (its head by default), written as a snapshot to `path`. */
async function snapshotOf(log: SqliteEventStore, path: string, until?: number): Promise<void> {
  const store = new MemoryReadStore(readModelCollections);
  const position = await replay(log, store, readModels, { until });
  const [event] = await log.readAll(position - 1, 1);
  await new MemorySnapshotFile(store, path, projectionsDigest(readModels)).cut().write(event.id);
}
