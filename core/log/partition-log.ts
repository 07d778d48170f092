import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { Attributes, BatchLayout, checkBatch, computeBatchCrc, decodeRecordBatch, stampBatch } from '../records/index.ts';
import { timestampWindow, validateAppend } from './append-validator.ts';
import { recompress } from './recompress.ts';
import type { AppendOrigin } from './append-validator.ts';
import type { Scheduler, Timer } from '../base/index.ts';
import { systemScheduler } from '../base/index.ts';
import { compactSegments } from './compactor.ts';
import type { CompactionResult } from './compactor.ts';
import { LogError, LogErrorCode } from './errors.ts';
import { GroupCommit } from './group-commit.ts';
import { FlushPolicy, resolveLogConfig, Visibility } from './log-config.ts';
import type { LogConfig } from './log-config.ts';
import { recoverDirectory } from './log-recovery.ts';
import type { LogRecovery } from './log-recovery.ts';
import { segmentsToDelete } from './retention.ts';
import type { RetentionReason } from './retention.ts';
import { LogSegment } from './segment.ts';
import type { AbortedTxn } from './txn-index.ts';

export interface AppendOptions {
  /** Stamped into every batch's partitionLeaderEpoch; default 0. */
  leaderEpoch?: number;
  /** Default 'client'. */
  origin?: AppendOrigin;
}

export interface AppendInfo {
  firstOffset: bigint;
  lastOffset: bigint;
  recordCount: number;
  maxTimestamp: bigint;
  /** The broker time stamped into LogAppendTime batches; -1 for CreateTime topics. */
  logAppendTime: bigint;
  logStartOffset: bigint;
}

export interface ReadOptions {
  /** Exclusive upper bound (a consumer passes the high watermark); default the log end offset. */
  maxOffset?: bigint;
  /** Return the first batch even if it is larger than maxBytes (Kafka's KIP-74); default true. */
  minOneBatch?: boolean;
  /**
   * A buffer to read into instead of a fresh allocation, when it is large enough. The
   * result is then a view of it, valid until the caller reuses the buffer. Fresh 1 MiB
   * buffers cost page faults on every read; a fetch path that pools buffers avoids them.
   */
  into?: Buffer;
}

export interface ReadResult {
  /** Whole batches, exactly as stored; empty when there is nothing at the offset yet. */
  records: Buffer;
  logStartOffset: bigint;
  logEndOffset: bigint;
  highWatermark: bigint;
}

export interface RetentionResult {
  deletedSegments: number;
  deletedBytes: number;
  reason: RetentionReason | undefined;
  logStartOffset: bigint;
}

export interface PartitionLogOptions {
  config?: Partial<LogConfig>;
  /** Time for retention and rolling, and the timer of the `interval` flush policy. */
  scheduler?: Scheduler;
  /** Uniform in [0, 1), for segment.jitter.ms; default Math.random. */
  random?: () => number;
}

const LOG_START_CHECKPOINT = 'log-start-offset';
/** Kafka's recovery-point-offset-checkpoint, kept per partition: every offset below it is known fsynced. */
const RECOVERY_POINT_CHECKPOINT = 'recovery-point';
const MAX_RELATIVE_OFFSET = 0x7fffffffn;

/**
 * A partition: an ordered, append-only sequence of record batches in segment files.
 * Offsets are assigned here, never reused, and never change, also not by compaction.
 */
