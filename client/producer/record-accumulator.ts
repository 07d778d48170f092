import { systemClock } from '../../core/base/index.ts';
import type { Clock } from '../../core/base/index.ts';
import { BatchLayout, RecordBatchBuilder, decodeRecordBatch } from '../../core/records/index.ts';
import type { CompressionCodec, Record as DecodedRecord } from '../../core/records/index.ts';

/** Bytes of a record batch v2 header (61), counted once per batch against batchSize and bufferMemory. */
export const BATCH_OVERHEAD = BatchLayout.HEADER_SIZE;
/** A bound on a record's framing in a batch: length, attributes, deltas, key/value lengths, header count. */
export const RECORD_OVERHEAD = 5 + 1 + 10 + 5 + 5 + 5 + 5;
/** A bound on one header's framing: key and value lengths. */
export const HEADER_OVERHEAD = 10;
const MAX_SEQUENCE = 0x7fffffff;
/** Released batch buffers kept for reuse, at most this many bytes (Kafka's BufferPool idea: no allocation churn). */
const POOL_LIMIT_BYTES = 32 * 1024 * 1024;
/**
 * A partition's first batch starts with a buffer this size (or its first record's); later ones
 * start at the size its previous batch reached, with a quarter more room, so a busy partition's
 * batches are not grown by doubling (a copy each step) batch after batch. A large batchSize
 * costs memory only on partitions whose traffic fills their batches, not on every partition
 * written to.
 */
const INITIAL_BATCH_BYTES = 16 * 1024;

/** Where a record's outcome goes: `send` resolves one promise, `sendBatch` fills a slot of an array. */
export interface RecordSink {
  done(slot: number, topic: string, partition: number, offset: bigint, timestamp: bigint): void;
  fail(slot: number, error: Error): void;
}

export interface RecordHeaderBytes {
  readonly key: string;
  readonly value: Buffer | null;
}

/**
 * Records bound for one partition, sent (and retried) as one record batch. Records are
 * encoded into the batch as they arrive (core/records' RecordBatchBuilder): nothing of a
 * record but its outcome sink and timestamp is kept, and closing the batch only writes
 * the 61-byte header (and compresses).
 */
export class ProducerBatch {
  readonly topic: string;
  readonly partition: number;
  readonly sinks: RecordSink[] = [];
  readonly slots: number[] = [];
  /** Each record's timestamp in ms, for its metadata. */
  readonly timestamps: number[] = [];
  readonly createdAt: number;
  private readonly builder: RecordBatchBuilder;
  /** No more records go in: full, or taken by the sender. */
  closed = false;
  /** Idempotent producers: assigned when first sent, kept across retries. -1 until then. */
  baseSequence = -1;
  attempts = 0;
  /**
   * The order in which the partition's batches were first sent (-1 before); retries keep it.
   * The pieces of a split batch share its place: each takes a fraction of its `orderSpan`.
   */
  sentOrder = -1;
  orderSpan = 1;
  /** Not sent again before this time (retry backoff). */
  retryAt = 0;
  /** The sequence changed while the batch was in flight: its OUT_OF_ORDER answer is expected. */
  resequenced = false;
  /** The bytes last sent, reused by a retry unless the header changes. */
  encoded: Buffer | undefined;
  settled = false;

  constructor(topic: string, partition: number, createdAt: number, buffer: Buffer) {
    this.topic = topic;
    this.partition = partition;
    this.createdAt = createdAt;
    this.builder = new RecordBatchBuilder({ buffer });
  }

  get count(): number {
    return this.sinks.length;
  }

  /** Bytes of the batch so far (header and uncompressed records): what it holds of bufferMemory. */
  get bytes(): number {
    return this.builder.sizeInBytes;
  }

  /** Encodes a record at the end of the batch; returns the bytes it took. */
  add(key: Buffer | null, value: Buffer | null, headers: readonly RecordHeaderBytes[] | undefined, timestamp: number, sink: RecordSink, slot: number): number {
    const size = this.builder.append(timestamp, key, value, headers);
    this.sinks.push(sink);
    this.slots.push(slot);
    this.timestamps.push(timestamp);
    return size;
  }

  /**
   * The batch as sent: header (producer id, epoch, sequence) and records, compressed with
   * `codec` (once, however often the header changes). Uncompressed batches are the builder's
   * own buffer, written in place.
   */
  encode(codec: CompressionCodec, producerId: bigint, producerEpoch: number, baseSequence: number, transactional = false): Buffer {
    return this.builder.finish({ compression: codec, producerId, producerEpoch, baseSequence, transactional });
  }

  /** The records, read back from the batch's own buffer (views, valid until it is released). */
  records(): DecodedRecord[] {
    return decodeRecordBatch(this.builder.finish(), 0, { verifyCrc: false }).records;
  }

