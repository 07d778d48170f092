import { ApiKey, ErrorCode } from '../../../core/protocol/index.ts';
import { ControlRecordType, decodeControlRecordType, decodeRecordBatch, isControlBatch, iterateBatches } from '../../../core/records/index.ts';
import type { WireClient } from '../../helpers/kafka-wire.ts';

/** What the transaction tests read back: a partition as a read_committed consumer sees it, and its markers. */

export interface CommittedView {
  /** Values a read_committed consumer delivers, in offset order. */
  readonly values: string[];
  readonly lastStableOffset: bigint;
  readonly highWatermark: bigint;
}

export interface Marker {
  readonly producerId: bigint;
  readonly offset: bigint;
  readonly committed: boolean;
}

async function fetchAll(client: WireClient, topic: string, partition: number, isolationLevel: 0 | 1) {
  const response = await client.request(ApiKey.FETCH, 11, {
    replicaId: -1,
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes: 16 << 20,
    isolationLevel,
    topics: [{ topic, partitions: [{ partition, fetchOffset: 0n, partitionMaxBytes: 16 << 20 }] }],
  });
  const data = response.responses[0]?.partitions[0];
  if (data === undefined) throw new Error(`fetch ${topic}-${partition}: no partition in the answer`);
  if (data.errorCode !== ErrorCode.NONE) throw new Error(`fetch ${topic}-${partition}: error ${data.errorCode}`);
  return data;
}

type FetchedPartition = Awaited<ReturnType<typeof fetchAll>>;

/**
 * What a read_committed consumer delivers from a Fetch answer: from an aborted transaction's
 * first offset on, that producer's batches are skipped until its ABORT marker; control batches
 * are never delivered.
 */
export function committedView(data: Pick<FetchedPartition, 'abortedTransactions' | 'records' | 'lastStableOffset' | 'highWatermark'>): CommittedView {
  const pending = [...(data.abortedTransactions ?? [])].sort((x, y) => (x.firstOffset < y.firstOffset ? -1 : x.firstOffset > y.firstOffset ? 1 : 0));
  const skipping = new Set<bigint>();
  const values: string[] = [];
  const bytes = data.records ?? Buffer.alloc(0);
  for (const { pos, size } of iterateBatches(bytes)) {
    const batch = decodeRecordBatch(bytes.subarray(pos, pos + size));
    const { producerId, baseOffset, attributes } = batch.header;
    while (pending.length > 0 && pending[0]!.firstOffset <= baseOffset) skipping.add(pending.shift()!.producerId);
    if (isControlBatch(attributes)) {
      if (decodeControlRecordType(batch.records[0]?.key ?? null) === ControlRecordType.ABORT) skipping.delete(producerId);
      continue;
    }
    if (skipping.has(producerId)) continue;
    for (const record of batch.records) values.push(record.value?.toString() ?? '');
  }
  return { values, lastStableOffset: data.lastStableOffset, highWatermark: data.highWatermark };
}

/** Reads the partition with isolation read_committed, as a consumer sees it. */
export async function readCommitted(client: WireClient, topic: string, partition: number): Promise<CommittedView> {
  return committedView(await fetchAll(client, topic, partition, 1));
}

/** Every transaction marker in the partition, read uncommitted, in offset order. */
export async function markersIn(client: WireClient, topic: string, partition: number): Promise<Marker[]> {
  const data = await fetchAll(client, topic, partition, 0);
  const bytes = data.records ?? Buffer.alloc(0);
  const markers: Marker[] = [];
  for (const { pos, size } of iterateBatches(bytes)) {
    const batch = decodeRecordBatch(bytes.subarray(pos, pos + size));
    if (!isControlBatch(batch.header.attributes)) continue;
    markers.push({ producerId: batch.header.producerId, offset: batch.header.baseOffset, committed: decodeControlRecordType(batch.records[0]?.key ?? null) === ControlRecordType.COMMIT });
  }
  return markers;
}
