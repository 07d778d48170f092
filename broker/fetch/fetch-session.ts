import type { FetchResponse } from '../../core/protocol/index.ts';

export type FetchPartitionData = FetchResponse['responses'][number]['partitions'][number];

/** Session id 0: no session (a full fetch that opens none, or the answer "no session made"). */
export const INVALID_SESSION_ID = 0;
/** Epoch 0 in a full fetch: open a new session. */
export const INITIAL_EPOCH = 0;
/** Epoch -1: no session wanted; with a session id, close that session. */
export const FINAL_EPOCH = -1;

const INT32_MAX = 0x7fffffff;

/** Kafka's FetchMetadata.nextEpoch: counts up from 1, wraps back to 1, and -1 stays -1. */
export function nextEpoch(epoch: number): number {
  if (epoch < 0) return FINAL_EPOCH;
  return epoch === INT32_MAX ? 1 : epoch + 1;
}

/** What a fetch request asks of one partition. */
export interface PartitionFetch {
  readonly topic: string;
  readonly partition: number;
  readonly fetchOffset: bigint;
  readonly partitionMaxBytes: number;
  /** The fetcher's own log start offset (followers only); -1 from consumers. */
  readonly logStartOffset: bigint;
  readonly currentLeaderEpoch: number;
}

/**
 * One partition of a session (Kafka's CachedPartition): the request parameters last sent
 * for it, which an incremental request that leaves it out still means, and what the last
 * response told the client, so the next response can leave it out when nothing changed.
 */
export class CachedPartition {
  readonly topic: string;
  readonly partition: number;
  fetchOffset: bigint;
  partitionMaxBytes: number;
  logStartOffset: bigint;
  currentLeaderEpoch: number;
  /** -1 until a response carried it, and again after an error, so the partition is sent next time. */
  highWatermark = -1n;
  lastStableOffset = -1n;
  localLogStartOffset = -1n;

  constructor(fetch: PartitionFetch) {
    this.topic = fetch.topic;
    this.partition = fetch.partition;
    this.fetchOffset = fetch.fetchOffset;
    this.partitionMaxBytes = fetch.partitionMaxBytes;
    this.logStartOffset = fetch.logStartOffset;
    this.currentLeaderEpoch = fetch.currentLeaderEpoch;
  }

  updateRequest(fetch: PartitionFetch): void {
    this.fetchOffset = fetch.fetchOffset;
    this.partitionMaxBytes = fetch.partitionMaxBytes;
    this.logStartOffset = fetch.logStartOffset;
    this.currentLeaderEpoch = fetch.currentLeaderEpoch;
  }

  /**
   * Kafka's CachedPartition.maybeUpdateResponseData: whether an incremental response must
   * carry this partition (new records, a moved high watermark, last stable offset or log
   * start offset, an error), remembering what it will have told the client.
   */
  mustRespond(data: FetchPartitionData): boolean {
    let must = (data.records?.length ?? 0) > 0 || data.preferredReadReplica >= 0;
    if (data.highWatermark !== this.highWatermark) {
      must = true;
      this.highWatermark = data.highWatermark;
    }
    if (data.lastStableOffset !== this.lastStableOffset) {
      must = true;
      this.lastStableOffset = data.lastStableOffset;
    }
    if (data.logStartOffset !== this.localLogStartOffset) {
      must = true;
      this.localLogStartOffset = data.logStartOffset;
    }
    if (data.errorCode !== 0) {
      // Once the error clears, the partition must be sent again even if its offsets look unchanged.
      this.highWatermark = -1n;
      must = true;
    }
    return must;
  }
}

/**
 * A fetch session (KIP-227): the partitions a client fetches, kept by the broker so each
 * incremental request names only what changed and each response carries only partitions
 * with something new. Iteration order is fetch order; a partition that returned records
 * moves to the end, so a response filled to its byte limit does not starve the rest.
 */
export class FetchSession {
  readonly id: number;
  /** A follower's session (replica id set): it may displace consumers' sessions. */
  readonly privileged: boolean;
  readonly createdAtMs: number;
  lastUsedAtMs: number;
  /** The epoch the next incremental request must carry. */
  epoch: number;
  /** The size the cache last ranked this session by (Kafka's cachedSize). */
  rankedSize = 0;
  /** Whether a newcomer may evict it: set when the cache last touched it, as Kafka does. */
  evictableByAll = false;
  evictableByPrivileged = false;
  private readonly partitions = new Map<string, CachedPartition>();

  constructor(id: number, privileged: boolean, nowMs: number, partitions: Iterable<CachedPartition>) {
    this.id = id;
    this.privileged = privileged;
    this.createdAtMs = nowMs;
    this.lastUsedAtMs = nowMs;
    this.epoch = nextEpoch(INITIAL_EPOCH);
    for (const p of partitions) this.partitions.set(partitionKey(p.topic, p.partition), p);
  }

  get size(): number {
    return this.partitions.size;
  }

  /** Applies an incremental request: named partitions are added or updated, forgotten ones dropped. */
  update(fetches: Iterable<PartitionFetch>, forgotten: Iterable<{ readonly topic: string; readonly partitions: readonly number[] }>): void {
    for (const fetch of fetches) {
      const key = partitionKey(fetch.topic, fetch.partition);
      const cached = this.partitions.get(key);
      if (cached === undefined) this.partitions.set(key, new CachedPartition(fetch));
      else cached.updateRequest(fetch);
    }
    for (const { topic, partitions } of forgotten) {
      for (const partition of partitions) this.partitions.delete(partitionKey(topic, partition));
    }
  }

  /** The partitions in fetch order. */
  list(): CachedPartition[] {
    return [...this.partitions.values()];
  }

  /** Puts a partition last in fetch order. */
  moveToEnd(cached: CachedPartition): void {
    const key = partitionKey(cached.topic, cached.partition);
    if (this.partitions.get(key) !== cached) return;
    this.partitions.delete(key);
    this.partitions.set(key, cached);
  }
}

function partitionKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}
