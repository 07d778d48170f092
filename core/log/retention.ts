import type { LogConfig } from './log-config.ts';

export interface RetentionSegment {
  baseOffset: bigint;
  nextOffset: bigint;
  size: number;
  maxTimestamp: bigint;
}

export type RetentionReason = 'time' | 'size' | 'log-start-offset';

/**
 * How many of the oldest segments retention removes, and why. The active (last) segment
 * is never counted; callers roll it first when it alone has expired. Whole segments only,
 * as in Kafka: a segment goes when all of it is past a limit.
 */
export function segmentsToDelete(
  segments: readonly RetentionSegment[],
  config: Pick<LogConfig, 'retentionMs' | 'retentionBytes' | 'cleanupPolicy'>,
  now: number,
  logStartOffset: bigint,
): { count: number; reason: RetentionReason | undefined } {
  const sealed = segments.slice(0, -1);
  let count = 0;
  let reason: RetentionReason | undefined;
  while (count < sealed.length && sealed[count]!.nextOffset <= logStartOffset) {
    count++;
    reason = 'log-start-offset';
  }
  if (!config.cleanupPolicy.delete) return { count, reason };
  if (config.retentionMs >= 0) {
    const cutoff = BigInt(now - config.retentionMs);
    while (count < sealed.length && sealed[count]!.maxTimestamp < cutoff) {
      count++;
      reason = 'time';
    }
  }
  if (config.retentionBytes >= 0) {
    let total = segments.reduce((sum, s) => sum + s.size, 0);
    for (let i = 0; i < count; i++) total -= sealed[i]!.size;
    while (count < sealed.length && total - sealed[count]!.size >= config.retentionBytes) {
      total -= sealed[count]!.size;
      count++;
      reason = 'size';
    }
  }
  return { count, reason };
}
