import fs from 'node:fs';
import { BatchLayout } from '../records/index.ts';
import { LogError, LogErrorCode } from './errors.ts';
import { OFFSET_INDEX_ENTRY_BYTES, OffsetIndex } from './offset-index.ts';
import { segmentPaths, SegmentSuffix } from './segment-files.ts';
import { readAt, scanSegment } from './segment-scanner.ts';
import type { ScannedBatch, ScanStop } from './segment-scanner.ts';
import { TIME_INDEX_ENTRY_BYTES, TimeIndex } from './time-index.ts';
import { TransactionIndex } from './txn-index.ts';

/** What opening a segment found and repaired. */
export interface SegmentRecovery {
  truncatedBytes: number;
  truncatedAt?: ScanStop;
  rebuiltIndex?: string;
}

export interface BatchPlacement {
  position: number;
  size: number;
  baseOffset: bigint;
  lastOffset: bigint;
}

/**
 * One segment: a `.log` file of batches exactly as stored, plus its sparse offset and
 * time indexes. All file access is synchronous: appends and reads hit the page cache and
 * take microseconds, and no other work can interleave with a read while a segment is
 * swapped or deleted. Only fdatasync, which can take milliseconds, runs off-thread.
 */
export class LogSegment {
  readonly baseOffset: bigint;
  readonly paths: { log: string; index: string; timeIndex: string; txnIndex: string };
  readonly txnIndex: TransactionIndex;
  private readonly fd: number;
  private readonly offsetIndex: OffsetIndex;
  private readonly timeIndex: TimeIndex;
  private readonly indexIntervalBytes: number;
  private bytesSinceIndexEntry = 0;
  private closed = false;
  /** Bytes in the `.log` file. */
  size = 0;
  /** One past the last offset stored here (baseOffset when empty). */
  nextOffset: bigint;
  /** Largest batch maxTimestamp seen, and the offset where it was first reached. */
  maxTimestamp = -1n;
  offsetOfMaxTimestamp: bigint;
  /** Clock time of the first append since this segment was created or opened. */
  firstAppendAt: number | undefined;
  /** How much earlier than segment.ms this segment rolls by age; drawn once per segment. */
  rollJitterMs: number | undefined;
  /** The first batch's max timestamp once read: a segment's first batch never changes. */
  private firstBatchTimestamp: bigint | undefined;

  private constructor(dir: string, baseOffset: bigint, indexIntervalBytes: number) {
    this.baseOffset = baseOffset;
    this.paths = segmentPaths(dir, baseOffset);
    this.indexIntervalBytes = indexIntervalBytes;
    this.nextOffset = baseOffset;
    this.offsetOfMaxTimestamp = baseOffset;
    this.fd = fs.openSync(this.paths.log, 'a+');
    this.offsetIndex = new OffsetIndex(this.paths.index);
    this.timeIndex = new TimeIndex(this.paths.timeIndex);
    this.txnIndex = new TransactionIndex(this.paths.txnIndex);
    this.size = fs.fstatSync(this.fd).size;
  }

  static create(dir: string, baseOffset: bigint, indexIntervalBytes: number): LogSegment {
    const segment = new LogSegment(dir, baseOffset, indexIntervalBytes);
    if (segment.size !== 0) {
      segment.close();
      throw new LogError(LogErrorCode.CORRUPT_SEGMENT, `cannot create segment ${segment.paths.log}: the file exists and is not empty`);
    }
    return segment;
  }

  /**
   * Opens a sealed segment whose successor starts at `nextOffset`. Its indexes are
   * trusted if they pass a consistency check against the file, and rebuilt otherwise.
   */
  static openSealed(dir: string, baseOffset: bigint, nextOffset: bigint, indexIntervalBytes: number): { segment: LogSegment; recovery: SegmentRecovery } {
    const segment = new LogSegment(dir, baseOffset, indexIntervalBytes);
    return segment.closingOnError(() => {
      segment.nextOffset = nextOffset;
      const relLimit = Math.max(Number(nextOffset - baseOffset), 1);
      const problem = segment.offsetIndex.load(segment.size, relLimit) ?? segment.timeIndex.load(relLimit);
      const recovery: SegmentRecovery = { truncatedBytes: 0 };
      if (problem !== undefined || (segment.offsetIndex.entries === 0 && segment.size > indexIntervalBytes)) {
        recovery.rebuiltIndex = problem ?? 'index is empty';
        segment.rebuild(false);
      } else {
        segment.restoreMaxTimestamp();
      }
      return { segment, recovery };
    });
  }

