/** Size and lifetime bounds of a {@link TtlCache}. */
export interface TtlCacheOptions {
  /** How long an entry is served after it was stored, in milliseconds. */
  ttlMs: number;
  /** Most entries kept; storing one more evicts the least recently used. */
  maxEntries: number;
  /** Milliseconds since the epoch; injectable for tests. Default `Date.now`. */
  now?: () => number;
}

interface Slot<V> {
  value: V;
  expiresAt: number;
}

/**
 * A small bounded cache: every entry expires `ttlMs` after it was stored (or earlier, when `set` is given
 * a sooner expiry), and beyond `maxEntries` the least recently used entry is dropped. Keys are whatever
 * the caller makes them: the authorizer hands it SHA-256 digests, never secrets.
 *
 * @example
 * const cache = new TtlCache<string>({ ttlMs: 60_000, maxEntries: 1000 });
 * cache.set("k", "v");
 * cache.get("k"); // "v" for 60 s
 */
export class TtlCache<V> {
  readonly ttlMs: number;
  readonly maxEntries: number;
  readonly #now: () => number;
  readonly #slots = new Map<string, Slot<V>>();

  constructor(options: TtlCacheOptions) {
    if (!(options.ttlMs >= 0)) throw new RangeError(`ttlMs must be >= 0, got ${options.ttlMs}`);
    if (!Number.isInteger(options.maxEntries) || options.maxEntries < 0) {
      throw new RangeError(`maxEntries must be a non-negative integer, got ${options.maxEntries}`);
    }
    this.ttlMs = options.ttlMs;
    this.maxEntries = options.maxEntries;
    this.#now = options.now ?? Date.now;
  }

  /** Entries held, expired ones not yet swept included. */
  get size(): number {
    return this.#slots.size;
  }

  /** The keys held, least recently used first (for tests and diagnostics: they are digests). */
  keys(): string[] {
    return [...this.#slots.keys()];
  }

  /** The live value of `key` (marking it recently used), or `undefined` when absent or expired. */
  get(key: string): V | undefined {
    const slot = this.#slots.get(key);
    if (slot === undefined) return undefined;
    this.#slots.delete(key);
    if (this.#now() >= slot.expiresAt) return undefined;
    this.#slots.set(key, slot);
    return slot.value;
  }

  /** Stores `value` for `ttlMs`, or until `expiresAt` (epoch ms) when that comes sooner. */
  set(key: string, value: V, expiresAt?: number): void {
    if (this.maxEntries === 0 || this.ttlMs === 0) return;
    const now = this.#now();
    const until = Math.min(now + this.ttlMs, expiresAt ?? Number.POSITIVE_INFINITY);
    if (until <= now) return;
    this.#slots.delete(key);
    this.#slots.set(key, { value, expiresAt: until });
    while (this.#slots.size > this.maxEntries) {
      const oldest = this.#slots.keys().next();
      if (oldest.done === true) break;
      this.#slots.delete(oldest.value);
    }
  }

  /** Forgets `key`. */
  delete(key: string): void {
    this.#slots.delete(key);
  }

  /** Forgets everything. */
  clear(): void {
    this.#slots.clear();
  }
}
