const SEED = 0x9747b28c;
const M = 0x5bd1e995;
const R = 24;

/**
 * Kafka's murmur2 (org.apache.kafka.common.utils.Utils.murmur2), as Java's signed `int`.
 * Bytes are read unsigned, as Java's `& 0xff` does; the tail falls through 3 → 2 → 1.
 */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  let h = (SEED ^ length) | 0;
  const whole = length - (length & 3);
  for (let i = 0; i < whole; i += 4) {
    let k = data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24);
    k = Math.imul(k, M);
    k ^= k >>> R;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  const tail = length & 3;
  if (tail === 3) h ^= data[whole + 2]! << 16;
  if (tail >= 2) h ^= data[whole + 1]! << 8;
  if (tail >= 1) {
    h ^= data[whole]!;
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/** Kafka's Utils.toPositive: clears the sign bit (Math.abs would overflow on MIN_VALUE). */
export function toPositive(n: number): number {
  return n & 0x7fffffff;
}

/** The partition Kafka's default partitioner picks for a non-null key. */
export function murmur2Partition(key: Uint8Array, partitions: number): number {
  return toPositive(murmur2(key)) % partitions;
}

/**
 * Kafka's default partitioner: murmur2 for keyed records; for records without a key, one
 * "sticky" partition per topic that changes only when a batch to it is closed (KIP-480),
 * so keyless records fill whole batches instead of many small ones. The sticky partition is
 * chosen among partitions with a leader when any has one (as Kafka's KIP-794 partitioner and
 * librdkafka do), so keyless records do not wait on a partition that cannot take them.
 */
export class DefaultPartitioner {
  private readonly sticky = new Map<string, number>();
  private readonly random: () => number;

  constructor(random: () => number = Math.random) {
    this.random = random;
  }

  /** `available` lists the partitions with a leader; asked only when a sticky partition is chosen. */
  partition(topic: string, key: Uint8Array | null, partitions: number, available?: () => readonly number[]): number {
    if (key !== null) return murmur2Partition(key, partitions);
    let chosen = this.sticky.get(topic);
    if (chosen === undefined || chosen >= partitions) {
      chosen = this.pick(partitions, available?.(), undefined);
      this.sticky.set(topic, chosen);
    }
    return chosen;
  }

  /** A batch to `partition` was closed: keyless records of `topic` move to another partition. */
  batchClosed(topic: string, partition: number, partitions: number, available?: () => readonly number[]): void {
    if (this.sticky.get(topic) !== partition) return;
    if (partitions <= 1) return;
    this.sticky.set(topic, this.pick(partitions, available?.(), partition));
  }

  /** Uniformly among the available partitions but `current`; among all when none is available. */
  private pick(partitions: number, available: readonly number[] | undefined, current: number | undefined): number {
    const usable = available?.filter((p) => p >= 0 && p < partitions) ?? [];
    if (usable.length > 0) {
      const others = usable.filter((p) => p !== current);
      // The current partition is the only one with a leader: stay on it.
      if (others.length === 0) return current!;
      return others[Math.floor(this.random() * others.length)]!;
    }
    if (current === undefined) return Math.floor(this.random() * partitions);
    // Any partition but the current one, uniformly.
    const next = Math.floor(this.random() * (partitions - 1));
    return next >= current ? next + 1 : next;
  }
}