  /**
   * Opens a segment that may hold data no fsync covered: the active (last) segment, or a
   * sealed one at or above the recovery point. Every batch is verified, the file is
   * truncated at the first torn or corrupt batch, and both indexes are rebuilt from what
   * remains.
   */
  static openVerified(dir: string, baseOffset: bigint, indexIntervalBytes: number): { segment: LogSegment; recovery: SegmentRecovery } {
    const segment = new LogSegment(dir, baseOffset, indexIntervalBytes);
    return segment.closingOnError(() => {
      const stop = segment.rebuild(true);
      const recovery: SegmentRecovery = { truncatedBytes: 0 };
      if (stop !== undefined) {
        recovery.truncatedBytes = segment.size - stop.position;
        recovery.truncatedAt = stop;
        fs.ftruncateSync(segment.fd, stop.position);
        fs.fdatasyncSync(segment.fd);
        segment.size = stop.position;
      }
      // Entries for markers the cut removed would name aborts that no longer happened.
      segment.txnIndex.truncateTo(segment.nextOffset);
      return { segment, recovery };
    });
  }

  /** Runs an opening step; if it throws, the segment's file handles are released first. */
  private closingOnError<T>(step: () => T): T {
    try {
      return step();
    } catch (err) {
      this.close();
      throw err;
    }
  }

  /** Rescans the file and rebuilds both indexes; returns where a verified scan stopped. */
  private rebuild(verify: boolean): ScanStop | undefined {
    this.offsetIndex.clear();
    this.timeIndex.clear();
    this.maxTimestamp = -1n;
    this.bytesSinceIndexEntry = 0;
    let validEnd = 0;
    let next = this.baseOffset;
    const stop = scanSegment(this.fd, 0, this.size, verify, (batch) => {
      this.indexBatch(batch.position, batch.size, batch.baseOffset, batch.lastOffset, batch.maxTimestamp);
      validEnd = batch.position + batch.size;
      next = batch.lastOffset + 1n;
    });
    if (verify) this.nextOffset = next;
    if (stop !== undefined && !verify) {
      throw new LogError(
        LogErrorCode.CORRUPT_SEGMENT,
        `segment ${this.paths.log} is corrupt at byte ${stop.position}: ${stop.reason}. Restore the file from a replica or backup, or delete it and the segments after it`,
      );
    }
    this.offsetIndex.rewriteFile();
    this.timeIndex.rewriteFile();
    return stop ?? (validEnd < this.size ? { position: validEnd, problem: 'torn', reason: 'trailing bytes' } : undefined);
  }

  /** For a sealed segment with a trusted index: the largest timestamp is the time index's last entry or the tail batches'. */
  private restoreMaxTimestamp(): void {
    const last = this.timeIndex.lastTimestamp;
    if (last !== undefined) this.maxTimestamp = last;
    // Batches after the last index entry may raise it further; scanning from the last offset-index position covers them.
    const from = this.offsetIndex.entries > 0 ? this.offsetIndex.lookup(Number(this.nextOffset - this.baseOffset)) : 0;
    scanSegment(this.fd, from, this.size, false, (batch) => {
      if (batch.maxTimestamp > this.maxTimestamp) {
        this.maxTimestamp = batch.maxTimestamp;
        this.offsetOfMaxTimestamp = batch.baseOffset;
      }
    });
  }

