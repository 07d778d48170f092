import type { PartitionLog } from '../../core/log/index.ts';
import { ErrorCode } from '../../core/protocol/index.ts';
import { BatchLayout, ControlRecordType, decodeControlRecordType, decodeRecordBatch, isControlBatch, isTransactionalBatch, readBatchHeader } from '../../core/records/index.ts';
import type { BatchHeader } from '../../core/records/index.ts';
import { ProducerStateError, ProducerStateErrorCode } from './errors.ts';

/**
 * Kafka's ProducerStateEntry.NUM_BATCHES_TO_RETAIN. An idempotent client keeps at most 5
 * requests in flight per partition, so a retry can only ever repeat one of the last 5.
 */
export const MAX_CACHED_BATCHES = 5;

const MAX_SEQUENCE = 0x7fffffff;
const MAX_EPOCH = 0x7fff;
const INT64_MAX = 0x7fffffffffffffffn;
const INT64_MIN = -0x8000000000000000n;
const NO_SEQUENCE = -1;
const NO_TIMESTAMP = -1n;
/** Big enough to amortise read calls on a rebuild, small enough not to matter as memory. */
const SCAN_CHUNK_BYTES = 4 << 20;

/** What the producer state needs to know about one batch of an append. */
export interface ProducerBatch {
  /** Negative for a non-idempotent batch, which only takes offsets. */
  producerId: bigint;
  producerEpoch: number;
  baseSequence: number;
  /** Offsets the batch takes (recordsCount; equal to lastOffsetDelta + 1 for a client batch). */
  recordCount: number;
  /** The batch's max timestamp, when known: the producer's last activity. */
  maxTimestamp?: bigint;
  /** Part of a transaction: the first such batch opens one, a marker closes it. */
  transactional?: boolean;
  /**
   * Written by a coordinator inside the producer's transaction (TxnOffsetCommit's offsets),
   * without a sequence: only the epoch is checked, and the transaction is opened.
   */
  coordinatorWrite?: boolean;
}

/** A transaction marker about to be appended for a producer. */
export interface TxnMarker {
  producerId: bigint;
  producerEpoch: number;
  type: ControlRecordType;
}

/** A transaction a marker closed: where it began and where its marker is. */
export interface CompletedTxn {
  producerId: bigint;
  firstOffset: bigint;
  lastOffset: bigint;
  aborted: boolean;
  /** The partition's last stable offset once the marker is in: the first offset still unstable, or one past the marker. */
  lastStableOffset: bigint;
}

export type MarkerPrepareResult =
  | { readonly kind: 'append'; readonly completed: CompletedTxn | undefined; commit(): void }
  | { readonly kind: 'error'; readonly errorCode: ErrorCode; readonly message: string };

export interface BatchMetadata {
  readonly firstSeq: number;
  readonly lastSeq: number;
  readonly firstOffset: bigint;
  readonly lastOffset: bigint;
}

/** Immutable: an update replaces the entry, so a prepared append never sees half a change. */
export interface ProducerEntry {
  readonly producerEpoch: number;
  /** Oldest first, at most MAX_CACHED_BATCHES, all of `producerEpoch`. */
  readonly batches: readonly BatchMetadata[];
  /** The last batch's timestamp; -1 when unknown. */
  readonly lastTimestamp: bigint;
  /** The first offset of the producer's ongoing transaction here; undefined when none is open. */
  readonly currentTxnFirstOffset?: bigint | undefined;
}

export type PrepareResult =
  | { readonly kind: 'append'; commit(): void }
  | { readonly kind: 'duplicate'; readonly firstOffset: bigint; readonly lastOffset: bigint }
  | { readonly kind: 'error'; readonly errorCode: ErrorCode; readonly message: string };

/** JSON-able: int64 values are decimal strings. */
export interface ProducerStateSnapshot {
  version: 1;
  /** The log end offset when it was taken: every batch below it is accounted for. */
  offset: string;
  producers: SnapshotProducer[];
}

export interface SnapshotProducer {
  producerId: string;
  producerEpoch: number;
  lastTimestamp: string;
  batches: SnapshotBatch[];
  /** Present while a transaction is open; older snapshots lack it. */
  currentTxnFirstOffset?: string;
}

