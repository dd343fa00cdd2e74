/**
 * A sorted list of chunks (as Python's sortedcontainers does): insert and remove move at most one chunk,
 * rank and access-by-rank walk the chunk lengths. At a million entries that is ~1,000 chunks: a rank
 * costs microseconds and no rebalancing tree is needed.
 */
const CHUNK = 1024;

export class SortedList<T> {
  private chunks: T[][] = [];
  private length = 0;

  constructor(private readonly compare: (a: T, b: T) => number) {}

  get size(): number {
    return this.length;
  }

  insert(item: T): void {
    this.length += 1;
    if (this.chunks.length === 0) {
      this.chunks.push([item]);
      return;
    }
    const c = this.chunkFor(item);
    const chunk = this.chunks[c];
    chunk.splice(this.bisect(chunk, item, false), 0, item);
    if (chunk.length > 2 * CHUNK) this.chunks.splice(c, 1, chunk.slice(0, CHUNK), chunk.slice(CHUNK));
  }

  /** Removes the item equal (compare === 0) to `item`; false when absent. */
  remove(item: T): boolean {
    const found = this.locate(item);
    if (!found) return false;
    const chunk = this.chunks[found.chunk];
    chunk.splice(found.index, 1);
    if (chunk.length === 0) this.chunks.splice(found.chunk, 1);
    this.length -= 1;
    return true;
  }

  /** 0-based rank of the item equal to `item`, undefined when absent. */
  rankOf(item: T): number | undefined {
    const found = this.locate(item);
    return found ? this.offsetOf(found.chunk) + found.index : undefined;
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
      const take = chunk.slice(skip, skip + (count - out.length));
      out.push(...take);
      skip = 0;
    }
    return out;
  }

  private offsetOf(chunkIndex: number): number {
    let offset = 0;
    for (let i = 0; i < chunkIndex; i++) offset += this.chunks[i].length;
    return offset;
  }

  private locate(item: T): { chunk: number; index: number } | undefined {
    if (this.chunks.length === 0) return undefined;
    const c = this.chunkFor(item);
    const chunk = this.chunks[c];
    const index = this.bisect(chunk, item, false);
    return index < chunk.length && this.compare(chunk[index], item) === 0 ? { chunk: c, index } : undefined;
  }

  /** The chunk whose range holds `item` (the last chunk when it sorts after everything). */
  private chunkFor(item: T): number {
    let lo = 0;
    let hi = this.chunks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const chunk = this.chunks[mid];
      if (this.compare(chunk[chunk.length - 1], item) < 0) lo = mid + 1;
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
      const chunk = this.chunks[mid];
      if (compare(chunk[chunk.length - 1], key) <= 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Insertion point in a sorted chunk: before equals (right=false) or after them (right=true). */
  private bisect(chunk: T[], item: T, right: boolean, compare = this.compare): number {
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
