import { BatchLayout } from './batch-header.ts';
import { CompressionCodec } from './compression/index.ts';
import { RecordBatchBuilder } from './record-batch-builder.ts';
import type { BatchHeaderOptions } from './record-batch-builder.ts';
import type { RecordInput } from './record.ts';

export interface BatchOptions extends BatchHeaderOptions {
  /** Defaults to the first record's timestamp, as Kafka producers set it. */
  baseTimestamp?: bigint;
}

/** A bound on a record's framing: length, attributes, deltas, key/value lengths, header count. */
const RECORD_FRAMING = 5 + 1 + 10 + 5 + 5 + 5 + 5;
/** A bound on one header's framing: key and value lengths. */
const HEADER_FRAMING = 10;

/** Encodes records into one record batch v2, byte for byte as Kafka's producer would. */
export function encodeRecordBatch(records: readonly RecordInput[], options: BatchOptions = {}): Buffer {
  // Sized from above at once, so the builder never grows; header keys count 3 bytes per UTF-16 unit at most.
  let capacity = BatchLayout.HEADER_SIZE;
  for (const r of records) {
    capacity += RECORD_FRAMING + (r.key?.length ?? 0) + (r.value?.length ?? 0);
    if (r.headers !== undefined) for (const h of r.headers) capacity += HEADER_FRAMING + 3 * h.key.length + (h.value?.length ?? 0);
  }
  const builder = new RecordBatchBuilder({
    buffer: Buffer.allocUnsafe(capacity),
    ...(options.baseTimestamp === undefined ? {} : { baseTimestamp: options.baseTimestamp }),
  });
  for (const r of records) builder.append(r.timestamp, r.key, r.value, r.headers, r.offsetDelta);
  const batch = builder.finish(options);
  // An uncompressed batch is a view of the estimate-sized buffer: the caller keeps the batch, so
  // it gets exactly its bytes, not the slack.
  const plain = (options.compression ?? CompressionCodec.none) === CompressionCodec.none;
  return plain && batch.length < capacity ? Buffer.from(batch) : batch;
}
