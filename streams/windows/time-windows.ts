import { StreamsError, StreamsErrorCode } from '../errors.ts';
import type { Window } from '../state/store-api.ts';

function checkDuration(name: string, ms: number, min = 0): number {
  if (!Number.isSafeInteger(ms) || ms < min) throw new StreamsError(StreamsErrorCode.TOPOLOGY, `${name} must be an integer number of milliseconds >= ${min}, not ${ms}`);
  return ms;
}

/** @internal */
export { checkDuration };

/**
 * Tumbling and hopping windows (Kafka's TimeWindows): `[start, start + size)`, aligned to the
 * epoch. Tumbling when `advance == size`; `advanceBy(hop)` makes them hop (a record falls into
 * `size / hop` windows). There is no default grace (KIP-633): pick one.
 */
export class TimeWindows {
  readonly sizeMs: number;
  readonly advanceMs: number;
  readonly graceMs: number;

  private constructor(sizeMs: number, advanceMs: number, graceMs: number) {
    this.sizeMs = sizeMs;
    this.advanceMs = advanceMs;
    this.graceMs = graceMs;
  }

  /** Windows of `size`; a record later than its window's end is dropped. */
  static ofSizeWithNoGrace(sizeMs: number): TimeWindows {
    return new TimeWindows(checkDuration('the window size', sizeMs, 1), sizeMs, 0);
  }

  /** Windows of `size` that still accept records until stream time passes end + grace. */
  static ofSizeAndGrace(sizeMs: number, graceMs: number): TimeWindows {
    return new TimeWindows(checkDuration('the window size', sizeMs, 1), sizeMs, checkDuration('the grace period', graceMs));
  }

  /** Hopping windows: a new window every `advanceMs` (0 < advance <= size). */
  advanceBy(advanceMs: number): TimeWindows {
    checkDuration('the advance', advanceMs, 1);
    if (advanceMs > this.sizeMs) throw new StreamsError(StreamsErrorCode.TOPOLOGY, `the advance (${advanceMs} ms) must not exceed the window size (${this.sizeMs} ms)`);
    return new TimeWindows(this.sizeMs, advanceMs, this.graceMs);
  }

  /** The windows a record at `timestamp` falls into, by start (Kafka's windowsFor). */
  windowsFor(timestamp: number): Window[] {
    const windows: Window[] = [];
    let start = Math.floor(Math.max(0, timestamp - this.sizeMs + this.advanceMs) / this.advanceMs) * this.advanceMs;
    for (; start <= timestamp; start += this.advanceMs) windows.push({ start, end: start + this.sizeMs });
    return windows;
  }

  /** What the window store keeps behind stream time: a window must outlive its close. */
  retentionMs(): number {
    return this.sizeMs + this.graceMs;
  }
}

/** True once no record can change `window` any more: stream time reached end + grace (Kafka's close rule). */
export function windowClosed(window: Window, graceMs: number, streamTime: number): boolean {
  return window.end + graceMs <= streamTime;
}