export class PartitionLog {
  readonly dir: string;
  readonly recovery: LogRecovery;
  private config: LogConfig;
  private readonly scheduler: Scheduler;
  /** Draws each segment's segment.jitter.ms; injected so that tests are deterministic. */
  private random: () => number = Math.random;
  private segments: LogSegment[];
  private startOffset: bigint;
  private endOffset: bigint;
  private readonly commit: GroupCommit;
  private flushTimer: Timer | undefined;
  private maintenance: Promise<unknown> = Promise.resolve();
  /** The high watermark when the config last changed; it stays visible whatever the new rule. */
  private visibleFloor = 0n;
  /** Offsets below this were compacted in this process's lifetime; drives dirtyRatio. */
  private cleanedUpTo = 0n;
  private closed = false;
  private closing: Promise<void> | undefined;
  /**
   * Segments sealed by a roll whose fsync runs on the thread pool, oldest first. Nothing at
   * or above the first one's base counts as durable until it is done, so a group commit
   * waits for them as well as for its own fdatasync of the active segment.
   */
  private seals: { segment: LogSegment; done: Promise<void>; failed: boolean; settled: boolean }[] = [];
  /** The recovery point last written to the checkpoint file. */
  private checkpointed: bigint;
  private checkpointing: Promise<void> | undefined;
  private stableOffset: (() => bigint) | undefined;
  /** Files of removed segments renamed with `.deleted`, waiting out file.delete.delay.ms. */
  private pendingDeletes = new Map<Timer, string[]>();

  private constructor(dir: string, config: LogConfig, scheduler: Scheduler, segments: LogSegment[], startOffset: bigint, recovery: LogRecovery) {
    this.dir = dir;
    this.config = config;
    this.scheduler = scheduler;
    this.segments = segments;
    this.recovery = recovery;
    this.endOffset = this.active.nextOffset;
    this.startOffset = startOffset > this.endOffset ? this.endOffset : startOffset;
    this.commit = new GroupCommit(() => this.syncActive(), this.endOffset);
    this.checkpointed = recovery.recoveryPoint;
    this.applyFlushTimer();
  }

  /**
   * Opens (or creates) the log in `dir`, recovering from whatever a crash left: every
   * segment the recovery point does not cover is verified and cut at a torn batch,
   * unfinished compactions resolved, bad indexes rebuilt. Without a recovery-point
   * checkpoint (a log written before there was one) every segment is verified.
   */
  static open(dir: string, options: PartitionLogOptions = {}): PartitionLog {
    const config = resolveLogConfig(options.config);
    fs.mkdirSync(dir, { recursive: true });
    const checkpoint = readOffsetCheckpoint(dir, LOG_START_CHECKPOINT);
    const recoveryPoint = readOffsetCheckpoint(dir, RECOVERY_POINT_CHECKPOINT) ?? 0n;
    const { segments, recovery } = recoverDirectory(dir, config.indexIntervalBytes, checkpoint ?? 0n, recoveryPoint);
    // What recovery kept above the recovery point may exist only in the page cache (a
    // process crash leaves it there): sync it now, so that everything the log starts with
    // is durable, as the group commit's starting point claims.
    try {
      for (const segment of segments) if (segment.nextOffset > recoveryPoint) segment.syncAll();
    } catch (err) {
      for (const segment of segments) segment.close();
      throw err;
    }
    const firstBase = segments[0]!.baseOffset;
    const start = checkpoint !== undefined && checkpoint > firstBase ? checkpoint : firstBase;
    const log = new PartitionLog(dir, config, options.scheduler ?? systemScheduler, segments, start, recovery);
    if (options.random !== undefined) log.random = options.random;
    return log;
  }

  get logStartOffset(): bigint {
    return this.startOffset;
  }

  get logEndOffset(): bigint {
    return this.endOffset;
  }

  /**
   * The offset below which records are committed and visible to consumers (Fetch,
   * ListOffsets latest, DeleteRecords). This is the one place that decides what advances
   * it: on a single node, the append itself (as on a Kafka node with replication factor 1)
   * or, with `visibility: durable`, the sync the flush policy promises. With replicas it
   * will follow the in-sync replicas' fetch positions instead.
   */
  get highWatermark(): bigint {
    const committed = this.visibleOnlyWhenDurable() ? maxBigint(this.commit.durableOffset, this.visibleFloor) : this.endOffset;
    return committed < this.startOffset ? this.startOffset : committed;
  }

  /**
   * Every offset below this is on disk (fdatasync'd). It is also the recovery point: a
   * restart verifies only the segments that reach above it.
   */
  get durableOffset(): bigint {
    return this.commit.durableOffset;
  }

