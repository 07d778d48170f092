/**
 * The timers of one long-lived object (a Cluster, a producer's sender), so that its close()
 * clears every one: a backoff, a periodic refresh, a sleep inside a retry loop. After
 * `clearAll` nothing is armed any more, and a sleep still awaited resolves at once so the
 * loop around it sees the close and stops.
 */
export class Timers {
  private readonly armed = new Set<NodeJS.Timeout>();
  private readonly sleepers = new Map<NodeJS.Timeout, () => void>();
  private closed = false;

  /**
   * Runs `fn` after `ms` unless cleared first; nothing once `clearAll` ran. `unref`: the
   * timer alone does not keep the process alive.
   */
  set(fn: () => void, ms: number, options: { unref?: boolean } = {}): NodeJS.Timeout | undefined {
    if (this.closed) return undefined;
    const timer = setTimeout(() => {
      this.armed.delete(timer);
      fn();
    }, ms);
    if (options.unref === true) timer.unref();
    this.armed.add(timer);
    return timer;
  }

  clear(timer: NodeJS.Timeout | undefined): void {
    if (timer === undefined) return;
    clearTimeout(timer);
    this.armed.delete(timer);
  }

  /** Resolves after `ms`, or at once when `clearAll` runs (before or during the sleep). */
  sleep(ms: number): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.sleepers.delete(timer);
        resolve();
      }, ms);
      this.sleepers.set(timer, resolve);
    });
  }

  /** Clears every timer and ends every sleep; later `set` and `sleep` arm nothing. */
  clearAll(): void {
    this.closed = true;
    for (const timer of this.armed) clearTimeout(timer);
    this.armed.clear();
    for (const [timer, resolve] of this.sleepers) {
      clearTimeout(timer);
      resolve();
    }
    this.sleepers.clear();
  }
}
