import { BatchLayout, CompressionCodec, NO_PARTITION_LEADER_EPOCH, compress, crc32c, varintSize, writeVarint } from '../../core/records/index.ts';

/** Bytes of a record batch v2 header (61), counted once per batch against batchSize and bufferMemory. */
export const BATCH_OVERHEAD = BatchLayout.HEADER_SIZE;
/** A bound on a record's framing in a batch: length, attributes, deltas, key/value lengths, header count. */
export const RECORD_OVERHEAD = 5 + 1 + 10 + 5 + 5 + 5 + 5;
/** A bound on one header's framing: key and value lengths. */
export const HEADER_OVERHEAD = 10;
const MAX_SEQUENCE = 0x7fffffff;
/** Released batch buffers kept for reuse, at most this many bytes (Kafka's BufferPool idea: no allocation churn). */
const POOL_LIMIT_BYTES = 32 * 1024 * 1024;

/** Where a record's outcome goes: `send` resolves one promise, `sendBatch` fills a slot of an array. */
export interface RecordSink {
  done(slot: number, topic: string, partition: number, offset: bigint, timestamp: bigint): void;
  fail(slot: number, error: Error): void;
}

export interface RecordHeaderBytes {
  readonly key: string;
  readonly value: Buffer | null;
}

/** Zigzag of a safe integer as a non-negative double (exact below 2^52). */
function zigzag64(value: number): number {
  return value >= 0 ? value * 2 : -value * 2 - 1;
}

function varlongSize(value: number): number {
  let zz = zigzag64(value);
  let size = 1;
  while (zz >= 0x80) {
    zz = Math.floor(zz / 128);
    size++;
  }
  return size;
}

function writeVarlong(buf: Buffer, pos: number, value: number): number {
  let zz = zigzag64(value);
  while (zz >= 0x80) {
    buf[pos++] = (zz % 128) | 0x80;
    zz = Math.floor(zz / 128);
  }
  buf[pos++] = zz;
  return pos;
}

function bytesSize(bytes: Buffer | null): number {
  return bytes === null ? 1 : varintSize(bytes.length) + bytes.length;
}

function writeBytes(buf: Buffer, pos: number, bytes: Buffer | null): number {
  if (bytes === null) return writeVarint(buf, pos, -1);
  pos = writeVarint(buf, pos, bytes.length);
  bytes.copy(buf, pos);
  return pos + bytes.length;
}

const EMPTY = Buffer.alloc(0);