  get segmentCount(): number {
    return this.segments.length;
  }

  get size(): number {
    return this.segments.reduce((sum, s) => sum + s.size, 0);
  }

  get logConfig(): Readonly<LogConfig> {
    return this.config;
  }

  /** Base offsets of the segments, oldest first. */
  segmentBaseOffsets(): bigint[] {
    return this.segments.map((s) => s.baseOffset);
  }

  /**
   * Tells the log where its stable part ends (the last stable offset, which the broker's
   * producer state knows): compaction never cleans past it.
   */
  setStableOffset(provider: () => bigint): void {
    this.stableOffset = provider;
  }

  updateConfig(overrides: Partial<LogConfig>): void {
    // A stricter rule (durable visibility, a policy that now syncs) must not take back
    // records consumers may already have read: the high watermark never moves backwards.
    this.visibleFloor = this.highWatermark;
    this.config = resolveLogConfig({ ...this.config, ...overrides });
    this.applyFlushTimer();
  }

  /**
   * Validates, assigns offsets to and appends one or more batches. The log takes
   * ownership of `input`: offsets and the leader epoch are stamped in place (into a copy when
   * the topic's compression.type recompresses it). Returns as
   * soon as the data is in the page cache; `waitDurable(lastOffset)` waits for the flush
   * policy's promise.
   */
  append(input: Buffer, options: AppendOptions = {}): AppendInfo {
    this.ensureOpen();
    const origin = options.origin ?? 'client';
    const now = this.scheduler.now();
    // compression.type and the timestamp window apply to what producers send, as in Kafka.
    const bytes = origin === 'client' ? recompress(input, this.config.compressionType) : input;
    const batches = validateAppend(bytes, origin, this.config.maxMessageBytes, origin === 'client' ? timestampWindow(this.config, now) : undefined);
    const recordCount = batches.reduce((n, b) => n + b.lastOffsetDelta + 1, 0);
    this.maybeRoll(bytes.length, BigInt(recordCount), now);

    const logAppendTime = this.config.messageTimestampType === 'LogAppendTime' ? BigInt(now) : -1n;
    let next = this.endOffset;
    let maxTimestamp = -1n;
    const placed = batches.map((b) => {
      const baseOffset = next;
      stampBatch(bytes, b.position, baseOffset, options.leaderEpoch ?? 0);
      if (logAppendTime >= 0n) setLogAppendTime(bytes, b.position, b.size, logAppendTime);
      const batchMax = logAppendTime >= 0n ? logAppendTime : b.maxTimestamp;
      if (batchMax > maxTimestamp) maxTimestamp = batchMax;
      next = baseOffset + BigInt(b.lastOffsetDelta) + 1n;
      return { position: b.position, size: b.size, baseOffset, lastOffset: next - 1n, maxTimestamp: batchMax };
    });
    const active = this.active;
    active.firstAppendAt ??= now;
    active.append(bytes, placed);
    const firstOffset = this.endOffset;
    this.endOffset = next;
    if (this.config.flushPolicy === FlushPolicy.EVERY_APPEND) this.commit.request();
    return { firstOffset, lastOffset: next - 1n, recordCount, maxTimestamp, logAppendTime, logStartOffset: this.startOffset };
  }

  /** Resolves once `offset` is as durable as the flush policy promises. */
  waitDurable(offset: bigint): Promise<void> {
    const policy = this.config.flushPolicy;
    if (policy === FlushPolicy.NONE) return Promise.resolve();
    // Under the interval policy the timer syncs; a waiter must not force an extra sync.
    return this.commit.wait(offset, policy === FlushPolicy.EVERY_APPEND);
  }

  /** Forces everything appended so far to disk. */
  async flush(): Promise<void> {
    this.ensureOpen();
    await this.commit.wait(this.endOffset - 1n);
  }

