import path from 'node:path';

export const SegmentSuffix = {
  LOG: '.log',
  INDEX: '.index',
  TIME_INDEX: '.timeindex',
  /** Transactions aborted by a marker in the segment (Kafka's format). */
  TXN_INDEX: '.txnindex',
  /** A compacted copy being written; discarded if found at start. */
  CLEANED: '.cleaned',
  /** A compacted copy ready to replace its segment; completed if found at start. */
  SWAP: '.swap',
  /** A removed segment's file waiting out file.delete.delay.ms; removed if found at start. */
  DELETED: '.deleted',
} as const;

/** Kafka names segment files by their base offset, zero-padded to 20 digits. */
export function segmentFileName(baseOffset: bigint, suffix: string): string {
  return baseOffset.toString().padStart(20, '0') + suffix;
}

export function segmentPaths(dir: string, baseOffset: bigint): { log: string; index: string; timeIndex: string; txnIndex: string } {
  return {
    log: path.join(dir, segmentFileName(baseOffset, SegmentSuffix.LOG)),
    index: path.join(dir, segmentFileName(baseOffset, SegmentSuffix.INDEX)),
    timeIndex: path.join(dir, segmentFileName(baseOffset, SegmentSuffix.TIME_INDEX)),
    txnIndex: path.join(dir, segmentFileName(baseOffset, SegmentSuffix.TXN_INDEX)),
  };
}

const SEGMENT_LOG_NAME = /^(\d{20})\.log$/;

export function parseSegmentLogName(name: string): bigint | undefined {
  const match = SEGMENT_LOG_NAME.exec(name);
  return match ? BigInt(match[1]!) : undefined;
}
