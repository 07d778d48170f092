/**
 * Time, injected. Everything in Brook that reads the time, waits or times out takes a
 * `Clock` or a `Scheduler` instead of calling `Date.now()` or `setTimeout` itself, so that
 * its unit tests can run on virtual time: step the object, advance the scheduler, assert
 * what it did — as Kafka's MockTime tests do.
 */

/** Wall-clock time in milliseconds since the epoch. */
export interface Clock {
  now(): number;
}

/** An armed timer, as returned by a scheduler. Opaque but for `unref`. */
export interface Timer {
  /** Lets the process exit while only this timer is armed (no effect on virtual time). */
  unref(): this;
}

/** A clock that can also run callbacks later. */
export interface Scheduler extends Clock {
  /** Runs `callback` once, `delayMs` from now (negative delays count as 0). */
  setTimeout(callback: () => void, delayMs: number): Timer;
  /** Runs `callback` every `periodMs` until cleared. */
  setInterval(callback: () => void, periodMs: number): Timer;
  /** Disarms a timer from either method; `undefined` and fired timers are ignored. */
  clearTimeout(timer: Timer | undefined): void;
  /** The same as `clearTimeout`, for readers who armed an interval. */
  clearInterval(timer: Timer | undefined): void;
  /** Resolves after `delayMs`. Cancellable sleeps belong to their owner (see the client's Timers). */
  sleep(delayMs: number): Promise<void>;
}

/** Node's timers take at most 2^31-1 ms; a longer delay would fire at once. */
const MAX_NODE_DELAY_MS = 2 ** 31 - 1;

function nodeDelay(ms: number): number {
  return Math.min(MAX_NODE_DELAY_MS, Math.max(0, ms));
}

/** The real clock and Node's timers. */
export const systemScheduler: Scheduler = {
  now: () => Date.now(),
  setTimeout: (callback, delayMs) => setTimeout(callback, nodeDelay(delayMs)),
  setInterval: (callback, periodMs) => setInterval(callback, nodeDelay(periodMs)),
  clearTimeout: (timer) => {
    clearTimeout(timer as NodeJS.Timeout | undefined);
  },
  clearInterval: (timer) => {
    clearInterval(timer as NodeJS.Timeout | undefined);
  },
  sleep: (delayMs) =>
    new Promise((resolve) => {
      setTimeout(resolve, nodeDelay(delayMs));
    }),
};

/** The real wall clock, for code that only reads the time. */
export const systemClock: Clock = systemScheduler;

class VirtualTimer implements Timer {
  cancelled = false;
  readonly callback: () => void;
  dueAt: number;
  readonly periodMs: number | undefined;
  /** Arming order: timers due at the same instant fire in the order they were armed. */
  seq: number;

  constructor(callback: () => void, dueAt: number, periodMs: number | undefined, seq: number) {
    this.callback = callback;
    this.dueAt = dueAt;
    this.periodMs = periodMs;
    this.seq = seq;
  }

  unref(): this {
    return this;
  }
}

/**
 * How many timers may fire at one virtual instant before `advance`/`tick` give up: a callback
 * that re-arms a 0 ms timer would otherwise keep them firing forever without time moving.
 * Far above what any real burst of same-instant timers reaches.
 */
export const MAX_TIMERS_PER_INSTANT = 100_000;

/**
 * Time that only moves when a test moves it. Timers fire in due order, each at its own
 * instant (`now()` reads its due time while it runs), and timers armed by a callback fire
 * in the same advance when they fall due within it.
 *
 * `advance` is synchronous: callbacks run, but promises they start settle only after it
 * returns. `tick` lets the promise jobs and I/O callbacks queued by each timer run before
 * the next one fires, which is what async code under test needs.
 */
export class VirtualScheduler implements Scheduler {
  private current: number;
  private armed: VirtualTimer[] = [];
  private nextSeq = 0;

  constructor(start = 1_700_000_000_000) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimeout(callback: () => void, delayMs: number): Timer {
    return this.arm(callback, delayMs, undefined);
  }

  setInterval(callback: () => void, periodMs: number): Timer {
    // A zero period would fire forever within one advance.
    return this.arm(callback, periodMs, Math.max(1, periodMs));
  }

