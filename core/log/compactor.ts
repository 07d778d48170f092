import fs from 'node:fs';
import path from 'node:path';
import { Attributes, codecFromAttributes, decodeRecordBatch, encodeRecordBatch } from '../records/index.ts';
import type { DecodedBatch, Record } from '../records/index.ts';
import { segmentFileName, SegmentSuffix } from './segment-files.ts';
import { LogSegment } from './segment.ts';
import type { AbortedTxn } from './txn-index.ts';

export interface CompactionResult {
  segmentsRewritten: number;
  recordsRemoved: number;
  bytesBefore: number;
  bytesAfter: number;
}

export interface CompactionOptions {
  now: number;
  deleteRetentionMs: number;
  indexIntervalBytes: number;
  yieldBetweenSegments: () => Promise<unknown>;
  /**
   * Transactions aborted in this log: their records neither supersede an earlier value of
   * their key nor are kept, as Kafka's cleaner discards aborted data.
   */
  aborted?: readonly AbortedTxn[];
  /** Puts `replacement` in place of `old`; false when `old` is gone (deleted meanwhile). */
  install: (old: LogSegment, replacement: LogSegment) => boolean;
}

/**
 * Kafka's log cleaner, one pass: the latest offset of every key across the given sealed
 * segments is found first, then each segment is rewritten with only those records.
 * Retained records keep their offsets (batches keep their base offset and last offset
 * delta), so nothing is reordered or renumbered. Records without a key cannot be
 * compacted and are dropped, as Kafka's cleaner does. Control batches are kept as is;
 * records of aborted transactions are dropped and never count as a key's latest value.
 *
 * Crash safety: a segment is rewritten to `.cleaned`, synced, renamed to `.swap`, and
 * only then renamed over the `.log`; recovery discards `.cleaned` and completes `.swap`.
 */
export async function compactSegments(dir: string, segments: readonly LogSegment[], options: CompactionOptions): Promise<CompactionResult> {
  const result: CompactionResult = { segmentsRewritten: 0, recordsRemoved: 0, bytesBefore: 0, bytesAfter: 0 };
  if (segments.length === 0) return result;
  const aborted = options.aborted ?? [];
  const isAborted = (batch: DecodedBatch): boolean => {
    const h = batch.header;
    return (h.attributes & Attributes.TRANSACTIONAL) !== 0 && aborted.some((a) => a.producerId === h.producerId && h.baseOffset >= a.firstOffset && h.baseOffset < a.lastOffset);
  };
  const latest = new Map<string, bigint>();
  for (const segment of segments) {
    forEachBatch(segment, (batch) => {
      if ((batch.header.attributes & Attributes.CONTROL) !== 0 || isAborted(batch)) return;
      for (const r of batch.records) if (r.key !== null) latest.set(r.key.toString('latin1'), r.offset);
    });
    await options.yieldBetweenSegments();
  }
  const tombstoneCutoff = BigInt(options.now - options.deleteRetentionMs);
  const keep = (r: Record): boolean =>
    r.key !== null && latest.get(r.key.toString('latin1')) === r.offset && !(r.value === null && r.timestamp < tombstoneCutoff);

  for (const segment of segments) {
    if (segment.isClosed) continue;
    const kept: Buffer[] = [];
    let removed = 0;
    forEachBatch(segment, (batch, raw) => {
      if ((batch.header.attributes & Attributes.CONTROL) !== 0) {
        kept.push(raw);
        return;
      }
      if (isAborted(batch)) {
        removed += batch.records.length;
        return;
      }
      const retained = batch.records.filter(keep);
      removed += batch.records.length - retained.length;
      if (retained.length === batch.records.length) kept.push(raw);
      else if (retained.length > 0) kept.push(rebuildBatch(batch, retained));
    });
    result.bytesBefore += segment.size;
    if (removed === 0) {
      result.bytesAfter += segment.size;
      continue;
    }
    const replacement = swapIn(dir, segment, Buffer.concat(kept), options);
    if (replacement !== undefined) {
      result.segmentsRewritten++;
      result.recordsRemoved += removed;
      result.bytesAfter += replacement.size;
    }
    await options.yieldBetweenSegments();
  }
  return result;
}

function forEachBatch(segment: LogSegment, visit: (batch: DecodedBatch, raw: Buffer) => void): void {
  segment.scanFrom(0, (b) => {
    const raw = segment.read(b.position, b.size);
    visit(decodeRecordBatch(raw), raw);
  });
}

function rebuildBatch(batch: DecodedBatch, retained: readonly Record[]): Buffer {
  const h = batch.header;
  return encodeRecordBatch(
    retained.map((r) => ({ timestamp: r.timestamp, key: r.key, value: r.value, headers: r.headers, offsetDelta: Number(r.offset - h.baseOffset) })),
    {
      baseOffset: h.baseOffset,
      partitionLeaderEpoch: h.partitionLeaderEpoch,
      compression: codecFromAttributes(h.attributes),
      timestampType: (h.attributes & Attributes.LOG_APPEND_TIME) !== 0 ? 'log-append-time' : 'create-time',
      transactional: (h.attributes & Attributes.TRANSACTIONAL) !== 0,
      producerId: h.producerId,
      producerEpoch: h.producerEpoch,
      baseSequence: h.baseSequence,
      baseTimestamp: h.baseTimestamp,
      maxTimestamp: h.maxTimestamp,
      lastOffsetDelta: h.lastOffsetDelta,
    },
  );
}

function swapIn(dir: string, old: LogSegment, bytes: Buffer, options: CompactionOptions): LogSegment | undefined {
  const logName = segmentFileName(old.baseOffset, SegmentSuffix.LOG);
  const cleaned = path.join(dir, logName + SegmentSuffix.CLEANED);
  const swap = path.join(dir, logName + SegmentSuffix.SWAP);
  const fd = fs.openSync(cleaned, 'w');
  try {
    fs.writeSync(fd, bytes);
    fs.fdatasyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(cleaned, swap);
  fs.rmSync(old.paths.index, { force: true });
  fs.rmSync(old.paths.timeIndex, { force: true });
  fs.renameSync(swap, old.paths.log);
  const { segment } = LogSegment.openSealed(dir, old.baseOffset, old.nextOffset, options.indexIntervalBytes);
  if (!options.install(old, segment)) {
    // The files on disk are the compacted segment either way; only this handle is unused.
    segment.close();
    return undefined;
  }
  return segment;
}
