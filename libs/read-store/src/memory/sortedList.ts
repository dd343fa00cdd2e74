/**
 * A sorted list of chunks (as Python's sortedcontainers does): insert and remove move at most one chunk,
 * rank and access-by-rank walk the chunk lengths. At a million entries that is ~700 chunks: a rank
 * costs microseconds and no rebalancing tree is needed.
 *
 * Each chunk holds between 1 and 2 * CHUNK items; a chunk that outgrows that is split in two halves.
 * Items are stored as they are (one pointer each), so the list adds ~10 bytes per item.
 */
const CHUNK = 1024;

export class SortedList<T> {
  private chunks: T[][] = [];
  private length = 0;
  /** Which chunk the last `locate` looked in (saves an allocation per lookup). */
  private foundChunk = 0;

  constructor(private readonly compare: (a: T, b: T) => number) {}

  get size(): number {
    return this.length;
  }

  insert(item: T): void {
    this.length += 1;
    const chunks = this.chunks;
    if (chunks.length === 0) {
      chunks.push([item]);
      return;
    }
    // Appending (a ledger's next revision, a new worst score) needs no search.
    const last = chunks[chunks.length - 1];
    if (this.compare(last[last.length - 1], item) < 0) {
      last.push(item);
      if (last.length > 2 * CHUNK) this.split(chunks.length - 1);
      return;
    }
    const c = this.chunkFor(item);
    const chunk = chunks[c];
    chunk.splice(this.bisect(chunk, item, false, this.compare), 0, item);
    if (chunk.length > 2 * CHUNK) this.split(c);
  }

  /** Removes the item equal (compare === 0) to `item`; false when absent. */
  remove(item: T): boolean {
    const found = this.locate(item);
    if (found < 0) return false;
    this.removeAt(this.foundChunk, found);
    return true;
  }

  /**
   * Replaces the item equal to `previous` with `next`, which may sort elsewhere. When `next` sorts
   * between the same neighbours (an unchanged or slightly changed key) it takes `previous`'s slot
   * without moving anything. False (and nothing changed) when `previous` is absent.
   */
  replace(previous: T, next: T): boolean {
    const index = this.locate(previous);
    if (index < 0) return false;
    const c = this.foundChunk;
    const chunk = this.chunks[c];
    const fitsAfterBefore =
      index > 0
        ? this.compare(chunk[index - 1], next) < 0
        : c === 0 || this.compare(this.lastOf(c - 1), next) < 0;
    const fitsBeforeAfter =
      index + 1 < chunk.length
        ? this.compare(next, chunk[index + 1]) < 0
        : c + 1 === this.chunks.length || this.compare(next, this.chunks[c + 1][0]) < 0;
    if (fitsAfterBefore && fitsBeforeAfter) {
      chunk[index] = next;
      return true;
    }
    this.removeAt(c, index);
    this.insert(next);
    return true;
  }

  /** 0-based rank of the item equal to `item`, undefined when absent. */
  rankOf(item: T): number | undefined {
    const index = this.locate(item);
    return index < 0 ? undefined : this.offsetOf(this.foundChunk) + index;
  }

  /**
   * Number of items that sort at or before `key`. `compare` may be coarser than the list's own order
   * (it may compare a prefix of it), as long as the list is sorted by it too.
   */
  countUpTo(key: T, compare: (a: T, b: T) => number = this.compare): number {
    if (this.chunks.length === 0) return 0;
    const c = this.chunkAfter(key, compare);
    if (c === this.chunks.length) return this.length;
    return this.offsetOf(c) + this.bisect(this.chunks[c], key, true, compare);
  }

  /** Items at ranks [from, from + count). */
  slice(from: number, count: number): T[] {
    const out: T[] = [];
    let skip = Math.max(0, from);
    for (const chunk of this.chunks) {
      if (out.length >= count) break;
      if (skip >= chunk.length) {
        skip -= chunk.length;
        continue;
      }
      const end = Math.min(chunk.length, skip + (count - out.length));
      for (let i = skip; i < end; i++) out.push(chunk[i]);
      skip = 0;
    }
    return out;
  }

  private removeAt(c: number, index: number): void {
    const chunk = this.chunks[c];
    if (index === chunk.length - 1) chunk.pop();
    else chunk.splice(index, 1);
    if (chunk.length === 0) this.chunks.splice(c, 1);
    this.length -= 1;
  }

  private split(c: number): void {
    const chunk = this.chunks[c];
    this.chunks.splice(c, 1, chunk.slice(0, CHUNK), chunk.slice(CHUNK));
  }

  private lastOf(c: number): T {
    const chunk = this.chunks[c];
    return chunk[chunk.length - 1];
  }

  private offsetOf(chunkIndex: number): number {
    let offset = 0;
    for (let i = 0; i < chunkIndex; i++) offset += this.chunks[i].length;
    return offset;
  }

  /** Index of the item equal to `item` in chunk `foundChunk`, or -1 when absent. */
  private locate(item: T): number {
    if (this.chunks.length === 0) return -1;
    const c = this.chunkFor(item);
    const chunk = this.chunks[c];
    const index = this.bisect(chunk, item, false, this.compare);
    this.foundChunk = c;
    return index < chunk.length && this.compare(chunk[index], item) === 0 ? index : -1;
  }

  /** The chunk whose range holds `item` (the last chunk when it sorts after everything). */
  private chunkFor(item: T): number {
    let lo = 0;
    let hi = this.chunks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.compare(this.lastOf(mid), item) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The first chunk whose last item sorts strictly after `key`. */
  private chunkAfter(key: T, compare: (a: T, b: T) => number): number {
    let lo = 0;
    let hi = this.chunks.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compare(this.lastOf(mid), key) <= 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Insertion point in a sorted chunk: before equals (right=false) or after them (right=true). */
  private bisect(chunk: T[], item: T, right: boolean, compare: (a: T, b: T) => number): number {
    let lo = 0;
    let hi = chunk.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const c = compare(chunk[mid], item);
      if (c < 0 || (right && c === 0)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
