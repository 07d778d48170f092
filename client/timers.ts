import { systemScheduler } from '../core/base/index.ts';
import type { Scheduler, Timer } from '../core/base/index.ts';

/**
 * The timers of one long-lived object (a Cluster, a producer's sender), so that its close()
 * clears every one: a backoff, a periodic refresh, a sleep inside a retry loop. After
 * `clearAll` nothing is armed any more, and a sleep still awaited resolves at once so the
 * loop around it sees the close and stops.
 */
export class Timers {
  readonly scheduler: Scheduler;
  private readonly armed = new Set<Timer>();
  private readonly sleepers = new Map<Timer, () => void>();
  private closed = false;

  constructor(scheduler: Scheduler = systemScheduler) {
    this.scheduler = scheduler;
  }

  /**
   * Runs `fn` after `ms` unless cleared first; nothing once `clearAll` ran. `unref`: the
   * timer alone does not keep the process alive.
   */
  set(fn: () => void, ms: number, options: { unref?: boolean } = {}): Timer | undefined {
    if (this.closed) return undefined;
    const timer = this.scheduler.setTimeout(() => {
      this.armed.delete(timer);
      fn();
    }, ms);
    if (options.unref === true) timer.unref();
    this.armed.add(timer);
    return timer;
  }

  clear(timer: Timer | undefined): void {
    if (timer === undefined) return;
    this.scheduler.clearTimeout(timer);
    this.armed.delete(timer);
  }

  /** Resolves after `ms`, or at once when `clearAll` runs (before or during the sleep). */
  sleep(ms: number): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = this.scheduler.setTimeout(() => {
        this.sleepers.delete(timer);
        resolve();
      }, ms);
      this.sleepers.set(timer, resolve);
    });
  }

  /** Clears every timer and ends every sleep; later `set` and `sleep` arm nothing. */
  clearAll(): void {
    this.closed = true;
    for (const timer of this.armed) this.scheduler.clearTimeout(timer);
    this.armed.clear();
    for (const [timer, resolve] of this.sleepers) {
      this.scheduler.clearTimeout(timer);
      resolve();
    }
    this.sleepers.clear();
  }
}
