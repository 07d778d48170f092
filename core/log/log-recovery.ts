import fs from 'node:fs';
import path from 'node:path';
import { parseSegmentLogName, SegmentSuffix } from './segment-files.ts';
import { LogSegment } from './segment.ts';
import type { SegmentRecovery } from './segment.ts';

/** What opening a log directory found and repaired, for the operator's log. */
export interface LogRecovery {
  /** Bytes cut from the tail of the active segment (a torn or corrupt write). */
  truncatedBytes: number;
  /** Why and where the tail was cut. */
  truncatedAt?: { file: string; position: number; reason: string };
  /** Segment files whose indexes were rebuilt, with the reason. */
  rebuiltIndexes: { file: string; reason: string }[];
  /** Compactions interrupted by a crash: completed (.swap) or discarded (.cleaned). */
  completedSwaps: string[];
  discardedCleaned: string[];
}

/**
 * Brings a partition directory to a consistent state and opens its segments. Only the
 * active segment is scanned batch by batch; sealed segments were synced when they
 * rolled, so their indexes are only sanity-checked.
 */
export function recoverDirectory(dir: string, indexIntervalBytes: number, emptyLogBase: bigint): { segments: LogSegment[]; recovery: LogRecovery } {
  const recovery: LogRecovery = { truncatedBytes: 0, rebuiltIndexes: [], completedSwaps: [], discardedCleaned: [] };
  for (const name of fs.readdirSync(dir)) {
    const file = path.join(dir, name);
    if (name.endsWith(SegmentSuffix.CLEANED)) {
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
    for (let i = 0; i < bases.length - 1; i++) {
      const { segment, recovery: r } = LogSegment.openSealed(dir, bases[i]!, bases[i + 1]!, indexIntervalBytes);
      segments.push(segment);
      note(segment, r);
    }
    const { segment, recovery: r } = LogSegment.openActive(dir, bases[bases.length - 1]!, indexIntervalBytes);
    segments.push(segment);
    note(segment, r);
  } catch (err) {
    for (const s of segments) s.close();
    throw err;
  }
  return { segments, recovery };
}