export interface SnapshotBatch {
  firstSeq: number;
  lastSeq: number;
  firstOffset: string;
  lastOffset: string;
}

/**
 * The idempotent producers of one partition (Kafka's ProducerStateManager): per producer
 * id the epoch and the last 5 batches, which is what it takes to reject gaps and fenced
 * producers and to answer a retried batch with the offsets it got the first time.
 */
export class PartitionProducerState {
  private readonly producers = new Map<bigint, ProducerEntry>();
  /** Bumped on every change, so a commit can tell that its prepare went stale. */
  private version = 0;

  get producerCount(): number {
    return this.producers.size;
  }

  /** Grows with every change, so a snapshot writer can tell whether anything changed since it last looked. */
  get changeCount(): number {
    return this.version;
  }

  entry(producerId: bigint): ProducerEntry | undefined {
    return this.producers.get(producerId);
  }

  producerIds(): bigint[] {
    return [...this.producers.keys()].sort(compareBigint);
  }

  /**
   * Checks the batches of one append, in order, against the state and against each other.
   * `nextOffset` is the offset the log will give the first record; every batch must be
   * passed, idempotent or not, because each one takes offsets. Changes nothing: on
   * 'append' the caller appends and then calls commit() before anything else touches
   * this state.
   */
  prepare(batches: readonly ProducerBatch[], nextOffset: bigint): PrepareResult {
    const updated = new Map<bigint, ProducerEntry>();
    let offset = nextOffset;
    for (const batch of batches) {
      const firstOffset = offset;
      const lastOffset = offset + BigInt(batch.recordCount) - 1n;
      offset = lastOffset + 1n;
      if (batch.producerId < 0n) continue;
      if (batch.coordinatorWrite === true) {
        const current = updated.get(batch.producerId) ?? this.producers.get(batch.producerId);
        if (current !== undefined && batch.producerEpoch < current.producerEpoch) {
          return error(ErrorCode.INVALID_PRODUCER_EPOCH, `producer ${batch.producerId} epoch ${batch.producerEpoch} is older than its current epoch ${current.producerEpoch}`);
        }
        updated.set(batch.producerId, openedBy(current, batch.producerEpoch, firstOffset));
        continue;
      }
      const invalid = invalidField(batch);
      if (invalid !== undefined) return error(ErrorCode.INVALID_RECORD, `producer ${batch.producerId}: ${invalid}`);

      const firstSeq = batch.baseSequence;
      const lastSeq = incrementSequence(firstSeq, batch.recordCount - 1);
      const current = updated.get(batch.producerId) ?? this.producers.get(batch.producerId);
      if (current !== undefined) {
        const duplicate = findDuplicate(current, batch.producerEpoch, firstSeq, lastSeq);
        if (duplicate !== undefined) {
          if (batches.length === 1) return { kind: 'duplicate', firstOffset: duplicate.firstOffset, lastOffset: duplicate.lastOffset };
          // Which batches of the request did get in is unknowable to the client; make it resend in order.
          return error(
            ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
            `producer ${batch.producerId} epoch ${batch.producerEpoch}: sequences ${firstSeq}..${lastSeq} were already appended (offsets ${duplicate.firstOffset}..${duplicate.lastOffset}), inside a multi-batch append`,
          );
        }
        const rejection = checkSequence(batch, current);
        if (rejection !== undefined) return rejection;
      }
      const next = withBatch(current, batch.producerEpoch, { firstSeq, lastSeq, firstOffset, lastOffset }, batch.maxTimestamp);
      updated.set(batch.producerId, batch.transactional === true && next.currentTxnFirstOffset === undefined ? { ...next, currentTxnFirstOffset: firstOffset } : next);
    }
    if (updated.size === 0) return { kind: 'append', commit: () => undefined };
    const preparedAt = this.version;
    return {
      kind: 'append',
      commit: () => {
        if (this.version !== preparedAt) {
          throw new ProducerStateError(
            ProducerStateErrorCode.STALE_PREPARE,
            'producer state changed between prepare() and commit() (or commit() ran twice); prepare, append and commit must run back to back',
          );
        }
        for (const [producerId, entry] of updated) this.producers.set(producerId, entry);
        this.version++;
      },
    };
  }

