import { StreamsError, StreamsErrorCode } from '../errors.ts';
import { checkDuration } from './time-windows.ts';

/**
 * The time bounds of a stream-stream join (Kafka's JoinWindows): a record at `t` joins records of
 * the other stream within `[t - before, t + after]`. Symmetric by default; `before`/`after`
 * change one side. Left/outer results for records with no match wait until the window closed
 * (after + grace), so no spurious null result is emitted before a match could still arrive.
 */
export class JoinWindows {
  readonly beforeMs: number;
  readonly afterMs: number;
  readonly graceMs: number;

  private constructor(beforeMs: number, afterMs: number, graceMs: number) {
    this.beforeMs = beforeMs;
    this.afterMs = afterMs;
    this.graceMs = graceMs;
  }

  static ofTimeDifferenceWithNoGrace(timeDifferenceMs: number): JoinWindows {
    checkDuration('the time difference', timeDifferenceMs);
    return new JoinWindows(timeDifferenceMs, timeDifferenceMs, 0);
  }

  static ofTimeDifferenceAndGrace(timeDifferenceMs: number, graceMs: number): JoinWindows {
    checkDuration('the time difference', timeDifferenceMs);
    return new JoinWindows(timeDifferenceMs, timeDifferenceMs, checkDuration('the grace period', graceMs));
  }

  /** Only other-stream records at most `beforeMs` older join. */
  before(beforeMs: number): JoinWindows {
    if (!Number.isSafeInteger(beforeMs) || beforeMs + this.afterMs < 0) throw new StreamsError(StreamsErrorCode.TOPOLOGY, `the window [-${beforeMs}, ${this.afterMs}] is empty`);
    return new JoinWindows(beforeMs, this.afterMs, this.graceMs);
  }

  /** Only other-stream records at most `afterMs` newer join. */
  after(afterMs: number): JoinWindows {
    if (!Number.isSafeInteger(afterMs) || this.beforeMs + afterMs < 0) throw new StreamsError(StreamsErrorCode.TOPOLOGY, `the window [-${this.beforeMs}, ${afterMs}] is empty`);
    return new JoinWindows(this.beforeMs, afterMs, this.graceMs);
  }

  /** How long each side's records are kept: as long as a record of the other side may still join them. */
  retentionMs(): number {
    return this.beforeMs + this.afterMs + this.graceMs + 1;
  }
}
