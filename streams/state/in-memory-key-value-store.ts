/** One stored entry at the bytes layer: what the changelog carries (the timestamp rides on the changelog record). */
export interface BytesEntry {
  readonly key: Buffer;
  readonly value: Buffer;
  readonly timestamp: number;
}

/**
 * The map key of a serialized key. Hex keeps unsigned byte order under string comparison (a
 * shorter prefix sorts first, as in Kafka's Bytes comparator), so sorting map keys sorts bytes.
 */
export function bytesKey(key: Buffer): string {
  return key.toString('hex');
}

/**
 * Kafka's InMemoryKeyValueStore at the bytes layer: entries ordered by serialized key for
 * range queries. The order is rebuilt lazily on the first range read after a write, so a
 * write-heavy aggregation pays nothing for ranges it never asks for.
 */
export class InMemoryKeyValueBytesStore {
  private readonly entries = new Map<string, BytesEntry>();
  private sorted: string[] | undefined;

  get size(): number {
    return this.entries.size;
  }

  get(key: Buffer): BytesEntry | undefined {
    return this.entries.get(bytesKey(key));
  }

  /** A null value deletes (a tombstone). */
  put(key: Buffer, value: Buffer | null, timestamp: number): void {
    const k = bytesKey(key);
    if (value === null) {
      if (this.entries.delete(k)) this.sorted = undefined;
      return;
    }
    if (!this.entries.has(k)) this.sorted = undefined;
    this.entries.set(k, { key, value, timestamp });
  }

  /** Entries with `from <= key <= to` (bounds inclusive as Kafka's range; undefined = open), in byte order. */
  range(from: Buffer | undefined, to: Buffer | undefined): BytesEntry[] {
    const lo = from === undefined ? undefined : bytesKey(from);
    const hi = to === undefined ? undefined : bytesKey(to);
    this.sorted ??= [...this.entries.keys()].sort();
    const out: BytesEntry[] = [];
    for (const k of this.sorted) {
      if (lo !== undefined && k < lo) continue;
      if (hi !== undefined && k > hi) break;
      out.push(this.entries.get(k)!);
    }
    return out;
  }

  all(): BytesEntry[] {
    return this.range(undefined, undefined);
  }
}
