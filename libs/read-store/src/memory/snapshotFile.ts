import { createHash, randomUUID } from 'node:crypto';
import { type FileHandle, open, readdir, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import type {
  ReadModelCut,
  ReadModelSnapshots,
  SnapshotLoad,
  SnapshotMark,
  SnapshotWritten,
} from '../readModelSnapshots';
import type { AnyIndexQuery, DocumentWrite, ReadModelDocument } from '../readStore';
import type { MemoryCut, MemoryReadStore } from './memoryReadStore';

/** Bump when the file's layout changes: a file of another version is ignored. */
export const SNAPSHOT_FORMAT_VERSION = 1;
const FORMAT = 'read-model-snapshot';

/** Characters serialized before each write to the file (and each yield to the event loop). */
const WRITE_CHUNK = 1 << 16;
/** Bytes read at once while loading. */
const READ_CHUNK = 1 << 16;
/** Documents committed to the store at once while loading. */
const LOAD_BATCH = 200;
/**
 * A temporary file untouched this long is left by a writer that died (a live one writes a chunk every few
 * milliseconds): the next load removes it.
 */
const ABANDONED_MS = 60_000;
/** The trailer: the SHA-256 of every byte before it, in hex, and a newline. */
const TRAILER_LENGTH = 65;

type Header = {
  format: string;
  version: number;
  digest: string;
  position: number;
  eventId: string;
  collections: number;
};
type Section = { collection: string; documents: number; frozen: Omit<AnyIndexQuery, 'collection'>[] };

/**
 * The memory store's snapshot in one file, JSON lines:
 *
 *   {"format":"read-model-snapshot","version":1,"digest":…,"position":…,"eventId":…,"collections":n}
 *   {"collection":"wallets","documents":k,"frozen":[{"index":…,"group":{…}}]}   one line per collection,
 *   {document}                                                                  then its k documents
 *   {"end":total}
 *   <sha256 of every byte above, hex>
 *
 * `digest` names the projections that built the documents (a changed one refuses the file). It is written
 * streaming, chunk by chunk, to a temporary file that is fsynced and renamed over the previous snapshot:
 * a crash leaves either snapshot whole (and a temporary file the next load removes). A load checks the header before reading on, and the checksum and
 * every count at the end; on any fault the store is emptied again.
 */
export class MemorySnapshotFile implements ReadModelSnapshots {
  constructor(
    private readonly store: MemoryReadStore,
    readonly path: string,
    private readonly digest: string,
  ) {}

  cut(): ReadModelCut {
    const started = performance.now();
    const cut = this.store.cut();
    const cutMs = performance.now() - started;
    return {
      position: cut.position,
      write: (eventId) => this.write(cut, eventId, started, cutMs),
    };
  }

  async load(verify: (mark: SnapshotMark) => Promise<string | undefined>): Promise<SnapshotLoad> {
    await this.removeAbandoned();
    let file: FileHandle;
    try {
      file = await open(this.path, 'r');
    } catch (error) {
      return { loaded: false, reason: `no snapshot to read (${(error as NodeJS.ErrnoException).code})` };
    }
    try {
      const outcome = await this.read(file, verify);
      if (!outcome.loaded) this.store.reset();
      return outcome;
    } catch (error) {
      this.store.reset();
      return { loaded: false, reason: `unreadable: ${(error as Error).message}` };
    } finally {
      await file.close();
    }
  }

  /** Removes the temporary files of writers killed while writing (a crash, a shutdown cut short). */
  private async removeAbandoned(): Promise<void> {
    const directory = dirname(this.path);
    const prefix = `${basename(this.path)}.`;
    const names = await readdir(directory).catch(() => [] as string[]);
    for (const name of names) {
      if (!name.startsWith(prefix) || !name.endsWith('.tmp')) continue;
      const path = join(directory, name);
      const modified = await stat(path).then(
        ({ mtimeMs }) => mtimeMs,
        () => undefined,
      );
      if (modified !== undefined && Date.now() - modified > ABANDONED_MS)
        await unlink(path).catch(() => undefined);
    }
  }

  private async read(
    file: FileHandle,
    verify: (mark: SnapshotMark) => Promise<string | undefined>,
  ): Promise<SnapshotLoad> {
    const { size } = await file.stat();
    if (size < TRAILER_LENGTH) return { loaded: false, reason: 'truncated: shorter than its trailer' };
    const checked = size - TRAILER_LENGTH;
    const hash = createHash('sha256');
    const decoder = new StringDecoder('utf8');
    const buffer = Buffer.allocUnsafe(READ_CHUNK);
    const lines = new LineReader();
    let offset = 0;
    const nextLine = async (): Promise<string | undefined> => {
      for (;;) {
        const line = lines.next();
        if (line !== undefined || offset >= size) return line ?? lines.rest(decoder.end());
        const { bytesRead } = await file.read(buffer, 0, READ_CHUNK, offset);
        if (bytesRead === 0) return lines.rest(decoder.end());
        const chunk = buffer.subarray(0, bytesRead);
        if (offset < checked) hash.update(chunk.subarray(0, Math.min(bytesRead, checked - offset)));
        offset += bytesRead;
        lines.push(decoder.write(chunk));
      }
    };

    // 1. The header: the format, the projections, and the mark the caller checks against the log.
    const header = parse(await nextLine());
    if (!isHeader(header))
      return { loaded: false, reason: 'not a read model snapshot, or its header is damaged' };
    if (header.version !== SNAPSHOT_FORMAT_VERSION)
      return {
        loaded: false,
        reason: `format version ${header.version}, expected ${SNAPSHOT_FORMAT_VERSION}`,
      };
    if (header.digest !== this.digest)
      return { loaded: false, reason: 'written by other projections (their digest differs)' };
    const mark = { position: header.position, eventId: header.eventId };
    const refused = await verify(mark);
    if (refused !== undefined) return { loaded: false, reason: refused };

    // 2. Each collection's documents, committed in batches.
    const frozen: AnyIndexQuery[] = [];
    let documents = 0;
    for (let c = 0; c < header.collections; c++) {
      const section = parse(await nextLine());
      if (!isSection(section))
        return { loaded: false, reason: 'truncated or corrupt: a collection header is missing or damaged' };
      const name = section.collection;
      for (const { index, group } of section.frozen) frozen.push({ collection: { name }, index, group });
      let batch: string[] = [];
      const commit = async () => {
        const docs = JSON.parse(`[${batch.join(',')}]`) as ReadModelDocument[];
        batch = [];
        const writes = docs.map((doc): DocumentWrite => ({ collection: name, id: doc._id, doc }));
        await this.store.commit(writes, 0);
      };
      for (let d = 0; d < section.documents; d++) {
        const line = await nextLine();
        if (line === undefined) return { loaded: false, reason: 'truncated: documents are missing' };
        if (batch.push(line) === LOAD_BATCH) await commit();
      }
      if (batch.length > 0) await commit();
      documents += section.documents;
    }

    // 3. The end and the checksum: only now are the documents known to be the ones written.
    const end = parse(await nextLine());
    if (end?.end !== documents)
      return { loaded: false, reason: 'truncated or corrupt: no end after the documents' };
    const trailer = await nextLine();
    if (offset !== size || trailer === undefined || (await nextLine()) !== undefined)
      return { loaded: false, reason: 'corrupt: bytes after the end' };
    if (trailer !== hash.digest('hex'))
      return { loaded: false, reason: 'corrupt: the checksum does not match' };
    await this.store.commit([], mark.position);
    return { loaded: true, mark, documents, bytes: size, frozen };
  }

  private async write(
    cut: MemoryCut,
    eventId: string,
    started: number,
    cutMs: number,
  ): Promise<SnapshotWritten> {
    // Unique to this write: apis sharing a data directory (each may be pid 1 in its container) never share one.
    const temporary = `${this.path}.${randomUUID()}.tmp`;
    const file = await open(temporary, 'w');
    const hash = createHash('sha256');
    let bytes = 0;
    let longestStepMs = cutMs;
    let documents = 0;
    let parts: string[] = [];
    let length = 0;
    let stepStarted = performance.now();
    const flush = async () => {
      const chunk = parts.join('');
      parts = [];
      length = 0;
      hash.update(chunk);
      // What ran since the last write returned held the event loop; the write itself does not.
      longestStepMs = Math.max(longestStepMs, performance.now() - stepStarted);
      const { bytesWritten } = await file.write(chunk);
      bytes += bytesWritten;
      stepStarted = performance.now();
    };
    /** Adds a line; true when a chunk is full and due to be written. */
    const line = (json: string): boolean => {
      parts.push(json, '\n');
      length += json.length + 1;
      return length >= WRITE_CHUNK;
    };
    try {
      const header: Header = {
        format: FORMAT,
        version: SNAPSHOT_FORMAT_VERSION,
        digest: this.digest,
        position: cut.position,
        eventId,
        collections: cut.collections.length,
      };
      line(JSON.stringify(header));
      for (const { name, documents: live, frozen } of cut.collections) {
        const count = live.length + frozen.reduce((sum, { rows }) => sum + rows.size, 0);
        const section: Section = {
          collection: name,
          documents: count,
          frozen: frozen.map(({ index, group }) => ({ index, group })),
        };
        line(JSON.stringify(section));
        for (const doc of live) if (line(JSON.stringify(doc))) await flush();
        for (const { rows } of frozen)
          for (let row = 0; row < rows.size; row++) if (line(JSON.stringify(rows.at(row)))) await flush();
        documents += count;
      }
      line(JSON.stringify({ end: documents }));
      await flush();
      const { bytesWritten } = await file.write(`${hash.digest('hex')}\n`);
      bytes += bytesWritten;
      await file.sync();
      await file.close();
      await rename(temporary, this.path);
      await syncDirectory(dirname(this.path));
    } catch (error) {
      await file.close().catch(() => undefined);
      await unlink(temporary).catch(() => undefined);
      throw new Error(
        `writing the read model snapshot ${basename(this.path)} failed: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
    return {
      position: cut.position,
      documents,
      bytes,
      ms: performance.now() - started,
      cutMs,
      longestStepMs,
    };
  }
}

/** Makes a rename in `directory` durable. */
const syncDirectory = async (directory: string): Promise<void> => {
  const handle = await open(directory, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
};

/** The JSON object on one line, or undefined when the line is missing or holds no JSON object. */
const parse = (line: string | undefined): Record<string, unknown> | undefined => {
  if (line === undefined) return undefined;
  try {
    const value = JSON.parse(line) as unknown;
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
};

const isCount = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;

const isHeader = (line: Record<string, unknown> | undefined): line is Header =>
  line?.format === FORMAT &&
  typeof line.version === 'number' &&
  typeof line.digest === 'string' &&
  isCount(line.position) &&
  typeof line.eventId === 'string' &&
  isCount(line.collections);

const isSection = (line: Record<string, unknown> | undefined): line is Section =>
  typeof line?.collection === 'string' &&
  isCount(line.documents) &&
  Array.isArray(line.frozen) &&
  line.frozen.every(
    (group: Record<string, unknown> | null) =>
      typeof group?.index === 'string' && typeof group.group === 'object' && group.group !== null,
  );

/** Splits decoded text into lines; JSON escapes every newline inside a string, so each one ends a line. */
class LineReader {
  private text = '';
  private at = 0;

  push(text: string): void {
    this.text = this.text.slice(this.at) + text;
    this.at = 0;
  }

  next(): string | undefined {
    const end = this.text.indexOf('\n', this.at);
    if (end < 0) return undefined;
    const line = this.text.slice(this.at, end);
    this.at = end + 1;
    return line;
  }

  /** What is left once the input has ended: a last line without its newline, if any. */
  rest(tail: string): string | undefined {
    this.push(tail);
    const line = this.next();
    if (line !== undefined) return line;
    const rest = this.text.slice(this.at);
    this.text = '';
    this.at = 0;
    return rest.length > 0 ? rest : undefined;
  }
}