/**
 * Records bound for one partition, sent (and retried) as one record batch. Records are
 * encoded into the batch as they arrive (like Kafka's MemoryRecordsBuilder): nothing of a
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
  /** The batch header's 61 bytes, then the encoded records. */
  private buffer: Buffer;
  /** End of the encoded records in `buffer`. */
  private end: number = BatchLayout.HEADER_SIZE;
  private baseTimestamp = 0;
  private maxTimestamp = 0;
  /** No more records go in: full, or taken by the sender. */
  closed = false;
  /** Idempotent producers: assigned when first sent, kept across retries. -1 until then. */
  baseSequence = -1;
  attempts = 0;
  /** The order in which the partition's batches were first sent (-1 before); retries keep it. */
  sentOrder = -1;
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
    this.buffer = buffer;
  }

  get count(): number {
    return this.sinks.length;
  }

  /** Bytes of the batch so far (header and uncompressed records): what it holds of bufferMemory. */
  get bytes(): number {
    return this.end;
  }

  /** Encodes a record at the end of the batch; returns the bytes it took. */
  add(key: Buffer | null, value: Buffer | null, headers: readonly RecordHeaderBytes[] | undefined, timestamp: number, sink: RecordSink, slot: number): number {
    const offsetDelta = this.sinks.length;
    if (offsetDelta === 0) {
      this.baseTimestamp = timestamp;
      this.maxTimestamp = timestamp;
    } else if (timestamp > this.maxTimestamp) this.maxTimestamp = timestamp;
    const timestampDelta = timestamp - this.baseTimestamp;
    let bodySize = 1 + varlongSize(timestampDelta) + varintSize(offsetDelta) + bytesSize(key) + bytesSize(value);
    let headerKeys: Buffer[] | undefined;
    if (headers === undefined || headers.length === 0) bodySize += 1;
    else {
      headerKeys = headers.map((h) => Buffer.from(h.key, 'utf8'));
      bodySize += varintSize(headers.length);
      for (let i = 0; i < headers.length; i++) bodySize += bytesSize(headerKeys[i]!) + bytesSize(headers[i]!.value);
    }
    const size = varintSize(bodySize) + bodySize;
    this.reserve(size);
    const buf = this.buffer;
    let pos = writeVarint(buf, this.end, bodySize);
    buf[pos++] = 0;
    pos = writeVarlong(buf, pos, timestampDelta);
    pos = writeVarint(buf, pos, offsetDelta);
    pos = writeBytes(buf, pos, key);
    pos = writeBytes(buf, pos, value);
    if (headers === undefined || headerKeys === undefined) buf[pos++] = 0;
    else {
      pos = writeVarint(buf, pos, headers.length);
      for (let i = 0; i < headers.length; i++) {
        pos = writeBytes(buf, pos, headerKeys[i]!);
        pos = writeBytes(buf, pos, headers[i]!.value);
      }
    }
    this.end = pos;
    this.sinks.push(sink);
    this.slots.push(slot);
    this.timestamps.push(timestamp);
    return size;
  }

  /**
   * The batch as sent: header (producer id, epoch, sequence) and records, compressed with
   * `codec`. Uncompressed batches are the builder's own buffer, written in place.
   */
  encode(codec: CompressionCodec, producerId: bigint, producerEpoch: number, baseSequence: number): Buffer {
    let out: Buffer;
    if (codec === CompressionCodec.none) out = this.buffer.subarray(0, this.end);
    else {
      const compressed = compress(codec, this.buffer.subarray(BatchLayout.HEADER_SIZE, this.end));
      out = Buffer.allocUnsafe(BatchLayout.HEADER_SIZE + compressed.length);
      compressed.copy(out, BatchLayout.HEADER_SIZE);
    }
    out.writeBigInt64BE(0n, BatchLayout.BASE_OFFSET);
    out.writeInt32BE(out.length - BatchLayout.LOG_OVERHEAD, BatchLayout.BATCH_LENGTH);
    out.writeInt32BE(NO_PARTITION_LEADER_EPOCH, BatchLayout.PARTITION_LEADER_EPOCH);
    out.writeInt8(2, BatchLayout.MAGIC);
    out.writeInt16BE(codec, BatchLayout.ATTRIBUTES);
    out.writeInt32BE(this.count - 1, BatchLayout.LAST_OFFSET_DELTA);
    out.writeBigInt64BE(BigInt(this.baseTimestamp), BatchLayout.BASE_TIMESTAMP);
    out.writeBigInt64BE(BigInt(this.maxTimestamp), BatchLayout.MAX_TIMESTAMP);
    out.writeBigInt64BE(producerId, BatchLayout.PRODUCER_ID);
    out.writeInt16BE(producerEpoch, BatchLayout.PRODUCER_EPOCH);
    out.writeInt32BE(baseSequence, BatchLayout.BASE_SEQUENCE);
    out.writeInt32BE(this.count, BatchLayout.RECORDS_COUNT);
    out.writeUInt32BE(crc32c(out.subarray(BatchLayout.ATTRIBUTES)), BatchLayout.CRC);
    return out;
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
    const buffer = this.buffer;
    this.buffer = EMPTY;
    this.encoded = undefined;
    return buffer;
  }

  private reserve(size: number): void {
    if (this.end + size <= this.buffer.length) return;
    let capacity = this.buffer.length * 2;
    while (capacity < this.end + size) capacity *= 2;
    const grown = Buffer.allocUnsafe(capacity);
    this.buffer.copy(grown, 0, 0, this.end);
    this.buffer = grown;
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

  constructor(topic: string, partition: number) {
    this.topic = topic;
    this.partition = partition;
  }
}

/** Kafka's sequence arithmetic: wraps to 0 after 2^31-1. */
export function addSequence(sequence: number, delta: number): number {
  const next = sequence + delta;
  if (next > MAX_SEQUENCE) return next - MAX_SEQUENCE - 1;
  if (next < 0) return next + MAX_SEQUENCE + 1;
  return next;
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
  private readonly onClosed: (batch: ProducerBatch) => void;

  constructor(batchSize: number, onClosed: (batch: ProducerBatch) => void) {
    this.batchSize = batchSize;
    this.onClosed = onClosed;
  }

  queueFor(topic: string, partition: number): PartitionQueue {
    let queues = this.byTopic.get(topic);
    if (queues === undefined) this.byTopic.set(topic, (queues = []));
    let queue = queues[partition];
    if (queue === undefined) {
      queue = new PartitionQueue(topic, partition);
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
    if (batch !== undefined && !batch.closed && batch.count > 0 && batch.bytes + size > this.batchSize) {
      this.close(batch);
      closedOne = true;
    }
    if (batch === undefined || batch.closed) {
      batch = new ProducerBatch(topic, partition, Date.now(), this.allocate(BATCH_OVERHEAD + size));
      queue.queue.push(batch);
      this.open.add(batch);
      this.bufferUsed += BATCH_OVERHEAD;
    }
    this.bufferUsed += batch.add(key, value, headers, timestamp, sink, slot);
    if (batch.bytes >= this.batchSize) {
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

  /** The batch is answered (or given up): its memory is free again. */
  release(batch: ProducerBatch): void {
    if (!this.open.delete(batch)) return;
    this.bufferUsed -= batch.bytes;
    const buffer = batch.detachBuffer();
    if (buffer.length === this.batchSize && (this.pool.length + 1) * this.batchSize <= POOL_LIMIT_BYTES) this.pool.push(buffer);
  }

  /** A buffer for a new batch: batchSize bytes (pooled), or more for one record larger than that. */
  private allocate(needed: number): Buffer {
    if (needed > this.batchSize) return Buffer.allocUnsafe(needed);
    return this.pool.pop() ?? Buffer.allocUnsafeSlow(this.batchSize);
  }
}
