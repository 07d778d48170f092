import type { TopicPartition } from '../../connect/api/index.ts';

/**
 * What the file holds, as of the last flush: the sink's position type. `fileLength` bytes of the
 * file are synced and contain every record up to `offsets` (the last written offset of each
 * partition, by the record's original topic and partition, as the consumer commits them).
 */
export interface SinkCheckpoint {
  readonly fileLength: number;
  readonly offsets: ReadonlyMap<string, bigint>;
  /**
   * Per partition, the lowest offset the group can have committed by the time of this checkpoint
   * (the commit the worker made after the previous flush). A redelivery after a crash starts at or
   * above it; a consumer that starts below it was rewound (offsets reset or altered, a new group,
   * a recreated topic), and then every record it delivers is written again, as Kafka's sink does.
   */
  readonly committedFrom: ReadonlyMap<string, bigint>;
  /**
   * True once the sink has started writing past `fileLength`: only then is what lies beyond it
   * this sink's uncommitted tail. Without the mark, bytes past `fileLength` are someone else's.
   */
  readonly writing: boolean;
}

/** The version of the sidecar's JSON layout. */
const CHECKPOINT_VERSION = 2;
/** Version 1 had neither `committedFrom` nor `writing`: its tail was always the sink's. */
const CHECKPOINT_VERSION_1 = 1;
/** A sidecar is a few bytes per partition: anything much larger is not one of ours. */
export const MAX_SIDECAR_BYTES = 16 * 1024 * 1024;

export function partitionKey(partition: TopicPartition): string {
  // Kafka topic names can not hold a NUL byte, so this splits back unambiguously.
  return `${partition.topic}\u0000${partition.partition}`;
}

function splitKey(key: string): { topic: string; partition: number } {
  const cut = key.lastIndexOf('\u0000');
  return { topic: key.slice(0, cut), partition: Number(key.slice(cut + 1)) };
}

export function serializeCheckpoint(checkpoint: SinkCheckpoint): string {
  const offsets = [...checkpoint.offsets].map(([key, offset]) => {
    const from = checkpoint.committedFrom.get(key);
    return { ...splitKey(key), offset: offset.toString(), ...(from === undefined ? {} : { from: from.toString() }) };
  });
  return `${JSON.stringify({ version: CHECKPOINT_VERSION, fileLength: checkpoint.fileLength, writing: checkpoint.writing, offsets })}\n`;
}

const OFFSET_TEXT = /^\d{1,19}$/;

/** Reads a sidecar back; null when it is not a checkpoint this sink wrote (then it is not trusted). */
export function parseCheckpoint(text: string): SinkCheckpoint | null {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof data !== 'object' || data === null) return null;
  const { version, fileLength, offsets, writing } = data as Record<string, unknown>;
  if (version !== CHECKPOINT_VERSION && version !== CHECKPOINT_VERSION_1) return null;
  if (typeof fileLength !== 'number' || !Number.isSafeInteger(fileLength) || fileLength < 0 || !Array.isArray(offsets)) return null;
  if (version === CHECKPOINT_VERSION && typeof writing !== 'boolean') return null;
  const map = new Map<string, bigint>();
  const committedFrom = new Map<string, bigint>();
  for (const entry of offsets as unknown[]) {
    if (typeof entry !== 'object' || entry === null) return null;
    const { topic, partition, offset, from } = entry as Record<string, unknown>;
    if (typeof topic !== 'string' || typeof partition !== 'number' || !Number.isInteger(partition) || partition < 0 || typeof offset !== 'string' || !OFFSET_TEXT.test(offset)) return null;
    if (from !== undefined && (typeof from !== 'string' || !OFFSET_TEXT.test(from))) return null;
    const key = partitionKey({ topic, partition });
    map.set(key, BigInt(offset));
    if (from !== undefined) committedFrom.set(key, BigInt(from));
  }
  return { fileLength, offsets: map, committedFrom, writing: version === CHECKPOINT_VERSION_1 || writing === true };
}