  /**
   * The first offset of the earliest transaction still open here: the last stable offset
   * is this or the high watermark, whichever is lower. Undefined when none is open.
   */
  firstUnstableOffset(): bigint | undefined {
    let first: bigint | undefined;
    for (const entry of this.producers.values()) {
      const offset = entry.currentTxnFirstOffset;
      if (offset !== undefined && (first === undefined || offset < first)) first = offset;
    }
    return first;
  }

  /** Producers with an open transaction and where it began, by first offset. */
  ongoingTransactions(): { producerId: bigint; producerEpoch: number; firstOffset: bigint }[] {
    const out: { producerId: bigint; producerEpoch: number; firstOffset: bigint }[] = [];
    for (const [producerId, entry] of this.producers) {
      if (entry.currentTxnFirstOffset !== undefined) out.push({ producerId, producerEpoch: entry.producerEpoch, firstOffset: entry.currentTxnFirstOffset });
    }
    return out.sort((a, b) => compareBigint(a.firstOffset, b.firstOffset));
  }

  /**
   * Checks a transaction marker that will land at `offset` (Kafka's appendEndTxnMarker): a
   * marker of an older epoch than the producer's is refused. On 'append' the caller appends
   * the marker and calls commit(), which closes the transaction and adopts the marker's
   * epoch (a coordinator that aborts on a timeout bumps it, fencing the old instance).
   */
  prepareMarker(marker: TxnMarker, offset: bigint): MarkerPrepareResult {
    const current = this.producers.get(marker.producerId);
    if (current !== undefined && marker.producerEpoch < current.producerEpoch) {
      return {
        kind: 'error',
        errorCode: ErrorCode.INVALID_PRODUCER_EPOCH,
        message: `transaction marker for producer ${marker.producerId} has epoch ${marker.producerEpoch}, older than its current epoch ${current.producerEpoch}`,
      };
    }
    const next = closedTxn(current, marker.producerEpoch);
    let completed: CompletedTxn | undefined;
    if (current?.currentTxnFirstOffset !== undefined) {
      let stable = offset + 1n;
      for (const [producerId, entry] of this.producers) {
        const first = entry.currentTxnFirstOffset;
        if (producerId !== marker.producerId && first !== undefined && first < stable) stable = first;
      }
      completed = {
        producerId: marker.producerId,
        firstOffset: current.currentTxnFirstOffset,
        lastOffset: offset,
        aborted: marker.type === ControlRecordType.ABORT,
        lastStableOffset: stable,
      };
    }
    const preparedAt = this.version;
    return {
      kind: 'append',
      completed,
      commit: () => {
        if (this.version !== preparedAt) {
          throw new ProducerStateError(ProducerStateErrorCode.STALE_PREPARE, 'producer state changed between prepareMarker() and commit() (or commit() ran twice)');
        }
        this.producers.set(marker.producerId, next);
        this.version++;
      },
    };
  }

  /**
   * Replays the batch headers of `log` from `fromOffset` (default the log start) to its
   * end. Batches were checked when they were appended, so nothing is checked again.
   * Transactional batches open a transaction and markers close it; returns the
   * transactions the replayed markers closed, so the caller can restore a missing
   * aborted-transaction index entry.
   */
  loadFromLog(log: PartitionLog, fromOffset: bigint = log.logStartOffset): CompletedTxn[] {
    const completed: CompletedTxn[] = [];
    let offset = fromOffset < log.logStartOffset ? log.logStartOffset : fromOffset;
    const end = log.logEndOffset;
    let chunk: Buffer | undefined;
    while (offset < end) {
      chunk ??= Buffer.allocUnsafe(SCAN_CHUNK_BYTES);
      const { records } = log.read(offset, SCAN_CHUNK_BYTES, { into: chunk });
      const before = offset;
      for (let pos = 0; records.length - pos >= BatchLayout.HEADER_SIZE; ) {
        const header = readBatchHeader(records, pos);
        const size = header.batchLength + BatchLayout.LOG_OVERHEAD;
        if (size < BatchLayout.HEADER_SIZE || size > records.length - pos) break;
        const lastOffset = header.baseOffset + BigInt(header.lastOffsetDelta);
        if (lastOffset >= offset) {
          const done = this.replay(header, records.subarray(pos, pos + size));
          if (done !== undefined) completed.push(done);
          offset = lastOffset + 1n;
        }
        pos += size;
      }
      if (offset === before) break;
    }
    this.version++;
    return completed;
  }

