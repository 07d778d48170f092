/**
 * Kafka's murmur2 (org.apache.kafka.common.utils.Utils.murmur2) and the partition its default
 * partitioner picks for a key, so interop tests can predict where a keyed record must land.
 * Test-local on purpose: the expected values must not come from the code under test.
 */

const SEED = 0x9747b28c;
const M = 0x5bd1e995;
const R = 24;

/** The hash as Java's `int`: a signed 32-bit number. */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  let h = (SEED ^ length) | 0;
  const whole = length - (length % 4);
  for (let i = 0; i < whole; i += 4) {
    let k = (data[i] ?? 0) | ((data[i + 1] ?? 0) << 8) | ((data[i + 2] ?? 0) << 16) | ((data[i + 3] ?? 0) << 24);
    k = Math.imul(k, M);
    k ^= k >>> R;
    k = Math.imul(k, M);
    h = Math.imul(h, M);
    h ^= k;
  }
  // Java's switch falls through from 3 to 2 to 1.
  const tail = length % 4;
  if (tail === 3) h ^= (data[whole + 2] ?? 0) << 16;
  if (tail >= 2) h ^= (data[whole + 1] ?? 0) << 8;
  if (tail >= 1) {
    h ^= data[whole] ?? 0;
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/** Kafka's Utils.toPositive: clears the sign bit (not Math.abs, which overflows on MIN_VALUE). */
export function toPositive(n: number): number {
  return n & 0x7fffffff;
}

/** The partition Kafka's default partitioner (and librdkafka's murmur2 partitioners) picks for a non-null key. */
export function murmur2Partition(key: Uint8Array | string, partitions: number): number {
  const bytes = typeof key === 'string' ? Buffer.from(key, 'utf8') : key;
  return toPositive(murmur2(bytes)) % partitions;
}
