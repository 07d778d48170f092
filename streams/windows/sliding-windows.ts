import type { Window } from '../state/store-api.ts';
import { checkDuration } from './time-windows.ts';

/**
 * Sliding windows (Kafka's SlidingWindows, KIP-450): windows of `timeDifference` aligned to the
 * data, both bounds inclusive. Each distinct set of records appears in exactly one window: the
 * window ending at each record (`[t - d, t]`) and the one starting just after it
 * (`[t + 1, t + 1 + d]`) when that holds records.
 */
export class SlidingWindows {
  readonly timeDifferenceMs: number;
  readonly graceMs: number;

  private constructor(timeDifferenceMs: number, graceMs: number) {
    this.timeDifferenceMs = timeDifferenceMs;
    this.graceMs = graceMs;
  }

  static ofTimeDifferenceWithNoGrace(timeDifferenceMs: number): SlidingWindows {
    return new SlidingWindows(checkDuration('the time difference', timeDifferenceMs, 1), 0);
  }

  static ofTimeDifferenceAndGrace(timeDifferenceMs: number, graceMs: number): SlidingWindows {
    return new SlidingWindows(checkDuration('the time difference', timeDifferenceMs, 1), checkDuration('the grace period', graceMs));
  }

  /** Windows are found by start up to 2 × difference back, and must outlive their close. */
  retentionMs(): number {
    return 2 * this.timeDifferenceMs + this.graceMs + 1;
  }
}

/**
 * The sliding windows over a set of record timestamps, each once (pure; the reference the
 * processor is tested against): for every timestamp t the window `[t - d, t]`, and `[t + 1, t + 1 + d]`
 * when some record falls in it; windows with equal record sets collapse into one.
 */
export function slidingWindowsOver(timestamps: readonly number[], d: number): Window[] {
  const sorted = [...new Set(timestamps)].sort((a, b) => a - b);
  const windows = new Map<string, Window>();
  const content = (w: Window): string => sorted.filter((t) => t >= w.start && t <= w.end).join(',');
  for (const t of sorted) {
    for (const w of [{ start: Math.max(0, t - d), end: Math.max(0, t - d) + d }, { start: t + 1, end: t + 1 + d }]) {
      const c = content(w);
      if (c !== '' && !windows.has(c)) windows.set(c, w);
    }
  }
  return [...windows.values()].sort((a, b) => a.start - b.start);
}
