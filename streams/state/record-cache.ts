/**
 * Kafka Streams' record cache for one store: successive updates to a key between two commits
 * collapse into one, so a hot key writes the changelog and forwards downstream once per commit
 * instead of once per record. Bounded by `maxBytes`: going over evicts (flushes) the least
 * recently written entries first, as Kafka's NamedCache does. A limit of 0 disables caching.
 */
export class RecordCache<E> {
  readonly maxBytes: number;
  private readonly entries = new Map<string, { entry: E; size: number }>();
  private readonly onFlush: (entry: E) => void;
  private bytes = 0;
  private flushing = false;

  constructor(maxBytes: number, onFlush: (entry: E) => void) {
    this.maxBytes = maxBytes;
    this.onFlush = onFlush;
  }

  get sizeBytes(): number {
    return this.bytes;
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: string): E | undefined {
    return this.entries.get(key)?.entry;
  }

  values(): IterableIterator<E> {
    return [...this.entries.values()].map((e) => e.entry)[Symbol.iterator]();
  }

  /** Writes (or overwrites) an entry, making it the most recent; evicts the eldest while over the limit. */
  put(key: string, entry: E, size: number): void {
    const old = this.entries.get(key);
    if (old !== undefined) {
      this.bytes -= old.size;
      this.entries.delete(key);
    }
    this.entries.set(key, { entry, size });
    this.bytes += size;
    while (this.bytes > this.maxBytes && this.entries.size > 0) {
      const [eldestKey, eldest] = this.entries.entries().next().value!;
      this.entries.delete(eldestKey);
      this.bytes -= eldest.size;
      this.onFlush(eldest.entry);
    }
  }

  /** Forwards every entry, eldest first, and empties the cache (the commit path). */
  flush(): void {
    // A flushed entry can trigger writes to this same store downstream (a table aggregating its own
    // output is not possible, but a guard costs nothing): those land in the next flush.
    if (this.flushing) return;
    this.flushing = true;
    try {
      while (this.entries.size > 0) {
        const [key, { entry, size }] = this.entries.entries().next().value!;
        this.entries.delete(key);
        this.bytes -= size;
        this.onFlush(entry);
      }
    } finally {
      this.flushing = false;
    }
  }
}

/** The bytes a cache entry is charged: key and value plus a fixed overhead for the entry object, as Kafka estimates. */
export function cacheEntrySize(key: Buffer, value: Buffer | null): number {
  return key.length + (value?.length ?? 0) + 64;
}
