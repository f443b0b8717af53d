/**
 * A least-recently-used map with a fixed number of entries, so a cache keyed by outside input (public
 * keys seen in transactions) can never grow without bound.
 *
 * Entries sit on a doubly linked list in use order beside a Map for lookup, so get, set and eviction are
 * O(1). Re-inserting into a Map on every hit would keep its order too, but V8 leaves a hole for each
 * deleted entry until it rehashes, and finding the first live key then walks those holes: at 65,536
 * entries an insert that evicts cost about 8 µs, against well under 1 µs here.
 */
interface Entry<Key, Value> {
  readonly key: Key;
  value: Value;
  /** Toward the least recently used end. */
  older: Entry<Key, Value> | undefined;
  /** Toward the most recently used end. */
  newer: Entry<Key, Value> | undefined;
}

export class BoundedLruCache<Key, Value> {
  readonly #entries = new Map<Key, Entry<Key, Value>>();
  #oldest: Entry<Key, Value> | undefined;
  #newest: Entry<Key, Value> | undefined;

  /** Requires `entriesMax` to be a positive safe integer. */
  constructor(readonly entriesMax: number) {
    if (!Number.isSafeInteger(entriesMax) || entriesMax < 1) {
      throw new RangeError(`entriesMax must be a positive integer, got ${entriesMax}`);
    }
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The cached value, marking it most recently used; undefined when absent. */
  get(key: Key): Value | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    this.#unlink(entry);
    this.#pushNewest(entry);
    return entry.value;
  }

  /** Stores `value`, evicting the least recently used entry when full. */
  set(key: Key, value: Value): void {
    const existing = this.#entries.get(key);
    if (existing !== undefined) {
      existing.value = value;
      this.#unlink(existing);
      this.#pushNewest(existing);
      return;
    }
    const entry: Entry<Key, Value> = { key, value, older: undefined, newer: undefined };
    this.#entries.set(key, entry);
    this.#pushNewest(entry);
    if (this.#entries.size > this.entriesMax) {
      const oldest = this.#oldest;
      if (oldest !== undefined) {
        this.#unlink(oldest);
        this.#entries.delete(oldest.key);
      }
    }
  }

  #unlink(entry: Entry<Key, Value>): void {
    if (entry.older === undefined) this.#oldest = entry.newer;
    else entry.older.newer = entry.newer;
    if (entry.newer === undefined) this.#newest = entry.older;
    else entry.newer.older = entry.older;
    entry.older = undefined;
    entry.newer = undefined;
  }

  #pushNewest(entry: Entry<Key, Value>): void {
    entry.older = this.#newest;
    if (this.#newest !== undefined) this.#newest.newer = entry;
    this.#newest = entry;
    if (this.#oldest === undefined) this.#oldest = entry;
  }
}