  /** Resolves every record: offsets are consecutive from `baseOffset` (-1 for acks=0). */
  succeed(baseOffset: bigint, logAppendTime: bigint): void {
    if (this.settled) return;
    this.settled = true;
    // Records of a batch mostly share a millisecond: convert each distinct timestamp once.
    let lastMs = Number.NaN;
    let lastTimestamp = logAppendTime;
    for (let i = 0; i < this.sinks.length; i++) {
      const offset = baseOffset < 0n ? -1n : baseOffset + BigInt(i);
      if (logAppendTime < 0n && this.timestamps[i] !== lastMs) {
        lastMs = this.timestamps[i]!;
        lastTimestamp = BigInt(lastMs);
      }
      this.sinks[i]!.done(this.slots[i]!, this.topic, this.partition, offset, lastTimestamp);
    }
  }

  fail(error: Error): void {
    if (this.settled) return;
    this.settled = true;
    for (let i = 0; i < this.sinks.length; i++) this.sinks[i]!.fail(this.slots[i]!, error);
  }

  /** Hands the builder's buffer back (for reuse) once the batch is settled; the batch is empty after. */
  detachBuffer(): Buffer {
    this.encoded = undefined;
    return this.builder.detachBuffer();
  }
}

/** What the producer knows of one partition: batches waiting to be sent and those in flight. */
export class PartitionQueue {
  readonly topic: string;
  readonly partition: number;
  /** Waiting batches, oldest first; retried batches go back in sequence order at the front. */
  readonly queue: ProducerBatch[] = [];
  /** Sent and not yet answered, in the order sent. */
  readonly inFlight: ProducerBatch[] = [];
  /** Idempotence: the sequence of the next batch sent for the first time. */
  nextSequence = 0;
  /** Batches sent so far, numbering `sentOrder`. */
  sent = 0;
  /** A batch is being retried: nothing more is sent until every in-flight batch is answered, so order holds. */
  retrying = false;
  /** Bytes at which a batch is closed: batchSize, or less once the broker refused a batch as too large. */
  batchLimit: number;
  /** Bytes of the partition's latest batch so far: what its next batch's buffer is sized by. */
  lastBatchBytes = 0;

  constructor(topic: string, partition: number, batchLimit: number) {
    this.topic = topic;
    this.partition = partition;
    this.batchLimit = batchLimit;
  }
}

/** Kafka's sequence arithmetic: wraps to 0 after 2^31-1. */
export function addSequence(sequence: number, delta: number): number {
  const next = sequence + delta;
  if (next > MAX_SEQUENCE) return next - MAX_SEQUENCE - 1;
  if (next < 0) return next + MAX_SEQUENCE + 1;
  return next;
}

/** An upper bound of a decoded record's bytes in a batch, as `Producer` estimates a record it is sent. */
function recordBound(record: DecodedRecord): number {
  let size = RECORD_OVERHEAD + (record.key?.length ?? 0) + (record.value?.length ?? 0);
  for (const header of record.headers) size += HEADER_OVERHEAD + Buffer.byteLength(header.key) + (header.value?.length ?? 0);
  return size;
}

/**
 * Collects records into per-partition batches of at most `batchSize` bytes (one record larger
 * than that gets a batch of its own), and accounts the memory they hold.
 */
export class RecordAccumulator {
  readonly partitions = new Map<string, PartitionQueue>();
  private readonly byTopic = new Map<string, PartitionQueue[]>();
  readonly batchSize: number;
  /** Bytes of every unfinished batch (waiting or in flight). */
  bufferUsed = 0;
  /** Unfinished batches, for flush(). */
  readonly open = new Set<ProducerBatch>();
  private readonly pool: Buffer[] = [];
  private poolBytes = 0;
  /** Topics whose batches the broker refused as too large: the smaller batch size they get from then on. */
  private readonly topicLimits = new Map<string, number>();
  private readonly onClosed: (batch: ProducerBatch) => void;
  /** Dates new batches, whose age decides linger and delivery timeouts. */
  private readonly clock: Clock;

  constructor(batchSize: number, onClosed: (batch: ProducerBatch) => void, clock: Clock = systemClock) {
    this.batchSize = batchSize;
    this.onClosed = onClosed;
    this.clock = clock;
  }

  queueFor(topic: string, partition: number): PartitionQueue {
    let queues = this.byTopic.get(topic);
    if (queues === undefined) this.byTopic.set(topic, (queues = []));
    let queue = queues[partition];
    if (queue === undefined) {
      queue = new PartitionQueue(topic, partition, this.topicLimits.get(topic) ?? this.batchSize);
      queues[partition] = queue;
      this.partitions.set(`${topic}\u0000${partition}`, queue);
    }
    return queue;
  }