  /**
   * Reads whole batches starting with the one that contains `offset`, up to `maxBytes`
   * (at least one batch unless minOneBatch is false). Each batch's CRC is verified, so a
   * batch damaged on disk is never served: a damaged first batch throws CORRUPT_SEGMENT.
   */
  read(offset: bigint, maxBytes: number, options: ReadOptions = {}): ReadResult {
    this.ensureOpen();
    if (offset < this.startOffset || offset > this.endOffset) {
      throw new LogError(
        LogErrorCode.OFFSET_OUT_OF_RANGE,
        `offset ${offset} is outside the log's range [${this.startOffset}, ${this.endOffset}] in ${this.dir}`,
      );
    }
    const limit = options.maxOffset ?? this.endOffset;
    const result: ReadResult = { records: Buffer.alloc(0), logStartOffset: this.startOffset, logEndOffset: this.endOffset, highWatermark: this.highWatermark };
    if (offset >= limit) return result;
    for (let i = this.segmentIndexFor(offset); i < this.segments.length; i++) {
      const segment = this.segments[i]!;
      const found = segment.findBatch(offset);
      if (found === undefined) continue;
      if (found.baseOffset >= limit) return result;
      const minOne = options.minOneBatch ?? true;
      const length = Math.max(Math.min(maxBytes, segment.size - found.position), minOne ? found.size : 0);
      const bytes = segment.read(found.position, length, options.into);
      result.records = wholeVerifiedBatches(bytes, limit, segment.paths.log, found.position);
      return result;
    }
    return result;
  }

  /**
   * Records a transaction aborted by the marker at `entry.lastOffset` in the transaction
   * index of the segment holding that marker. The caller (the producer state, which knows
   * where each transaction began) writes it right after appending the marker, and again,
   * idempotently, when a replay of the log finds a marker whose entry is missing.
   */
  recordAbortedTransaction(entry: AbortedTxn): void {
    this.ensureOpen();
    if (entry.lastOffset < this.startOffset || entry.lastOffset >= this.endOffset) {
      throw new LogError(LogErrorCode.OFFSET_OUT_OF_RANGE, `abort marker offset ${entry.lastOffset} is outside the log's range [${this.startOffset}, ${this.endOffset}) in ${this.dir}`);
    }
    const segment = this.segments[this.segmentIndexFor(entry.lastOffset)]!;
    if (segment.txnIndex.has(entry.lastOffset)) return;
    segment.txnIndex.append(entry);
  }

  /**
   * The aborted transactions a read_committed fetch of [fromOffset, upperBound) must know
   * about (Kafka's collectAbortedTxns): those whose marker is at or after fromOffset and
   * whose first record is below upperBound. A marker lives in the segment holding it, so
   * the segments before the one holding fromOffset cannot contribute.
   */
  abortedTransactions(fromOffset: bigint, upperBound: bigint): AbortedTxn[] {
    this.ensureOpen();
    const out: AbortedTxn[] = [];
    for (let i = this.segmentIndexFor(fromOffset); i < this.segments.length; i++) {
      const segment = this.segments[i]!;
      if (segment.baseOffset >= upperBound) break;
      segment.txnIndex.collect(fromOffset, upperBound, out);
    }
    return out;
  }

  /**
   * The first offset whose record timestamp is at least `timestamp` (ListOffsets by time),
   * or undefined when every record is older.
   */
  offsetForTimestamp(timestamp: bigint): { offset: bigint; timestamp: bigint } | undefined {
    this.ensureOpen();
    for (const segment of this.segments) {
      if (segment.maxTimestamp < timestamp || segment.nextOffset <= this.startOffset) continue;
      const searchFrom = maxBigint(segment.timeLookup(timestamp), this.startOffset);
      const start = segment.findBatch(searchFrom);
      if (start === undefined) continue;
      let hit: { position: number; size: number } | undefined;
      segment.scanFrom(start.position, (batch) => {
        if (batch.maxTimestamp >= timestamp) {
          hit = batch;
          return false;
        }
        return true;
      });
      if (hit === undefined) continue;
      const decoded = decodeRecordBatch(segment.read(hit.position, hit.size));
      for (const record of decoded.records) {
        if (record.timestamp >= timestamp && record.offset >= this.startOffset) return { offset: record.offset, timestamp: record.timestamp };
      }
    }
    return undefined;
  }

