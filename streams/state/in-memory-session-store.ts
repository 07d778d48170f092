import { bytesKey } from './in-memory-key-value-store.ts';

export interface SessionBytesEntry {
  readonly key: Buffer;
  readonly start: number;
  readonly end: number;
  readonly value: Buffer;
  readonly timestamp: number;
}

/**
 * Kafka's in-memory session store at the bytes layer: per key, sessions by `[start, end]`.
 * Sessions whose end is `retentionMs` behind stream time (the largest session end written) are
 * dropped on the next write, so memory stays bounded by gap + grace.
 */
export class InMemorySessionBytesStore {
  readonly retentionMs: number;
  private readonly byKey = new Map<string, Map<string, SessionBytesEntry>>();
  private observedStreamTime = -1;

  constructor(retentionMs: number) {
    this.retentionMs = retentionMs;
  }

  /** The largest session end written: sessions ending `retentionMs` before it are gone. */
  get streamTime(): number {
    return this.observedStreamTime;
  }

  get size(): number {
    let n = 0;
    for (const sessions of this.byKey.values()) n += sessions.size;
    return n;
  }

  /** A null value removes the session. False when the session is already past retention. */
  put(key: Buffer, start: number, end: number, value: Buffer | null, timestamp: number): boolean {
    if (end > this.observedStreamTime) {
      this.observedStreamTime = end;
      this.expire();
    }
    if (end <= this.observedStreamTime - this.retentionMs) return false;
    const k = bytesKey(key);
    const id = `${start}:${end}`;
    let sessions = this.byKey.get(k);
    if (value === null) {
      sessions?.delete(id);
      if (sessions?.size === 0) this.byKey.delete(k);
      return true;
    }
    if (sessions === undefined) this.byKey.set(k, (sessions = new Map<string, SessionBytesEntry>()));
    sessions.set(id, { key, start, end, value, timestamp });
    return true;
  }

  /** Sessions of `key` ending at or after `earliestEnd` and starting at or before `latestStart`, by start. */
  findSessions(key: Buffer, earliestEnd: number, latestStart: number): SessionBytesEntry[] {
    const sessions = this.byKey.get(bytesKey(key));
    if (sessions === undefined) return [];
    const horizon = this.observedStreamTime - this.retentionMs;
    return [...sessions.values()].filter((s) => s.end >= earliestEnd && s.start <= latestStart && s.end > horizon).sort((a, b) => a.start - b.start || a.end - b.end);
  }

  fetchSession(key: Buffer, start: number, end: number): SessionBytesEntry | undefined {
    return this.byKey.get(bytesKey(key))?.get(`${start}:${end}`);
  }

  all(): SessionBytesEntry[] {
    const keys = [...this.byKey.keys()].sort();
    return keys.flatMap((k) => [...this.byKey.get(k)!.values()].sort((a, b) => a.start - b.start || a.end - b.end));
  }

  private expire(): void {
    const horizon = this.observedStreamTime - this.retentionMs;
    for (const [k, sessions] of this.byKey) {
      for (const [id, s] of sessions) if (s.end <= horizon) sessions.delete(id);
      if (sessions.size === 0) this.byKey.delete(k);
    }
  }
}