  private indexBatch(position: number, size: number, baseOffset: bigint, lastOffset: bigint, maxTimestamp: bigint): void {
    if (maxTimestamp > this.maxTimestamp) {
      this.maxTimestamp = maxTimestamp;
      this.offsetOfMaxTimestamp = baseOffset;
    }
    if (this.bytesSinceIndexEntry > this.indexIntervalBytes || position === 0) {
      this.offsetIndex.append(Number(lastOffset - this.baseOffset), position);
      this.timeIndex.maybeAppend(this.maxTimestamp, Number(this.offsetOfMaxTimestamp - this.baseOffset));
      this.bytesSinceIndexEntry = 0;
    }
    this.bytesSinceIndexEntry += size;
  }

  /**
   * Appends already stamped and validated batches. `batches` describes each batch
   * inside `bytes` (positions relative to `bytes`).
   */
  append(bytes: Buffer, batches: readonly { position: number; size: number; baseOffset: bigint; lastOffset: bigint; maxTimestamp: bigint }[]): void {
    this.ensureOpen();
    const start = this.size;
    let written = 0;
    while (written < bytes.length) written += fs.writeSync(this.fd, bytes, written, bytes.length - written);
    for (const b of batches) this.indexBatch(start + b.position, b.size, b.baseOffset, b.lastOffset, b.maxTimestamp);
    this.size += bytes.length;
    const last = batches[batches.length - 1];
    if (last !== undefined) this.nextOffset = last.lastOffset + 1n;
  }

  /**
   * Finds the first batch whose last offset is at least `offset`, scanning forward from
   * the nearest index entry. Undefined when this segment holds nothing at or past it.
   */
  findBatch(offset: bigint): BatchPlacement | undefined {
    this.ensureOpen();
    if (offset >= this.nextOffset) return undefined;
    const rel = offset - this.baseOffset;
    const from = rel <= 0n ? 0 : this.offsetIndex.lookup(Number(rel));
    const header = Buffer.allocUnsafe(BatchLayout.MAX_TIMESTAMP);
    for (let position = from; position + BatchLayout.LOG_OVERHEAD <= this.size; ) {
      const n = readAt(this.fd, header, header.length, position);
      if (n < header.length) return undefined;
      const size = header.readInt32BE(BatchLayout.BATCH_LENGTH) + BatchLayout.LOG_OVERHEAD;
      if (size < BatchLayout.HEADER_SIZE || position + size > this.size) {
        throw new LogError(LogErrorCode.CORRUPT_SEGMENT, `segment ${this.paths.log} has a bad batch length ${size} at byte ${position}`);
      }
      const baseOffset = header.readBigInt64BE(BatchLayout.BASE_OFFSET);
      const lastOffset = baseOffset + BigInt(header.readInt32BE(BatchLayout.LAST_OFFSET_DELTA));
      if (lastOffset >= offset) return { position, size, baseOffset, lastOffset };
      position += size;
    }
    return undefined;
  }

  /**
   * Whether either index holds as many entries as `maxIndexBytes` (segment.index.bytes) has
   * room for, Kafka's condition for rolling on a full index.
   */
  indexesFull(maxIndexBytes: number): boolean {
    return this.offsetIndex.entries >= Math.floor(maxIndexBytes / OFFSET_INDEX_ENTRY_BYTES) || this.timeIndex.entries >= Math.floor(maxIndexBytes / TIME_INDEX_ENTRY_BYTES);
  }

  /**
   * The max timestamp of the first batch (Kafka's first batch timestamp), which the cleaner
   * compares to max.compaction.lag.ms; -1 for an empty segment.
   */
  firstBatchMaxTimestamp(): bigint {
    if (this.firstBatchTimestamp !== undefined) return this.firstBatchTimestamp;
    if (this.size === 0) return -1n;
    let timestamp = -1n;
    this.scanFrom(0, (batch) => {
      timestamp = batch.maxTimestamp;
      return false;
    });
    this.firstBatchTimestamp = timestamp;
    return timestamp;
  }

  /** Offset from which to search for the first batch with maxTimestamp >= timestamp. */
  timeLookup(timestamp: bigint): bigint {
    return this.baseOffset + BigInt(this.timeIndex.lookup(timestamp));
  }