  /**
   * Moves the log start offset forward (Kafka's DeleteRecords); whole segments below it
   * are removed by the next retention pass. Returns the new log start offset.
   */
  deleteRecordsBefore(offset: bigint): bigint {
    this.ensureOpen();
    if (offset > this.highWatermark || offset < 0n) {
      throw new LogError(LogErrorCode.OFFSET_OUT_OF_RANGE, `cannot delete records before ${offset}: it must be between 0 and the high watermark ${this.highWatermark}`);
    }
    if (offset > this.startOffset) {
      this.startOffset = offset;
      writeLogStartCheckpoint(this.dir, offset);
    }
    return this.startOffset;
  }

  /** Deletes whole segments past retention.ms / retention.bytes or below the log start offset. */
  applyRetention(): Promise<RetentionResult> {
    return this.serialize(async () => {
      const now = this.scheduler.now();
      const active = this.active;
      if (this.config.cleanupPolicy.delete && this.config.retentionMs >= 0 && active.size > 0 && active.maxTimestamp < BigInt(now - this.config.retentionMs)) {
        // Everything has expired: roll so the old active segment can go too, as Kafka does.
        this.roll();
      }
      // A segment's file must not close under its own fsync still running on the thread pool.
      await this.sealsSettled();
      const { count, reason } = segmentsToDelete(this.segments, this.config, now, this.startOffset);
      const victims = this.segments.slice(0, count);
      this.segments = this.segments.slice(count);
      let deletedBytes = 0;
      for (const segment of victims) {
        deletedBytes += segment.size;
        this.removeSegmentFiles(segment);
      }
      const firstBase = this.segments[0]!.baseOffset;
      if (firstBase > this.startOffset) this.startOffset = firstBase;
      return { deletedSegments: count, deletedBytes, reason, logStartOffset: this.startOffset };
    });
  }

  /** Share of the sealed bytes not yet compacted; the cleaner compares it to min.cleanable.dirty.ratio. */
  dirtyRatio(): number {
    const sealed = this.segments.slice(0, -1);
    const total = sealed.reduce((sum, s) => sum + s.size, 0);
    if (total === 0) return 0;
    const dirty = sealed.filter((s) => s.baseOffset >= this.cleanedUpTo).reduce((sum, s) => sum + s.size, 0);
    return dirty / total;
  }

  /**
   * Whether compaction would now clean a record older than max.compaction.lag.ms: the
   * cleaner then compacts the log whatever its dirty ratio, as Kafka's does. Only the dirty
   * sealed segments that min.compaction.lag.ms lets compaction reach count, so a log it cannot
   * clean yet is not picked again and again.
   */
  compactionOverdue(): boolean {
    const { maxCompactionLagMs, minCompactionLagMs } = this.config;
    if (maxCompactionLagMs >= 2 ** 63) return false;
    const now = this.scheduler.now();
    const overdueBefore = BigInt(now - maxCompactionLagMs);
    const lagCutoff = BigInt(now - minCompactionLagMs);
    for (const segment of this.segments.slice(0, -1)) {
      if (segment.maxTimestamp > lagCutoff) return false;
      if (segment.baseOffset < this.cleanedUpTo || segment.size === 0) continue;
      // Records without a timestamp (-1) carry no age, as in Kafka.
      const first = segment.firstBatchMaxTimestamp();
      if (first >= 0n && first < overdueBefore) return true;
    }
    return false;
  }

