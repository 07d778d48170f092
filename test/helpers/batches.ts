import { encodeRecordBatch } from '../../core/records/index.ts';
import type { BatchOptions, RecordInput } from '../../core/records/index.ts';

export interface TestBatchSpec {
  count?: number;
  /** Key of record i; null for a null key. Default `key-<i>`. */
  key?: (i: number) => string | null;
  /** Value of record i; null for a tombstone. Default `value-<i>`. */
  value?: (i: number) => string | Buffer | null;
  timestamp?: bigint | ((i: number) => bigint);
  options?: BatchOptions;
}

/** A producer-style batch (baseOffset 0) for tests. */
export function testBatch(spec: TestBatchSpec = {}): Buffer {
  const count = spec.count ?? 1;
  const records: RecordInput[] = [];
  for (let i = 0; i < count; i++) {
    const key = spec.key ? spec.key(i) : `key-${i}`;
    const value = spec.value ? spec.value(i) : `value-${i}`;
    const ts = spec.timestamp;
    records.push({
      timestamp: ts === undefined ? 1_700_000_000_000n + BigInt(i) : typeof ts === 'bigint' ? ts : ts(i),
      key: key === null ? null : Buffer.from(key),
      value: value === null ? null : Buffer.from(value),
    });
  }
  return encodeRecordBatch(records, spec.options);
}
