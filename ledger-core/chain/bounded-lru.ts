/**
 * A least-recently-used map with a fixed number of entries, so a cache keyed by outside input (public
 * keys seen in transactions) can never grow without bound. A Map keeps insertion order; re-inserting
 * on every hit makes its first key the least recently used one.
 */
export class BoundedLruCache<Key, Value> {
  readonly #entries = new Map<Key, Value>();

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
    const value = this.#entries.get(key);
    if (value === undefined) return undefined;
    this.#entries.delete(key);
    this.#entries.set(key, value);
    return value;
  }

  /** Stores `value`, evicting the least recently used entry when full. */
  set(key: Key, value: Value): void {
    this.#entries.delete(key);
    this.#entries.set(key, value);
    if (this.#entries.size > this.entriesMax) {
      const oldest = this.#entries.keys().next();
      if (oldest.done !== true) this.#entries.delete(oldest.value);
    }
  }
}