  /**
   * Compacts the sealed segments: keeps the latest record per key, drops tombstones
   * older than delete.retention.ms, and never moves or renumbers an offset.
   */
  compact(): Promise<CompactionResult> {
    return this.serialize(async () => {
      // Compaction closes the segments it replaces; none may still be under its roll-time fsync.
      await this.sealsSettled();
      const now = this.scheduler.now();
      const lagCutoff = BigInt(now - this.config.minCompactionLagMs);
      const sealed = this.segments.slice(0, -1);
      // Nothing at or above the first unstable offset is cleaned (Kafka's cleaner bound): an
      // undecided transaction's records may yet be aborted.
      const stable = this.stableOffset?.() ?? this.endOffset;
      const cleanable: LogSegment[] = [];
      for (const s of sealed) {
        if (s.maxTimestamp > lagCutoff || s.nextOffset > stable) break;
        cleanable.push(s);
      }
      const first = cleanable[0];
      const outcome = await compactSegments(this.dir, cleanable, {
        now,
        aborted: first === undefined ? [] : this.abortedTransactions(first.baseOffset, this.endOffset),
        deleteRetentionMs: this.config.deleteRetentionMs,
        indexIntervalBytes: this.config.indexIntervalBytes,
        yieldBetweenSegments: () => yieldToEventLoop(),
        install: (old, replacement) => {
          const at = this.segments.indexOf(old);
          if (at < 0 || this.closed) return false;
          this.segments[at] = replacement;
          old.close();
          return true;
        },
      });
      const last = cleanable[cleanable.length - 1];
      if (last !== undefined) this.cleanedUpTo = last.nextOffset;
      return outcome;
    });
  }

  /** Flushes, syncs and closes every file. Idempotent, also when called concurrently. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    await this.maintenance.catch(() => undefined);
    await this.commit.drain();
    await this.sealsSettled();
    this.closed = true;
    this.scheduler.clearInterval(this.flushTimer);
    const active = this.active;
    active.persistIndexes();
    active.syncAll();
    // A sealed segment whose fsync failed may have lost pages: the recovery point stays
    // below it, so the next start verifies it.
    if (!this.seals.some((seal) => seal.failed)) this.commit.markDurable(this.endOffset);
    await this.checkpointing;
    await this.writeRecoveryPoint();
    for (const segment of this.segments) segment.close();
    // Pending deletions are unlinked now rather than left for the next open: nothing can
    // read a closed log's files, and no timer outlives the log.
    for (const [timer, files] of this.pendingDeletes) {
      this.scheduler.clearTimeout(timer);
      unlinkAll(files);
    }
    this.pendingDeletes.clear();
    this.commit.failAll(new LogError(LogErrorCode.LOG_CLOSED, `log ${this.dir} was closed`));
  }

  /** Closes the log and removes its directory. */
  async delete(): Promise<void> {
    await this.close();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  /**
   * Kafka's asynchronous segment delete: the files are renamed with `.deleted` at once (the
   * segment is out of the log) and unlinked file.delete.delay.ms later; a leftover is
   * removed by the next open.
   */
  private removeSegmentFiles(segment: LogSegment): void {
    const delay = this.config.fileDeleteDelayMs;
    if (delay === 0) {
      segment.delete();
      return;
    }
    const files = segment.renameForDeletion();
    const timer = this.scheduler.setTimeout(() => {
      this.pendingDeletes.delete(timer);
      unlinkAll(files);
    }, delay);
    this.pendingDeletes.set(timer, files);
  }

  private get active(): LogSegment {
    return this.segments[this.segments.length - 1]!;
  }

  private segmentIndexFor(offset: bigint): number {
    let lo = 0;
    let hi = this.segments.length - 1;
    let found = 0;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.segments[mid]!.baseOffset <= offset) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }

  private maybeRoll(incomingBytes: number, incomingRecords: bigint, now: number): void {
    const active = this.active;
    if (active.size === 0) return;
    const full = active.size + incomingBytes > this.config.segmentBytes;
    const old = active.firstAppendAt !== undefined && now - active.firstAppendAt >= this.rollAgeMs(active);
    const offsetsExhausted = this.endOffset + incomingRecords - active.baseOffset > MAX_RELATIVE_OFFSET;
    const indexFull = active.indexesFull(this.config.segmentIndexBytes);
    if (full || old || offsetsExhausted || indexFull) this.roll();
  }