  /** Visits batch headers from `position` on, until `visit` returns false. */
  scanFrom(position: number, visit: (batch: ScannedBatch) => unknown): void {
    this.ensureOpen();
    const stop = scanSegment(this.fd, position, this.size, false, visit);
    if (stop !== undefined) {
      throw new LogError(LogErrorCode.CORRUPT_SEGMENT, `segment ${this.paths.log} is corrupt at byte ${stop.position}: ${stop.reason}`);
    }
  }

  /** Reads up to `length` bytes at `position`, into `into` when it is large enough. */
  read(position: number, length: number, into?: Buffer): Buffer {
    this.ensureOpen();
    const wanted = Math.max(0, Math.min(length, this.size - position));
    const buf = into !== undefined && into.length >= wanted ? into.subarray(0, wanted) : Buffer.allocUnsafe(wanted);
    const n = readAt(this.fd, buf, buf.length, position);
    return n === buf.length ? buf : buf.subarray(0, n);
  }

  /** Writes pending index entries; cheap, done before any sync. */
  persistIndexes(): void {
    this.offsetIndex.persist();
    this.timeIndex.persist();
  }

  /** fdatasync of the log file on the thread pool, so the event loop keeps serving. */
  syncLog(): Promise<void> {
    this.ensureOpen();
    // The transaction index goes down with the log: a durable ABORT marker has its entry.
    const txn = this.txnIndex.syncAsync().catch((err: unknown) => {
      throw new LogError(LogErrorCode.IO_FAILED, `fdatasync of ${this.paths.txnIndex} failed: ${(err as Error).message}`, { cause: err });
    });
    const log = new Promise<void>((resolve, reject) => {
      fs.fdatasync(this.fd, (err) => {
        if (err) reject(new LogError(LogErrorCode.IO_FAILED, `fdatasync of ${this.paths.log} failed: ${err.message}`, { cause: err }));
        else resolve();
      });
    });
    return Promise.all([log, txn]).then(() => undefined);
  }

  /**
   * Sync of log and indexes on the thread pool, for a segment just sealed by a roll: the
   * roll itself must not stall the event loop for an fdatasync of up to a whole segment.
   */
  async syncSealed(): Promise<void> {
    this.persistIndexes();
    try {
      await Promise.all([this.syncLog(), this.offsetIndex.syncAsync(), this.timeIndex.syncAsync()]);
    } catch (err) {
      if (err instanceof LogError) throw err;
      throw new LogError(LogErrorCode.IO_FAILED, `fdatasync of the indexes of ${this.paths.log} failed: ${(err as Error).message}`, { cause: err });
    }
  }

  /** Synchronous full sync of log and indexes: used when the log closes and after recovery. */
  syncAll(): void {
    this.ensureOpen();
    fs.fdatasyncSync(this.fd);
    this.offsetIndex.sync();
    this.timeIndex.sync();
    this.txnIndex.sync();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.offsetIndex.close();
    this.timeIndex.close();
    this.txnIndex.close();
    fs.closeSync(this.fd);
  }

  /** Closes and removes the segment's files. */
  /**
   * Closes the segment and renames its files with `.deleted` (Kafka's asynchronous
   * delete); returns the renamed files, for the caller to unlink later.
   */
  renameForDeletion(): string[] {
    this.close();
    const renamed: string[] = [];
    for (const file of [this.paths.log, this.paths.index, this.paths.timeIndex, this.paths.txnIndex]) {
      if (!fs.existsSync(file)) continue;
      fs.renameSync(file, file + SegmentSuffix.DELETED);
      renamed.push(file + SegmentSuffix.DELETED);
    }
    return renamed;
  }

  delete(): void {
    this.close();
    for (const file of [this.paths.log, this.paths.index, this.paths.timeIndex, this.paths.txnIndex]) fs.rmSync(file, { force: true });
  }

  private ensureOpen(): void {
    if (this.closed) throw new LogError(LogErrorCode.LOG_CLOSED, `segment ${this.paths.log} is closed`);
  }
}
