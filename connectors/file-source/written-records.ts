import type { SinkRecord, SourceTaskContext } from '../../connect/api/index.ts';

/**
 * Reads back what a source connector already wrote, so a task that restarts after a crash
 * resumes after its last written record instead of after its last committed offset (which may
 * be up to offset.flush.interval.ms older, and would repeat the lines in between).
 *
 * The runtime provides it as `SourceTaskContext.writtenRecordReader` (an optional member, so
 * workers without it keep at-least-once delivery). Until connect/api declares that member, this
 * type and writtenRecordReaderOf() below are the connector's side of the contract.
 */
export interface WrittenRecordReader {
  /**
   * Records of `topic`, converted back with the connector's key and header converters (values
   * are not needed): for each partition a suffix that includes at least every record written
   * since the connector's last offset flush (the whole partition when the runtime cannot tell),
   * in offset order within the partition. Partitions may come one after another.
   */
  tail(topic: string): AsyncIterable<Pick<SinkRecord, 'headers' | 'kafkaPartition' | 'kafkaOffset'>>;
}

/** The context's reader of written records, when the worker offers one. */
export function writtenRecordReaderOf(context: SourceTaskContext): WrittenRecordReader | undefined {
  const reader = (context as SourceTaskContext & { readonly writtenRecordReader?: WrittenRecordReader }).writtenRecordReader;
  return reader !== undefined && typeof reader.tail === 'function' ? reader : undefined;
}