  /**
   * Forgets producers whose last batch lies below `offset` (the new log start offset), as
   * Kafka does when retention or DeleteRecords removes their data: such a producer is then
   * unknown and may continue with any sequence.
   */
  removeProducersBefore(offset: bigint): number {
    let removed = 0;
    for (const [producerId, entry] of this.producers) {
      const last = entry.batches.at(-1);
      // A producer with an open transaction stays: its marker is still to come.
      if (entry.currentTxnFirstOffset === undefined && (last === undefined || last.lastOffset < offset)) {
        this.producers.delete(producerId);
        removed++;
      }
    }
    if (removed > 0) this.version++;
    return removed;
  }

  /** The state as JSON-able data; `offset` is the log end offset it covers. */
  snapshot(offset: bigint): ProducerStateSnapshot {
    return {
      version: 1,
      offset: offset.toString(),
      producers: this.producerIds().map((producerId) => {
        const entry = this.producers.get(producerId)!;
        return {
          producerId: producerId.toString(),
          producerEpoch: entry.producerEpoch,
          lastTimestamp: entry.lastTimestamp.toString(),
          batches: entry.batches.map((b) => ({
            firstSeq: b.firstSeq,
            lastSeq: b.lastSeq,
            firstOffset: b.firstOffset.toString(),
            lastOffset: b.lastOffset.toString(),
          })),
          ...(entry.currentTxnFirstOffset === undefined ? {} : { currentTxnFirstOffset: entry.currentTxnFirstOffset.toString() }),
        };
      }),
    };
  }

  /** Rebuilds a state from snapshot data, checking every field; throws INVALID_SNAPSHOT. */
  static restore(data: unknown): { state: PartitionProducerState; offset: bigint } {
    const root = objectAt(data, 'snapshot');
    if (root['version'] !== 1) invalid('snapshot.version', `is ${JSON.stringify(root['version'])}, expected 1`);
    const offset = int64At(root, 'offset', 'snapshot', 0n);
    const state = new PartitionProducerState();
    arrayAt(root, 'producers', 'snapshot').forEach((item, i) => {
      const where = `producers[${i}]`;
      const p = objectAt(item, where);
      const producerId = int64At(p, 'producerId', where, 0n);
      if (state.producers.has(producerId)) invalid(`${where}.producerId`, `repeats producer ${producerId}`);
      const producerEpoch = intAt(p, 'producerEpoch', where, 0, MAX_EPOCH);
      const lastTimestamp = int64At(p, 'lastTimestamp', where, INT64_MIN);
      const raw = arrayAt(p, 'batches', where);
      if (raw.length > MAX_CACHED_BATCHES) invalid(`${where}.batches`, `has ${raw.length} entries, at most ${MAX_CACHED_BATCHES} are kept`);
      let previousLast = -1n;
      const batches = raw.map((b, j): BatchMetadata => {
        const at = `${where}.batches[${j}]`;
        const o = objectAt(b, at);
        const firstOffset = int64At(o, 'firstOffset', at, 0n);
        const lastOffset = int64At(o, 'lastOffset', at, 0n);
        if (firstOffset <= previousLast || lastOffset < firstOffset || lastOffset >= offset) {
          invalid(at, `has offsets ${firstOffset}..${lastOffset}, which are not ascending below the snapshot offset ${offset}`);
        }
        previousLast = lastOffset;
        return { firstSeq: intAt(o, 'firstSeq', at, 0, MAX_SEQUENCE), lastSeq: intAt(o, 'lastSeq', at, 0, MAX_SEQUENCE), firstOffset, lastOffset };
      });
      let currentTxnFirstOffset: bigint | undefined;
      if (p['currentTxnFirstOffset'] !== undefined) {
        currentTxnFirstOffset = int64At(p, 'currentTxnFirstOffset', where, 0n);
        if (currentTxnFirstOffset >= offset) invalid(`${where}.currentTxnFirstOffset`, `is ${currentTxnFirstOffset}, not below the snapshot offset ${offset}`);
      }
      state.producers.set(producerId, { producerEpoch, batches, lastTimestamp, currentTxnFirstOffset });
    });
    return { state, offset };
  }