  /**
   * Adds a record whose encoded size is at most `size`. Returns true when this closed a
   * batch (it is full), so the sender has something ready.
   */
  append(
    topic: string,
    partition: number,
    key: Buffer | null,
    value: Buffer | null,
    headers: readonly RecordHeaderBytes[] | undefined,
    timestamp: number,
    size: number,
    sink: RecordSink,
    slot: number,
  ): boolean {
    const queue = this.queueFor(topic, partition);
    let batch = queue.queue.at(-1);
    let closedOne = false;
    if (batch !== undefined && !batch.closed && batch.count > 0 && batch.bytes + size > queue.batchLimit) {
      this.close(batch);
      closedOne = true;
    }
    if (batch === undefined || batch.closed) {
      const expected = Math.min(queue.batchLimit, queue.lastBatchBytes + (queue.lastBatchBytes >> 2));
      batch = new ProducerBatch(topic, partition, this.clock.now(), this.allocate(Math.max(BATCH_OVERHEAD + size, expected)));
      queue.queue.push(batch);
      this.open.add(batch);
      this.bufferUsed += BATCH_OVERHEAD;
    }
    this.bufferUsed += batch.add(key, value, headers, timestamp, sink, slot);
    queue.lastBatchBytes = batch.bytes;
    if (batch.bytes >= queue.batchLimit) {
      this.close(batch);
      closedOne = true;
    }
    return closedOne;
  }

  /** No more records go into `batch`. */
  close(batch: ProducerBatch): void {
    if (batch.closed) return;
    batch.closed = true;
    this.onClosed(batch);
  }

  /**
   * Splits a batch the broker refused as too large into batches of at most half its bytes (at
   * least one record each), in record order, and closes the topic's later batches at that size
   * too. The pieces take the batch's place: its records and their sinks, its sequence range
   * (the broker wrote none of it), its send order and age. The batch itself is released.
   */
  split(batch: ProducerBatch): ProducerBatch[] {
    const limit = Math.max(BATCH_OVERHEAD + 1, Math.floor(batch.bytes / 2));
    this.limitTopic(batch.topic, limit);
    const records = batch.records();
    const pieces: ProducerBatch[] = [];
    let piece: ProducerBatch | undefined;
    for (let i = 0; i < records.length; i++) {
      const record = records[i]!;
      const bound = recordBound(record);
      if (piece === undefined || (piece.count > 0 && piece.bytes + bound > limit)) {
        piece = new ProducerBatch(batch.topic, batch.partition, batch.createdAt, this.allocate(Math.min(limit, BATCH_OVERHEAD + bound)));
        piece.closed = true;
        pieces.push(piece);
      }
      piece.add(record.key, record.value, record.headers, batch.timestamps[i]!, batch.sinks[i]!, batch.slots[i]!);
    }
    const span = batch.orderSpan / pieces.length;
    let sequence = batch.baseSequence;
    for (let i = 0; i < pieces.length; i++) {
      const p = pieces[i]!;
      p.attempts = batch.attempts;
      p.sentOrder = batch.sentOrder + i * span;
      p.orderSpan = span;
      if (sequence >= 0) {
        p.baseSequence = sequence;
        sequence = addSequence(sequence, p.count);
      }
      this.open.add(p);
      this.bufferUsed += p.bytes;
    }
    // Its records live on in the pieces (copied: its buffer may be reused now).
    batch.settled = true;
    this.release(batch);
    return pieces;
  }

  /** The batch is answered (or given up): its memory is free again. */
  release(batch: ProducerBatch): void {
    if (!this.open.delete(batch)) return;
    this.bufferUsed -= batch.bytes;
    const buffer = batch.detachBuffer();
    if (buffer.length >= INITIAL_BATCH_BYTES && this.poolBytes + buffer.length <= POOL_LIMIT_BYTES) {
      this.pool.push(buffer);
      this.poolBytes += buffer.length;
    }
  }

  private limitTopic(topic: string, limit: number): void {
    const current = this.topicLimits.get(topic) ?? this.batchSize;
    if (limit >= current) return;
    this.topicLimits.set(topic, limit);
    // forEach skips the holes of partitions not written to yet.
    this.byTopic.get(topic)?.forEach((queue) => {
      queue.batchLimit = Math.min(queue.batchLimit, limit);
    });
  }

  /** A buffer for a new batch that holds at least `needed` bytes: a pooled one, or a new one of `needed` (at least INITIAL_BATCH_BYTES, unless batchSize is less). */
  private allocate(needed: number): Buffer {
    const pooled = this.pool.pop();
    if (pooled !== undefined) {
      this.poolBytes -= pooled.length;
      if (pooled.length >= needed) return pooled;
    }
    return Buffer.allocUnsafeSlow(Math.max(needed, Math.min(this.batchSize, INITIAL_BATCH_BYTES)));
  }
}
