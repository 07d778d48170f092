import type { JsonValue, SourceOffset, SourcePartition } from '../api/index.ts';
import type { StoredOffset } from './storage/offset-store.ts';

/**
 * Where a source task's written records that the stored offsets may not cover begin, per output
 * `topic:partition`. Stored in the offsets topic beside the connector's source offsets, under a
 * source partition no connector uses, so they are written, replayed and reset with them.
 */
export const WRITTEN_MARKS_KEY = 'brook.written.marks.task';

export function writtenMarksPartition(task: number): SourcePartition {
  return { [WRITTEN_MARKS_KEY]: task };
}

export function isWrittenMarksPartition(partition: SourcePartition): boolean {
  return Object.hasOwn(partition, WRITTEN_MARKS_KEY);
}

export function encodeWrittenMarks(marks: ReadonlyMap<string, bigint>): SourceOffset {
  const offset: Record<string, JsonValue> = {};
  // Kafka offsets stay far below 2^53; JSON numbers keep the record readable by other tools.
  for (const [topicPartition, mark] of marks) offset[topicPartition] = Number(mark);
  return offset;
}

/**
 * The marks of every task of a connector, the lowest per partition: after a change in the
 * number of tasks, a partition may hold records of another task.
 */
export function connectorWrittenMarks(stored: readonly StoredOffset[]): Map<string, bigint> {
  const marks = new Map<string, bigint>();
  for (const { partition, offset } of stored) {
    if (!isWrittenMarksPartition(partition)) continue;
    for (const [topicPartition, value] of Object.entries(offset)) {
      if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) continue;
      const mark = BigInt(value);
      const known = marks.get(topicPartition);
      if (known === undefined || mark < known) marks.set(topicPartition, mark);
    }
  }
  return marks;
}

export function topicPartitionKey(topic: string, partition: number): string {
  // Kafka topic names have no ':' ([a-zA-Z0-9._-]), so the key splits unambiguously.
  return `${topic}:${partition}`;
}
