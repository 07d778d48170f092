import type { CompressionCodec } from '../../core/records/index.ts';
import { addSequence } from './record-accumulator.ts';
import type { PartitionQueue, ProducerBatch, RecordAccumulator } from './record-accumulator.ts';

/** What the header of a batch carries when it is sent. */
export interface BatchStamp {
  /** Without idempotence batches carry no producer id and no sequence. */
  readonly idempotent: boolean;
  readonly compression: CompressionCodec;
  readonly producerId: bigint;
  readonly producerEpoch: number;
  /** A transactional producer's batches are marked so, for read_committed consumers and the broker's checks. */
  readonly transactional: boolean;
}

/** The batches of one Produce request, with the bytes each is sent as. */
export interface TakenBatches {
  readonly batches: ProducerBatch[];
  readonly encoded: Buffer[];
  /**
   * The index of `queues` the next request to this broker starts at: the partition that did
   * not fit goes first next time, so partitions late in the list are not starved by early ones.
   */
  readonly next: number;
}

/**
 * Takes the batches of one Produce request: the head batch of each queue that `mayGo`
 * allows, going round `queues` from `from`, until the next would take the request past
 * `maxRequestSize` (a first batch goes however large it is: the broker's limits judge it).
 *
 * A batch is measured before it is stamped: a batch left for a later request keeps no send
 * order and no sequence, so it goes later as a first attempt rather than being held back as
 * a resend, and an OUT_OF_ORDER answer is not blamed on it. Its size bound is its cached
 * encoding, else its uncompressed bytes (which compression only shrinks, bar a few bytes of
 * framing on data that does not compress).
 */
export function takeBatches(
  accumulator: RecordAccumulator,
  queues: readonly PartitionQueue[],
  from: number,
  maxRequestSize: number,
  mayGo: (queue: PartitionQueue) => boolean,
  stamp: BatchStamp,
): TakenBatches {
  const batches: ProducerBatch[] = [];
  const encoded: Buffer[] = [];
  let size = 0;
  const start = queues.length === 0 ? 0 : from % queues.length;
  for (let i = 0; i < queues.length; i++) {
    const at = (start + i) % queues.length;
    const queue = queues[at]!;
    if (!mayGo(queue)) continue;
    const head = queue.queue[0]!;
    if (batches.length > 0 && size + (head.encoded?.length ?? head.bytes) > maxRequestSize) return { batches, encoded, next: at };
    queue.queue.shift();
    queue.inFlight.push(head);
    const bytes = stampAndEncode(accumulator, queue, head, stamp);
    batches.push(head);
    encoded.push(bytes);
    size += bytes.length;
  }
  return { batches, encoded, next: start };
}

/** Closes the batch, gives it its send order and sequence on first send, and encodes it (once per sequence). */
function stampAndEncode(accumulator: RecordAccumulator, queue: PartitionQueue, batch: ProducerBatch, stamp: BatchStamp): Buffer {
  accumulator.close(batch);
  if (batch.sentOrder < 0) batch.sentOrder = queue.sent++;
  if (stamp.idempotent && batch.baseSequence < 0) {
    batch.baseSequence = queue.nextSequence;
    queue.nextSequence = addSequence(queue.nextSequence, batch.count);
    batch.encoded = undefined;
  }
  batch.encoded ??= stamp.idempotent ? batch.encode(stamp.compression, stamp.producerId, stamp.producerEpoch, batch.baseSequence, stamp.transactional) : batch.encode(stamp.compression, -1n, -1, -1);
  return batch.encoded;
}