  private replay(header: BatchHeader, batch: Buffer): CompletedTxn | undefined {
    if (header.producerId < 0n) return undefined;
    if (isControlBatch(header.attributes)) return this.replayMarker(header, batch);
    if (header.producerEpoch < 0) return undefined;
    // A coordinator's write inside a transaction carries no sequence; it only opens the transaction.
    if (header.baseSequence < 0) {
      if (isTransactionalBatch(header.attributes)) this.producers.set(header.producerId, openedBy(this.producers.get(header.producerId), header.producerEpoch, header.baseOffset));
      return undefined;
    }
    const current = this.producers.get(header.producerId);
    const meta: BatchMetadata = {
      firstSeq: header.baseSequence,
      lastSeq: incrementSequence(header.baseSequence, header.lastOffsetDelta),
      firstOffset: header.baseOffset,
      lastOffset: header.baseOffset + BigInt(header.lastOffsetDelta),
    };
    const next = withBatch(current, header.producerEpoch, meta, header.maxTimestamp);
    const opens = isTransactionalBatch(header.attributes) && next.currentTxnFirstOffset === undefined;
    this.producers.set(header.producerId, opens ? { ...next, currentTxnFirstOffset: header.baseOffset } : next);
    return undefined;
  }

  private replayMarker(header: BatchHeader, batch: Buffer): CompletedTxn | undefined {
    let type: ControlRecordType;
    try {
      type = decodeControlRecordType(decodeRecordBatch(batch).records[0]?.key ?? null);
    } catch {
      // Not a transaction marker this broker knows; it closes nothing.
      return undefined;
    }
    const prepared = this.prepareMarker({ producerId: header.producerId, producerEpoch: header.producerEpoch, type }, header.baseOffset);
    if (prepared.kind !== 'append') return undefined;
    prepared.commit();
    return prepared.completed;
  }
}

/** The entry with a transaction open from `offset` (kept if one is open already); a new epoch starts a new sequence space. */
function openedBy(current: ProducerEntry | undefined, epoch: number, offset: bigint): ProducerEntry {
  const sameEpoch = current !== undefined && current.producerEpoch === epoch;
  return {
    producerEpoch: epoch,
    batches: sameEpoch ? current.batches : [],
    lastTimestamp: current?.lastTimestamp ?? NO_TIMESTAMP,
    currentTxnFirstOffset: current?.currentTxnFirstOffset ?? offset,
  };
}

/** The entry once a marker of `epoch` closed its transaction; a new epoch starts a new sequence space. */
function closedTxn(current: ProducerEntry | undefined, epoch: number): ProducerEntry {
  if (current === undefined) return { producerEpoch: epoch, batches: [], lastTimestamp: NO_TIMESTAMP };
  return { producerEpoch: epoch, batches: current.producerEpoch === epoch ? current.batches : [], lastTimestamp: current.lastTimestamp };
}

function error(errorCode: ErrorCode, message: string): PrepareResult {
  return { kind: 'error', errorCode, message };
}

/** Kafka's ProducerAppendInfo.checkProducerEpoch and checkSequence, for a producer with state. */
function checkSequence(batch: ProducerBatch, current: ProducerEntry): PrepareResult | undefined {
  const { producerId, producerEpoch, baseSequence } = batch;
  if (producerEpoch < current.producerEpoch) {
    return error(
      ErrorCode.INVALID_PRODUCER_EPOCH,
      `producer ${producerId} sent epoch ${producerEpoch}, older than its current epoch ${current.producerEpoch}: a newer instance has fenced it`,
    );
  }
  if (producerEpoch !== current.producerEpoch) {
    if (baseSequence === 0) return undefined;
    return error(
      ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
      `producer ${producerId} began epoch ${producerEpoch} at sequence ${baseSequence}; a new epoch must begin at 0`,
    );
  }
  const lastSeq = current.batches.at(-1)?.lastSeq ?? NO_SEQUENCE;
  if (inSequence(lastSeq, baseSequence)) return undefined;
  return error(
    ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
    `producer ${producerId} epoch ${producerEpoch}: expected sequence ${incrementSequence(lastSeq, 1)}, got ${baseSequence}`,
  );
}

