import type { SourceTaskContext, WrittenRecordReader } from '../../connect/api/index.ts';

export type { WrittenRecordReader };

/**
 * The context's reader of written records, when the worker offers one: a task that restarts
 * after a crash resumes after its last record in the topic instead of after its last stored
 * offset. Workers without it (Kafka Connect) keep at-least-once delivery.
 */
export function writtenRecordReaderOf(context: SourceTaskContext): WrittenRecordReader | undefined {
  const reader = context.writtenRecordReader;
  return reader !== undefined && typeof reader.tail === 'function' ? reader : undefined;
}
