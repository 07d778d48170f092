import { bytesKey } from './in-memory-key-value-store.ts';

export interface WindowBytesEntry {
  readonly key: Buffer;
  readonly windowStart: number;
  readonly value: Buffer;
  readonly timestamp: number;
}

/**
 * Kafka's in-memory window store at the bytes layer, cut into time segments by window start so
 * that expiry drops whole segments: once stream time (the largest window start written) has
 * moved `retentionMs` past a segment's last window, the segment goes. Memory is thus bounded by
 * the windows inside retention (window size + grace for the DSL), whatever the input's span.
 */
export class InMemoryWindowBytesStore {
  readonly retentionMs: number;
  readonly segmentIntervalMs: number;
  /** segment id → serialized key → window start → entry. */
  private readonly segments = new Map<number, Map<string, Map<number, WindowBytesEntry>>>();
  private observedStreamTime = -1;

  constructor(retentionMs: number, segmentIntervalMs = Math.max(1, Math.floor(retentionMs / 2))) {
    this.retentionMs = retentionMs;
    this.segmentIntervalMs = segmentIntervalMs;
  }

  /** Segments held now; tests use it to see retention at work. */
  get segmentCount(): number {
    return this.segments.size;
  }

  get streamTime(): number {
    return this.observedStreamTime;
  }

  /** False when the window is already past retention (the write is skipped, as Kafka does). */
  put(key: Buffer, windowStart: number, value: Buffer | null, timestamp: number): boolean {
    if (windowStart > this.observedStreamTime) {
      this.observedStreamTime = windowStart;
      this.dropExpiredSegments();
    }
    if (windowStart <= this.observedStreamTime - this.retentionMs) return false;
    const id = Math.floor(windowStart / this.segmentIntervalMs);
    let segment = this.segments.get(id);
    const k = bytesKey(key);
    if (value === null) {
      const windows = segment?.get(k);
      windows?.delete(windowStart);
      if (windows?.size === 0) segment!.delete(k);
      return true;
    }
    if (segment === undefined) this.segments.set(id, (segment = new Map<string, Map<number, WindowBytesEntry>>()));
    let windows = segment.get(k);
    if (windows === undefined) segment.set(k, (windows = new Map<number, WindowBytesEntry>()));
    windows.set(windowStart, { key, windowStart, value, timestamp });
    return true;
  }

  fetch(key: Buffer, windowStart: number): WindowBytesEntry | undefined {
    if (windowStart <= this.observedStreamTime - this.retentionMs) return undefined;
    return this.segments.get(Math.floor(windowStart / this.segmentIntervalMs))?.get(bytesKey(key))?.get(windowStart);
  }

  /** Windows of one key (or all keys) with `timeFrom <= start <= timeTo`, by start then key bytes. */
  fetchRange(key: Buffer | undefined, timeFrom: number, timeTo: number): WindowBytesEntry[] {
    const from = Math.max(timeFrom, this.observedStreamTime - this.retentionMs + 1);
    const k = key === undefined ? undefined : bytesKey(key);
    const out: { k: string; entry: WindowBytesEntry }[] = [];
    for (const [id, segment] of this.segments) {
      if ((id + 1) * this.segmentIntervalMs - 1 < from || id * this.segmentIntervalMs > timeTo) continue;
      const keys = k === undefined ? segment.entries() : ([[k, segment.get(k)]] as const);
      for (const [sk, windows] of keys) {
        if (windows === undefined) continue;
        for (const entry of windows.values()) if (entry.windowStart >= from && entry.windowStart <= timeTo) out.push({ k: sk, entry });
      }
    }
    out.sort((a, b) => a.entry.windowStart - b.entry.windowStart || (a.k < b.k ? -1 : a.k > b.k ? 1 : 0));
    return out.map((o) => o.entry);
  }

  all(): WindowBytesEntry[] {
    return this.fetchRange(undefined, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
  }

  private dropExpiredSegments(): void {
    const horizon = this.observedStreamTime - this.retentionMs;
    for (const id of this.segments.keys()) {
      // Every window start in the segment is <= its last millisecond: expired when that is.
      if ((id + 1) * this.segmentIntervalMs - 1 <= horizon) this.segments.delete(id);
    }
  }
}
