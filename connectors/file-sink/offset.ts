import type { TopicPartition } from '../../connect/api/index.ts';

/**
 * What the file holds, as of the last flush: the sink's position type. `fileLength` bytes of the
 * file are synced and contain every record up to `offsets` (the last written offset of each
 * partition, by the record's original topic and partition, as the consumer commits them).
 */
export interface SinkCheckpoint {
  readonly fileLength: number;
  readonly offsets: ReadonlyMap<string, bigint>;
}

/** The version of the sidecar's JSON layout. */
const CHECKPOINT_VERSION = 1;
/** A sidecar is a few bytes per partition: anything much larger is not one of ours. */
export const MAX_SIDECAR_BYTES = 16 * 1024 * 1024;

export function partitionKey(partition: TopicPartition): string {
  // Kafka topic names can not hold a NUL byte, so this splits back unambiguously.
  return `${partition.topic}\u0000${partition.partition}`;
}

export function serializeCheckpoint(checkpoint: SinkCheckpoint): string {
  const offsets = [...checkpoint.offsets].map(([key, offset]) => {
    const cut = key.lastIndexOf('\u0000');
    return { topic: key.slice(0, cut), partition: Number(key.slice(cut + 1)), offset: offset.toString() };
  });
  return `${JSON.stringify({ version: CHECKPOINT_VERSION, fileLength: checkpoint.fileLength, offsets })}\n`;
}

/** Reads a sidecar back; null when it is not a checkpoint this sink wrote (then it is not trusted). */
export function parseCheckpoint(text: string): SinkCheckpoint | null {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof data !== 'object' || data === null) return null;
  const { version, fileLength, offsets } = data as Record<string, unknown>;
  if (version !== CHECKPOINT_VERSION || typeof fileLength !== 'number' || !Number.isSafeInteger(fileLength) || fileLength < 0 || !Array.isArray(offsets)) return null;
  const map = new Map<string, bigint>();
  for (const entry of offsets as unknown[]) {
    if (typeof entry !== 'object' || entry === null) return null;
    const { topic, partition, offset } = entry as Record<string, unknown>;
    if (typeof topic !== 'string' || typeof partition !== 'number' || !Number.isInteger(partition) || partition < 0 || typeof offset !== 'string' || !/^\d{1,19}$/.test(offset)) return null;
    map.set(partitionKey({ topic, partition }), BigInt(offset));
  }
  return { fileLength, offsets: map };
}
