/**
 * A sorted list of chunks (as Python's sortedcontainers does): insert and remove move at most one chunk,
 * rank and access-by-rank walk the chunk lengths. At a million entries that is ~700 chunks: a rank
 * costs microseconds and no rebalancing tree is needed.
 *
 * Each chunk holds between 1 and 2 * CHUNK items; a chunk that outgrows that is split in two halves.
 * Items are stored as they are (one pointer each), so the list adds ~10 bytes per item.
 *
 * With a `primary` key (the first field of the order, when it is a number) each chunk also keeps the
 * items' keys in an unboxed array beside them (~10 more bytes per item): a search compares those and
 * reads an item only on a tie, instead of loading a scattered object (a cache miss) at every step.
 */
const CHUNK = 1024;

/** The order's first field as a number (NaN when it is not one), and the direction it sorts in. */
export type PrimaryKey<T> = { key: (item: T) => number; direction: 1 | -1 };

export class SortedList<T> {
  private chunks: T[][] = [];
  /** Per chunk, `primary.key` of each item (only with a primary key). */
  private keys: number[][] | undefined;
  private length = 0;
  /** Counts the changes to the list: one that holds still has the same count. */
  private changeCount = 0;
  /** Which chunk the last `locate` looked in (saves an allocation per lookup). */
  private foundChunk = 0;

  constructor(
    private readonly compare: (a: T, b: T) => number,
    private readonly primary?: PrimaryKey<T>,
  ) {
    if (primary) this.keys = [];
  }

  /** A list of `items`, which are in the list's order already (no search, no splits). */
  static fromSorted<T>(
    items: readonly T[],
    compare: (a: T, b: T) => number,
    primary?: PrimaryKey<T>,
  ): SortedList<T> {
    const list = new SortedList(compare, primary);
    for (let from = 0; from < items.length; from += CHUNK) {
      const chunk = items.slice(from, from + CHUNK);
      list.chunks.push(chunk);
      list.keys?.push(chunk.map(primary!.key));
    }
    list.length = items.length;
    return list;
  }

  get size(): number {
    return this.length;
  }

  get changes(): number {
    return this.changeCount;
  }

  insert(item: T): void {
    this.insertKeyed(item, this.keyOf(item));
  }

  /** Removes the item equal (compare === 0) to `item`; false when absent. */
  remove(item: T): boolean {
    const found = this.locate(item, this.keyOf(item));
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
    const index = this.locate(previous, this.keyOf(previous));
    if (index < 0) return false;
    const c = this.foundChunk;
    const chunk = this.chunks[c];
    const key = this.keyOf(next);
    // The neighbours' order against `next`: the one before must sort before it, the one after after it.
    const fitsAfterBefore =
      index > 0
        ? this.compareAt(c, index - 1, next, key) < 0
        : c === 0 || this.compareAt(c - 1, -1, next, key) < 0;
    const fitsBeforeAfter =
      index + 1 < chunk.length
        ? this.compareAt(c, index + 1, next, key) > 0
        : c + 1 === this.chunks.length || this.compareAt(c + 1, 0, next, key) > 0;
    if (fitsAfterBefore && fitsBeforeAfter) {
      chunk[index] = next;
      this.changeCount += 1;
      if (this.keys) this.keys[c][index] = key;
      return true;
    }
    this.removeAt(c, index);
    this.insertKeyed(next, key);
    return true;
  }

  /** 0-based rank of the item equal to `item`, undefined when absent. */
  rankOf(item: T): number | undefined {
    const index = this.locate(item, this.keyOf(item));
    return index < 0 ? undefined : this.offsetOf(this.foundChunk) + index;
  }

  /**
   * Number of items that sort at or before `key`. `compare` may be coarser than the list's own order
   * (it may compare a prefix of it), as long as the list is sorted by it too.
   */
  countUpTo(key: T, compare: (a: T, b: T) => number = this.compare): number {
    if (this.chunks.length === 0) return 0;
    let lo = 0;
    let hi = this.chunks.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compare(this.lastOf(mid), key) <= 0) lo = mid + 1;
      else hi = mid;
    }
    if (lo === this.chunks.length) return this.length;
    const chunk = this.chunks[lo];
    let from = 0;
    let to = chunk.length;
    while (from < to) {
      const mid = (from + to) >>> 1;
      if (compare(chunk[mid], key) <= 0) from = mid + 1;
      else to = mid;
    }
    return this.offsetOf(lo) + from;
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

  private keyOf(item: T): number {
    return this.primary ? this.primary.key(item) : NaN;
  }

  /**
   * The order of the item at chunk `c`, index `i` (-1: the chunk's last) against `item`, whose primary
   * key is `key`. Two numeric keys that differ decide it; otherwise (equal, or not numbers) the items.
   */
  private compareAt(c: number, i: number, item: T, key: number): number {
    const chunk = this.chunks[c];
    const at = i < 0 ? chunk.length - 1 : i;
    if (this.keys) {
      const stored = this.keys[c][at];
      if (stored < key) return -this.primary!.direction;
      if (stored > key) return this.primary!.direction;
    }
    return this.compare(chunk[at], item);
  }

  private insertKeyed(item: T, key: number): void {
    this.changeCount += 1;
    this.length += 1;
    const { chunks, keys } = this;
    if (chunks.length === 0) {
      chunks.push([item]);
      keys?.push([key]);
      return;
    }
    // Appending (a ledger's next revision, a new worst score) needs no search.
    const appending = this.compareAt(chunks.length - 1, -1, item, key) < 0;
    const c = appending ? chunks.length - 1 : this.chunkFor(item, key);
    const chunk = chunks[c];
    const index = appending ? chunk.length : this.bisect(c, item, key);
    if (index === chunk.length) {
      chunk.push(item);
      keys?.[c].push(key);
    } else {
      chunk.splice(index, 0, item);
      keys?.[c].splice(index, 0, key);
    }
    if (chunk.length > 2 * CHUNK) this.split(c);
  }

  private removeAt(c: number, index: number): void {
    this.changeCount += 1;
    const chunk = this.chunks[c];
    if (index === chunk.length - 1) {
      chunk.pop();
      this.keys?.[c].pop();
    } else {
      chunk.splice(index, 1);
      this.keys?.[c].splice(index, 1);
    }
    if (chunk.length === 0) {
      this.chunks.splice(c, 1);
      this.keys?.splice(c, 1);
    }
    this.length -= 1;
  }

  private split(c: number): void {
    const chunk = this.chunks[c];
    this.chunks.splice(c, 1, chunk.slice(0, CHUNK), chunk.slice(CHUNK));
    if (this.keys) {
      const keys = this.keys[c];
      this.keys.splice(c, 1, keys.slice(0, CHUNK), keys.slice(CHUNK));
    }
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

  /** Index of the item equal to `item` (primary key `key`) in chunk `foundChunk`, or -1 when absent. */
  private locate(item: T, key: number): number {
    if (this.chunks.length === 0) return -1;
    const c = this.chunkFor(item, key);
    const index = this.bisect(c, item, key);
    this.foundChunk = c;
    return index < this.chunks[c].length && this.compareAt(c, index, item, key) === 0 ? index : -1;
  }

  /** The chunk whose range holds `item` (the last chunk when it sorts after everything). */
  private chunkFor(item: T, key: number): number {
    let lo = 0;
    let hi = this.chunks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.compareAt(mid, -1, item, key) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Insertion point of `item` in chunk `c`: before the items equal to it. */
  private bisect(c: number, item: T, key: number): number {
    let lo = 0;
    let hi = this.chunks[c].length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.compareAt(c, mid, item, key) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