  clearTimeout(timer: Timer | undefined): void {
    if (!(timer instanceof VirtualTimer) || timer.cancelled) return;
    timer.cancelled = true;
    this.armed = this.armed.filter((t) => t !== timer);
  }

  clearInterval(timer: Timer | undefined): void {
    this.clearTimeout(timer);
  }

  sleep(delayMs: number): Promise<void> {
    return new Promise((resolve) => this.setTimeout(resolve, delayMs));
  }

  /** How many timers are armed. */
  pendingTimers(): number {
    return this.armed.length;
  }

  /** When the next timer falls due, or undefined when none is armed. */
  nextDueAt(): number | undefined {
    return this.armed[0]?.dueAt;
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way, synchronously. */
  advance(ms: number): void {
    if (ms < 0) throw new RangeError(`cannot advance virtual time by a negative amount (${ms} ms)`);
    const target = this.current + ms;
    const count = this.sameInstantGuard();
    for (let timer = this.takeDue(target); timer !== undefined; timer = this.takeDue(target)) {
      count(timer);
      this.fire(timer);
    }
    this.current = target;
  }

  /**
   * Moves time forward by `ms` like `advance`, and after each timer (and at the start and
   * the end) lets pending promise jobs and I/O callbacks run, so async work a timer starts
   * is finished before the next timer fires.
   */
  async tick(ms = 0): Promise<void> {
    if (ms < 0) throw new RangeError(`cannot advance virtual time by a negative amount (${ms} ms)`);
    const target = this.current + ms;
    const count = this.sameInstantGuard();
    await settle();
    for (let timer = this.takeDue(target); timer !== undefined; timer = this.takeDue(target)) {
      count(timer);
      this.fire(timer);
      await settle();
    }
    this.current = target;
    await settle();
  }

  /**
   * Jumps the wall clock to `ms`. A forward jump fires what falls due, as `advance` does. A
   * backward jump is allowed on purpose: tests use it to step the wall clock back (NTP, a
   * resumed VM) and check that code does not assume `now()` never decreases. It fires nothing,
   * and armed timers keep their due times, so they fire that much later than their delay
   * said (Node's timers run on a monotonic clock and would not).
   */
  set(ms: number): void {
    if (ms >= this.current) this.advance(ms - this.current);
    else this.current = ms;
  }

  /** Counts the timers fired at each instant of one advance, and throws past the limit. */
  private sameInstantGuard(): (timer: VirtualTimer) => void {
    let instant: number | undefined;
    let fired = 0;
    return (timer) => {
      if (timer.dueAt !== instant) {
        instant = timer.dueAt;
        fired = 0;
      }
      fired++;
      if (fired > MAX_TIMERS_PER_INSTANT) {
        throw new Error(
          `VirtualScheduler: more than ${MAX_TIMERS_PER_INSTANT} timers fired at ${timer.dueAt} ms without time moving: a callback keeps arming a 0 ms (or negative) timeout, so advancing would never end. Give the re-armed timer a delay, or stop re-arming it.`,
        );
      }
    };
  }

  private arm(callback: () => void, delayMs: number, periodMs: number | undefined): VirtualTimer {
    const timer = new VirtualTimer(callback, this.current + Math.max(0, delayMs), periodMs, this.nextSeq++);
    this.insert(timer);
    return timer;
  }

  private insert(timer: VirtualTimer): void {
    let i = this.armed.length;
    while (i > 0 && this.before(timer, this.armed[i - 1]!)) i--;
    this.armed.splice(i, 0, timer);
  }

  private before(a: VirtualTimer, b: VirtualTimer): boolean {
    return a.dueAt < b.dueAt || (a.dueAt === b.dueAt && a.seq < b.seq);
  }

  private takeDue(target: number): VirtualTimer | undefined {
    const head = this.armed[0];
    if (head === undefined || head.dueAt > target) return undefined;
    this.armed.shift();
    return head;
  }

  private fire(timer: VirtualTimer): void {
    this.current = Math.max(this.current, timer.dueAt);
    if (timer.periodMs !== undefined) {
      timer.dueAt += timer.periodMs;
      timer.seq = this.nextSeq++;
      this.insert(timer);
    } else {
      timer.cancelled = true;
    }
    timer.callback();
  }
}

/** Lets queued promise jobs and already-due I/O callbacks run. */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