  /**
   * The age at which `segment` rolls, as Kafka's: segment.ms, or max.compaction.lag.ms when a
   * compacted topic's is shorter (a record still in the active segment cannot be compacted),
   * less the segment's jitter, drawn once below min(segment.jitter.ms, segment.ms).
   */
  private rollAgeMs(segment: LogSegment): number {
    const { segmentMs, segmentJitterMs, maxCompactionLagMs, cleanupPolicy } = this.config;
    segment.rollJitterMs ??= segmentJitterMs > 0 ? Math.floor(this.random() * Math.min(segmentJitterMs, segmentMs)) : 0;
    const maxAge = cleanupPolicy.compact ? Math.min(segmentMs, maxCompactionLagMs) : segmentMs;
    return maxAge - segment.rollJitterMs;
  }

  /**
   * Seals the active segment and starts a new one at the log end offset. The sealed
   * segment's fsync runs on the thread pool, as Kafka's roll schedules its flush; when it
   * (and every earlier one) is done the recovery point moves past the segment. Until then
   * a restart after a crash verifies it.
   */
  private roll(): void {
    const sealed = this.active;
    this.segments.push(LogSegment.create(this.dir, this.endOffset, this.config.indexIntervalBytes));
    const seal = { segment: sealed, done: sealed.syncSealed(), failed: false, settled: false };
    this.seals.push(seal);
    seal.done.then(
      () => {
        seal.settled = true;
        this.advanceRecoveryPoint();
      },
      () => {
        // Stays first in line: after a failed fsync the pages may be gone, so nothing from
        // this segment on is ever reported durable again in this process; syncs that wait
        // for it fail, and their producers get the storage error.
        seal.settled = true;
        seal.failed = true;
      },
    );
  }

  /** Moves the durable offset (the recovery point) past every sealed segment whose fsync is done, in order. */
  private advanceRecoveryPoint(): void {
    let durableTo: bigint | undefined;
    while (this.seals.length > 0 && this.seals[0]!.settled && !this.seals[0]!.failed) {
      durableTo = this.seals.shift()!.segment.nextOffset;
    }
    if (durableTo === undefined) return;
    this.commit.markDurable(durableTo);
    this.scheduleCheckpoint();
  }

  /** Waits until no roll-time fsync is running, whatever its outcome. */
  private async sealsSettled(): Promise<void> {
    await Promise.all(this.seals.map((seal) => seal.done.catch(() => undefined)));
  }

  /**
   * One group commit's sync: an fdatasync of the active segment, which covers everything
   * appended to it before it started, plus the roll-time fsyncs of the segments sealed
   * before that. Without them an acknowledgement could cover records whose predecessors
   * in the just-sealed segment were not yet on disk, and recovery, finding that segment
   * torn, would have to drop them.
   */
  private async syncActive(): Promise<bigint> {
    const target = this.endOffset;
    const active = this.active;
    const sealed = this.seals.map((seal) => seal.done);
    active.persistIndexes();
    await Promise.all([active.syncLog(), ...sealed]);
    return target;
  }

  /**
   * Writes the recovery point when it has moved, one write at a time. It only matters to
   * a restart at segment granularity, and it crosses a segment only when a roll's fsync
   * finishes or the log closes, so writing it then is as fresh as a periodic timer could
   * make it, and costs nothing on partitions that do not roll.
   */
  private scheduleCheckpoint(): void {
    // A write in flight picks up a later value when it finishes.
    if (this.checkpointing !== undefined) return;
    this.checkpointing = (async () => {
      while (!this.closed && this.commit.durableOffset !== this.checkpointed) {
        if (!(await this.writeRecoveryPoint())) return;
      }
    })().finally(() => {
      this.checkpointing = undefined;
    });
  }

