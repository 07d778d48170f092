import fs from 'node:fs';
import path from 'node:path';
import { parseSegmentLogName, segmentPaths, SegmentSuffix } from './segment-files.ts';
import { LogSegment } from './segment.ts';
import type { SegmentRecovery } from './segment.ts';

/** What opening a log directory found and repaired, for the operator's log. */
export interface LogRecovery {
  /** The recovery point read from the checkpoint: segments ending above it were verified batch by batch. */
  recoveryPoint: bigint;
  /** How many segments were verified batch by batch (the active one always is). */
  verifiedSegments: number;
  /** Bytes cut from a verified segment (a torn or corrupt write). */
  truncatedBytes: number;
  /** Why and where the tail was cut. */
  truncatedAt?: { file: string; position: number; reason: string };
  /** Segment files whose indexes were rebuilt, with the reason. */
  rebuiltIndexes: { file: string; reason: string }[];
  /** Compactions interrupted by a crash: completed (.swap) or discarded (.cleaned). */
  completedSwaps: string[];
  discardedCleaned: string[];
  /**
   * Segments removed because a segment before them was cut short: their offsets would no
   * longer follow on. Only data no fsync had covered can be lost this way.
   */
  deletedSegments: string[];
}

/**
 * Brings a partition directory to a consistent state and opens its segments, as Kafka's
 * log loader does with its recovery point: every offset below `recoveryPoint` was known
 * to be fsynced, so a sealed segment that ends at or below it is trusted (its indexes are
 * only sanity-checked); every segment from the one holding the recovery point on, the
 * active one always included, is verified batch by batch. A verified segment cut short
 * (a torn write, or a sealed segment whose roll-time fsync never finished) ends the log:
 * the segments after it are deleted, since their offsets would not follow on.
 */
export function recoverDirectory(
  dir: string,
  indexIntervalBytes: number,
  emptyLogBase: bigint,
  recoveryPoint: bigint,
): { segments: LogSegment[]; recovery: LogRecovery } {
  const recovery: LogRecovery = {
    recoveryPoint,
    verifiedSegments: 0,
    truncatedBytes: 0,
    rebuiltIndexes: [],
    completedSwaps: [],
    discardedCleaned: [],
    deletedSegments: [],
  };
  for (const name of fs.readdirSync(dir)) {
    const file = path.join(dir, name);
    if (name.endsWith(SegmentSuffix.DELETED)) {
      // A removed segment's file whose file.delete.delay.ms had not passed: nothing reads it any more.
      fs.rmSync(file, { force: true });
    } else if (name.endsWith(SegmentSuffix.CLEANED)) {
      fs.rmSync(file, { force: true });
      recovery.discardedCleaned.push(name);
    } else if (name.endsWith(SegmentSuffix.LOG + SegmentSuffix.SWAP)) {
      // A fully written and synced compacted copy: finish replacing its segment, whose indexes no longer match.
      const target = file.slice(0, -SegmentSuffix.SWAP.length);
      const stem = target.slice(0, -SegmentSuffix.LOG.length);
      fs.rmSync(stem + SegmentSuffix.INDEX, { force: true });
      fs.rmSync(stem + SegmentSuffix.TIME_INDEX, { force: true });
      fs.renameSync(file, target);
      recovery.completedSwaps.push(name);
    }
  }
  const bases = fs
    .readdirSync(dir)
    .map(parseSegmentLogName)
    .filter((base): base is bigint => base !== undefined)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (bases.length === 0) {
    return { segments: [LogSegment.create(dir, emptyLogBase, indexIntervalBytes)], recovery };
  }
  const segments: LogSegment[] = [];
  const note = (segment: LogSegment, r: SegmentRecovery): void => {
    if (r.rebuiltIndex !== undefined) recovery.rebuiltIndexes.push({ file: path.basename(segment.paths.log), reason: r.rebuiltIndex });
    if (r.truncatedAt !== undefined) {
      recovery.truncatedBytes += r.truncatedBytes;
      recovery.truncatedAt = { file: path.basename(segment.paths.log), position: r.truncatedAt.position, reason: r.truncatedAt.reason };
    }
  };
  try {
    for (let i = 0; i < bases.length; i++) {
      const next = bases[i + 1];
      if (next !== undefined && next <= recoveryPoint) {
        const { segment, recovery: r } = LogSegment.openSealed(dir, bases[i]!, next, indexIntervalBytes);
        segments.push(segment);
        note(segment, r);
        continue;
      }
      const { segment, recovery: r } = LogSegment.openVerified(dir, bases[i]!, indexIntervalBytes);
      segments.push(segment);
      recovery.verifiedSegments++;
      note(segment, r);
      if (next !== undefined && segment.nextOffset !== next) {
        // A sealed segment that does not reach its successor's base lost its tail: it becomes
        // the active segment and what followed it goes.
        for (const later of bases.slice(i + 1)) {
          const paths = segmentPaths(dir, later);
          for (const file of [paths.log, paths.index, paths.timeIndex, paths.txnIndex]) fs.rmSync(file, { force: true });
          recovery.deletedSegments.push(path.basename(paths.log));
        }
        break;
      }
    }
  } catch (err) {
    for (const s of segments) s.close();
    throw err;
  }
  return { segments, recovery };
}
