/**
 * A hash table from id to document, for the memory store's collections: open addressing with linear
 * probing over a typed array of 32-bit hashes, the ids and the documents in two parallel arrays.
 *
 * Why not a Map: at hundreds of thousands of documents every lookup in V8's Map walks a bucket chain
 * and loads each candidate key to compare it, one cache miss each; here a probe reads the hash array
 * first and touches an id only when its whole hash matches, so a replay's lookups and inserts (about two
 * per event) cost less than a Map's (docs/performance.md). Same memory per entry as a Map, within a few bytes.
 *
 * Deletes shift the following entries of the probe run back (no tombstones), so lookups never slow
 * down with churn. The hash is seeded per table, so ids cannot be chosen to collide.
 */
const EMPTY = 0;
const MIN_CAPACITY = 16;
const seed = () => (Math.random() * 2 ** 32) | 0;

export class DocumentTable<V> {
  private hashes = new Int32Array(MIN_CAPACITY);
  private ids: (string | undefined)[] = new Array(MIN_CAPACITY).fill(undefined);
  private values: (V | undefined)[] = new Array(MIN_CAPACITY).fill(undefined);
  private count = 0;
  private readonly seed = seed();

  get size(): number {
    return this.count;
  }

  get(id: string): V | undefined {
    const hash = this.hashOf(id);
    const mask = this.hashes.length - 1;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const stored = this.hashes[slot];
      if (stored === EMPTY) return undefined;
      if (stored === hash && this.ids[slot] === id) return this.values[slot];
    }
  }

  /** Stores `value` under `id`, replacing the value held; a new entry keeps this `id` string. */
  set(id: string, value: V): void {
    if ((this.count + 1) * 4 > this.hashes.length * 3) this.resize(this.hashes.length * 2);
    const hash = this.hashOf(id);
    const mask = this.hashes.length - 1;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const stored = this.hashes[slot];
      if (stored === EMPTY) {
        this.hashes[slot] = hash;
        this.ids[slot] = id;
        this.values[slot] = value;
        this.count += 1;
        return;
      }
      if (stored === hash && this.ids[slot] === id) {
        this.values[slot] = value;
        return;
      }
    }
  }

  delete(id: string): boolean {
    return this.take(id) !== undefined;
  }

  /** Removes the entry of `id` and returns its value; undefined when there is none. */
  take(id: string): V | undefined {
    const hash = this.hashOf(id);
    const mask = this.hashes.length - 1;
    let slot = hash & mask;
    for (; ; slot = (slot + 1) & mask) {
      const stored = this.hashes[slot];
      if (stored === EMPTY) return undefined;
      if (stored === hash && this.ids[slot] === id) break;
    }
    const taken = this.values[slot];
    // Backward shift: move each later entry of the run into the hole when its home slot allows it.
    let hole = slot;
    for (let next = (hole + 1) & mask; this.hashes[next] !== EMPTY; next = (next + 1) & mask) {
      const home = this.hashes[next] & mask;
      // The entry may fill the hole unless its home lies cyclically in (hole, next].
      if (next > hole ? home <= hole || home > next : home <= hole && home > next) {
        this.hashes[hole] = this.hashes[next];
        this.ids[hole] = this.ids[next];
        this.values[hole] = this.values[next];
        hole = next;
      }
    }
    this.hashes[hole] = EMPTY;
    this.ids[hole] = undefined;
    this.values[hole] = undefined;
    this.count -= 1;
    if (this.hashes.length > MIN_CAPACITY && this.count * 8 < this.hashes.length)
      this.resize(this.hashes.length / 2);
    return taken;
  }

  /** Every id, in no particular order. */
  keys(): string[] {
    const out: string[] = [];
    for (let slot = 0; slot < this.ids.length; slot++)
      if (this.hashes[slot] !== EMPTY) out.push(this.ids[slot]!);
    return out;
  }

  /** Every value, in no particular order. */
  valueList(): V[] {
    const out: V[] = [];
    for (let slot = 0; slot < this.ids.length; slot++)
      if (this.hashes[slot] !== EMPTY) out.push(this.values[slot]!);
    return out;
  }

  clear(): void {
    this.hashes = new Int32Array(MIN_CAPACITY);
    this.ids = new Array(MIN_CAPACITY).fill(undefined);
    this.values = new Array(MIN_CAPACITY).fill(undefined);
    this.count = 0;
  }

  /** FNV-1a over the UTF-16 code units, seeded; never 0 (the empty slot). */
  private hashOf(id: string): number {
    let hash = this.seed ^ 0x811c9dc5;
    for (let i = 0; i < id.length; i++) hash = Math.imul(hash ^ id.charCodeAt(i), 0x01000193);
    hash ^= hash >>> 15;
    return hash === EMPTY ? 1 : hash;
  }

  private resize(capacity: number): void {
    const { hashes, ids, values } = this;
    this.hashes = new Int32Array(capacity);
    this.ids = new Array(capacity).fill(undefined);
    this.values = new Array(capacity).fill(undefined);
    const mask = capacity - 1;
    for (let from = 0; from < hashes.length; from++) {
      const hash = hashes[from];
      if (hash === EMPTY) continue;
      let slot = hash & mask;
      while (this.hashes[slot] !== EMPTY) slot = (slot + 1) & mask;
      this.hashes[slot] = hash;
      this.ids[slot] = ids[from];
      this.values[slot] = values[from];
    }
  }
}