  /**
   * Replaces the checkpoint file on the thread pool. It is not fsynced: a checkpoint lost
   * or torn by a crash reads as an older one or as none, and recovery then verifies more
   * segments than it needed to, never fewer. It is written only after the data it vouches
   * for was fsynced, so it never runs ahead of the disk.
   */
  private async writeRecoveryPoint(): Promise<boolean> {
    const offset = this.commit.durableOffset;
    if (offset === this.checkpointed) return true;
    const file = path.join(this.dir, RECOVERY_POINT_CHECKPOINT);
    try {
      await fsp.writeFile(`${file}.tmp`, `${offset}\n`);
      await fsp.rename(`${file}.tmp`, file);
      this.checkpointed = offset;
      return true;
    } catch {
      // Left as it was: the next start verifies a few more segments.
      return false;
    }
  }

  /** `none` promises nothing beyond the page cache: waiting for syncs would hold records back until a segment rolls. */
  private visibleOnlyWhenDurable(): boolean {
    return this.config.visibility === Visibility.DURABLE && this.config.flushPolicy !== FlushPolicy.NONE;
  }

  private applyFlushTimer(): void {
    this.scheduler.clearInterval(this.flushTimer);
    this.flushTimer = undefined;
    if (this.config.flushPolicy !== FlushPolicy.INTERVAL) return;
    this.flushTimer = this.scheduler.setInterval(() => {
      if (!this.closed && this.endOffset > this.commit.durableOffset) this.commit.request();
    }, this.config.flushIntervalMs);
  }

  /** Retention and compaction never overlap: both replace segments. */
  private serialize<T>(task: () => Promise<T>): Promise<T> {
    this.ensureOpen();
    const run = this.maintenance.catch(() => undefined).then(() => {
      this.ensureOpen();
      return task();
    });
    this.maintenance = run;
    return run;
  }

  private ensureOpen(): void {
    if (this.closed) throw new LogError(LogErrorCode.LOG_CLOSED, `log ${this.dir} is closed`);
  }
}

function setLogAppendTime(bytes: Buffer, pos: number, size: number, time: bigint): void {
  const attributes = bytes.readInt16BE(pos + BatchLayout.ATTRIBUTES) | Attributes.LOG_APPEND_TIME;
  bytes.writeInt16BE(attributes, pos + BatchLayout.ATTRIBUTES);
  bytes.writeBigInt64BE(time, pos + BatchLayout.MAX_TIMESTAMP);
  bytes.writeUInt32BE(computeBatchCrc(bytes, pos, size), pos + BatchLayout.CRC);
}

/** Cuts `bytes` to whole batches below `limit`, verifying each one's CRC. */
function wholeVerifiedBatches(bytes: Buffer, limit: bigint, file: string, filePosition: number): Buffer {
  let pos = 0;
  while (pos < bytes.length) {
    if (bytes.length - pos < BatchLayout.HEADER_SIZE) break;
    if (bytes.readBigInt64BE(pos + BatchLayout.BASE_OFFSET) >= limit) break;
    const check = checkBatch(bytes, pos, bytes.length);
    if (!check.ok) {
      if (check.problem === 'torn') break;
      if (pos === 0) {
        throw new LogError(LogErrorCode.CORRUPT_SEGMENT, `segment ${file} is damaged at byte ${filePosition}: ${check.reason}`);
      }
      break;
    }
    pos += check.size;
  }
  return bytes.subarray(0, pos);
}

function unlinkAll(files: readonly string[]): void {
  for (const file of files) fs.rmSync(file, { force: true });
}

function maxBigint(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}

function readOffsetCheckpoint(dir: string, name: string): bigint | undefined {
  try {
    const text = fs.readFileSync(path.join(dir, name), 'utf8').trim();
    return /^\d+$/.test(text) ? BigInt(text) : undefined;
  } catch {
    return undefined;
  }
}

function writeLogStartCheckpoint(dir: string, offset: bigint): void {
  const file = path.join(dir, LOG_START_CHECKPOINT);
  fs.writeFileSync(`${file}.tmp`, `${offset}\n`);
  fs.renameSync(`${file}.tmp`, file);
}