function findDuplicate(entry: ProducerEntry, epoch: number, firstSeq: number, lastSeq: number): BatchMetadata | undefined {
  if (entry.producerEpoch !== epoch) return undefined;
  return entry.batches.find((b) => b.firstSeq === firstSeq && b.lastSeq === lastSeq);
}

function withBatch(current: ProducerEntry | undefined, epoch: number, batch: BatchMetadata, timestamp: bigint | undefined): ProducerEntry {
  // A new epoch starts a new sequence space: older batches can no longer be retried.
  const kept = current !== undefined && current.producerEpoch === epoch ? current.batches : [];
  return {
    producerEpoch: epoch,
    batches: [...kept, batch].slice(-MAX_CACHED_BATCHES),
    lastTimestamp: timestamp ?? current?.lastTimestamp ?? NO_TIMESTAMP,
    currentTxnFirstOffset: current?.currentTxnFirstOffset,
  };
}

function invalidField(batch: ProducerBatch): string | undefined {
  if (!Number.isInteger(batch.recordCount) || batch.recordCount < 1 || batch.recordCount > MAX_SEQUENCE) {
    return `record count ${batch.recordCount} is out of range`;
  }
  if (!Number.isInteger(batch.baseSequence) || batch.baseSequence < 0 || batch.baseSequence > MAX_SEQUENCE) {
    return `an idempotent batch needs a base sequence in [0, ${MAX_SEQUENCE}], got ${batch.baseSequence}`;
  }
  if (!Number.isInteger(batch.producerEpoch) || batch.producerEpoch < 0 || batch.producerEpoch > MAX_EPOCH) {
    return `an idempotent batch needs a producer epoch in [0, ${MAX_EPOCH}], got ${batch.producerEpoch}`;
  }
  return undefined;
}

/** Sequences wrap to 0 after int32 max (Kafka's DefaultRecordBatch.incrementSequence). */
function incrementSequence(sequence: number, increment: number): number {
  if (sequence > MAX_SEQUENCE - increment) return increment - (MAX_SEQUENCE - sequence) - 1;
  return sequence + increment;
}

function inSequence(lastSeq: number, nextSeq: number): boolean {
  return nextSeq === lastSeq + 1 || (nextSeq === 0 && lastSeq === MAX_SEQUENCE);
}

function compareBigint(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function invalid(where: string, problem: string): never {
  throw new ProducerStateError(ProducerStateErrorCode.INVALID_SNAPSHOT, `producer state snapshot: ${where} ${problem}`);
}

function objectAt(value: unknown, where: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) invalid(where, 'is not an object');
  return value as Record<string, unknown>;
}

function arrayAt(obj: Record<string, unknown>, key: string, where: string): readonly unknown[] {
  const value = obj[key];
  if (!Array.isArray(value)) invalid(`${where}.${key}`, 'is not an array');
  return value as readonly unknown[];
}

function intAt(obj: Record<string, unknown>, key: string, where: string, min: number, max: number): number {
  const value = obj[key];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    invalid(`${where}.${key}`, `is ${JSON.stringify(value)}, expected an integer in [${min}, ${max}]`);
  }
  return value;
}

function int64At(obj: Record<string, unknown>, key: string, where: string, min: bigint): bigint {
  const value = obj[key];
  if (typeof value === 'string' && /^-?\d{1,19}$/.test(value)) {
    const n = BigInt(value);
    if (n >= min && n <= INT64_MAX) return n;
  }
  return invalid(`${where}.${key}`, `is ${JSON.stringify(value)}, expected a decimal string in [${min}, ${INT64_MAX}]`);
}
