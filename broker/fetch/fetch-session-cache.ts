import { randomInt } from 'node:crypto';
import type { Clock } from '../../core/base/index.ts';
import { FetchSession, INVALID_SESSION_ID } from './fetch-session.ts';
import type { CachedPartition } from './fetch-session.ts';

export interface FetchSessionCacheOptions {
  readonly clock: Clock;
  /** Kafka's max.incremental.fetch.session.cache.slots. */
  readonly maxSessions?: number;
  /** Kafka's min.incremental.fetch.session.eviction.ms (a constant there): how long a session is safe from eviction. */
  readonly evictionMs?: number;
  /** Proposes a session id in [1, 2^31-1]; randomness is injected so tests can be exact. */
  readonly newSessionId?: () => number;
}

export const DEFAULT_MAX_FETCH_SESSIONS = 1000;
export const DEFAULT_FETCH_SESSION_EVICTION_MS = 120_000;

/**
 * The broker's fetch sessions (Kafka's FetchSessionCache). A full room takes a new session
 * only by evicting one, as Kafka decides: first a session unused for longer than
 * `evictionMs`; otherwise the least valuable session old enough to be evictable (a
 * consumer's before a follower's, fewer partitions before more), and only when the
 * newcomer is worth more than it. A client refused a session still gets its data; it
 * just keeps sending full requests.
 */
export class FetchSessionCache {
  private readonly clock: Clock;
  private readonly maxSessions: number;
  private readonly evictionMs: number;
  private readonly newSessionId: () => number;
  /** Least recently used first: a touch moves a session to the end. */
  private readonly sessions = new Map<number, FetchSession>();
  private evictions = 0;

  constructor(options: FetchSessionCacheOptions) {
    this.clock = options.clock;
    this.maxSessions = options.maxSessions ?? DEFAULT_MAX_FETCH_SESSIONS;
    this.evictionMs = options.evictionMs ?? DEFAULT_FETCH_SESSION_EVICTION_MS;
    this.newSessionId = options.newSessionId ?? (() => randomInt(1, 0x7fffffff));
  }

  get size(): number {
    return this.sessions.size;
  }

  /** Partitions held across all sessions (Kafka's numPartitions metric). */
  get totalPartitions(): number {
    let total = 0;
    for (const session of this.sessions.values()) total += session.rankedSize;
    return total;
  }

  get evictionCount(): number {
    return this.evictions;
  }

  get(id: number): FetchSession | undefined {
    return this.sessions.get(id);
  }

  remove(id: number): boolean {
    return this.sessions.delete(id);
  }

  /**
   * Opens a session holding `partitions` when there is room or room can be made; returns
   * its id, or INVALID_SESSION_ID (0) when the cache refuses.
   */
  maybeCreate(privileged: boolean, partitions: readonly CachedPartition[]): number {
    const now = this.clock.now();
    if (this.sessions.size >= this.maxSessions && !this.tryEvict(privileged, partitions.length, now)) return INVALID_SESSION_ID;
    let id = this.newSessionId();
    while (id === INVALID_SESSION_ID || this.sessions.has(id)) id = this.newSessionId();
    const session = new FetchSession(id, privileged, now, partitions);
    this.touch(session);
    return id;
  }

  /** Marks a session used now, and ranks it again for eviction. */
  touch(session: FetchSession): void {
    const now = this.clock.now();
    this.sessions.delete(session.id);
    this.sessions.set(session.id, session);
    session.lastUsedAtMs = now;
    session.rankedSize = session.size;
    const old = now - session.createdAtMs > this.evictionMs;
    session.evictableByAll = old;
    session.evictableByPrivileged = old || !session.privileged;
  }

  private tryEvict(privileged: boolean, size: number, now: number): boolean {
    const leastRecent = this.sessions.values().next();
    if (leastRecent.done === true) return false;
    if (now - leastRecent.value.lastUsedAtMs > this.evictionMs) {
      this.evict(leastRecent.value);
      return true;
    }
    let weakest: FetchSession | undefined;
    for (const session of this.sessions.values()) {
      if (!(privileged ? session.evictableByPrivileged : session.evictableByAll)) continue;
      if (weakest === undefined || compareRank(session, weakest) < 0) weakest = session;
    }
    if (weakest === undefined) return false;
    // The newcomer ranks with id 0, below any session of the same kind and size: a tie keeps the incumbent.
    const newcomer = { privileged, rankedSize: size, id: 0 };
    if (compareRank(newcomer, weakest) < 0) return false;
    this.evict(weakest);
    return true;
  }

  private evict(session: FetchSession): void {
    this.sessions.delete(session.id);
    this.evictions++;
  }
}

interface Ranked {
  readonly privileged: boolean;
  readonly rankedSize: number;
  readonly id: number;
}

/** Kafka's EvictableKey order: consumer before follower, then fewer partitions, then lower id. */
function compareRank(a: Ranked, b: Ranked): number {
  if (a.privileged !== b.privileged) return a.privileged ? 1 : -1;
  if (a.rankedSize !== b.rankedSize) return a.rankedSize - b.rankedSize;
  return a.id - b.id;
}
