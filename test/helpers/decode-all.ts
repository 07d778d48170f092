import { decodeRecordBatch, iterateBatches, lastOffsetOf } from '../../core/records/index.ts';
import type { Record } from '../../core/records/index.ts';

/** Every record in a buffer of concatenated batches (a read or fetch result). */
export function decodeAll(bytes: Buffer): Record[] {
  const out: Record[] = [];
  for (const { pos, size } of iterateBatches(bytes)) {
    out.push(...decodeRecordBatch(bytes.subarray(pos, pos + size)).records);
  }
  return out;
}

/**
 * The offset to read next after these batches: one past the last batch's last offset.
 * After compaction a batch may end with removed records, so this can be past the last record.
 */
export function nextOffsetAfter(bytes: Buffer): bigint | undefined {
  let next: bigint | undefined;
  for (const { pos } of iterateBatches(bytes)) next = lastOffsetOf(bytes, pos) + 1n;
  return next;
}

/** Reads a whole log from `from` to its end through `read`, returning records at or after `from`. */
export function readEverything(read: (offset: bigint) => Buffer, from: bigint, end: bigint): Record[] {
  const out: Record[] = [];
  for (let next = from; next < end; ) {
    const bytes = read(next);
    const after = nextOffsetAfter(bytes);
    if (after === undefined) break;
    const floor = next;
    out.push(...decodeAll(bytes).filter((r) => r.offset >= floor));
    next = after;
  }
  return out;
}
