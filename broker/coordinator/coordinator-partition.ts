/**
 * The partition of a coordinator's topic that holds a key (a group id, a transactional id):
 * Kafka's `Utils.abs(key.hashCode()) % partitions`, with Java's String.hashCode over UTF-16
 * code units, so a key lands where a Kafka broker would put it.
 */
export function coordinatorPartitionFor(key: string, partitions: number): number {
  let hash = 0;
  for (let i = 0; i < key.length; i++) hash = (Math.imul(hash, 31) + key.charCodeAt(i)) | 0;
  // Kafka's Utils.abs maps Integer.MIN_VALUE to 0.
  const positive = hash === -2147483648 ? 0 : Math.abs(hash);
  return positive % partitions;
}
