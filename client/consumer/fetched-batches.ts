import {
  ControlRecordType,
  decodeControlRecordType,
  decodeRecordBatch,
  isControlBatch,
  isTransactionalBatch,
  iterateBatches,
  readBatchHeader,
} from '../../core/records/index.ts';
import type { IsolationLevel } from './offsets.ts';

/** An aborted transaction as a Fetch response lists it. */
export interface AbortedTransaction {
  readonly producerId: bigint;
  readonly firstOffset: bigint;
}

/** Which batches of one partition's fetched bytes the application gets, and where the next fetch starts. */
export interface SelectedBatches {
  /** Where the data batches to decode start in the bytes. */
  readonly positions: number[];
  /** The offset after the last whole batch: the next fetch offset. */
  readonly nextOffset: bigint;
  /** Bytes of whole batches (a trailing partial batch is not counted). */
  readonly bytes: number;
}

/**
 * Kafka's consumer rules for one partition's fetched record batches: batches that end before
 * `fetchOffset` are skipped, as are control batches; with read_committed, so are the data
 * batches of aborted transactions. A producer's transaction counts as aborted from the first
 * offset the response lists for it up to its ABORT marker. Records below `fetchOffset` inside a
 * returned batch are left for the caller to skip when decoding. Undefined when the bytes hold
 * no whole batch.
 */
export function selectBatches(
  bytes: Buffer,
  fetchOffset: bigint,
  isolationLevel: IsolationLevel,
  aborted: readonly AbortedTransaction[] | null,
): SelectedBatches | undefined {
  const readCommitted = isolationLevel === 'read_committed';
  const pendingAborts = readCommitted && aborted !== null ? [...aborted].sort((a, b) => (a.firstOffset < b.firstOffset ? -1 : a.firstOffset > b.firstOffset ? 1 : 0)) : [];
  const abortedProducers = new Set<bigint>();
  const positions: number[] = [];
  let nextOffset = fetchOffset;
  let consumed = 0;
  for (const { pos, size } of iterateBatches(bytes)) {
    const header = readBatchHeader(bytes, pos);
    const lastOffset = header.baseOffset + BigInt(header.lastOffsetDelta);
    consumed = pos + size;
    if (lastOffset < fetchOffset) continue;
    const control = isControlBatch(header.attributes);
    if (readCommitted && isTransactionalBatch(header.attributes)) {
      while (pendingAborts.length > 0 && pendingAborts[0]!.firstOffset <= lastOffset) abortedProducers.add(pendingAborts.shift()!.producerId);
      if (control) {
        const marker = decodeRecordBatch(bytes.subarray(pos, pos + size)).records[0];
        if (marker !== undefined && decodeControlRecordType(marker.key) === ControlRecordType.ABORT) abortedProducers.delete(header.producerId);
      } else if (abortedProducers.has(header.producerId)) {
        nextOffset = lastOffset + 1n;
        continue;
      }
    }
    nextOffset = lastOffset + 1n;
    if (!control) positions.push(pos);
  }
  if (consumed === 0) return undefined;
  return { positions, nextOffset, bytes: consumed };
}
