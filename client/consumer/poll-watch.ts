import type { Scheduler, Timer } from '../../core/base/index.ts';

/**
 * Kafka's max.poll.interval.ms: whether the application keeps asking for batches. An
 * application waiting in next() is polling, however long the wait; one that holds a batch (or
 * has not started its loop) past the interval has expired, until it asks again.
 */
export class PollWatch {
  private lastPollAt = 0;
  /** Iterators waiting inside next(). */
  private waiting = 0;
  private expiredFlag = false;
  private timer: Timer | undefined;
  private readonly scheduler: Scheduler;

  constructor(scheduler: Scheduler) {
    this.scheduler = scheduler;
  }

  get expired(): boolean {
    return this.expiredFlag;
  }

  /** Starts watching, checking a few times per interval; `onExpired` runs once per expiry. */
  start(intervalMs: number, onExpired: () => void): void {
    this.lastPollAt = this.scheduler.now();
    this.timer = this.scheduler.setInterval(
      () => {
        if (this.expiredFlag || this.waiting > 0 || this.scheduler.now() - this.lastPollAt <= intervalMs) return;
        this.expiredFlag = true;
        onExpired();
      },
      Math.max(10, Math.min(1000, intervalMs / 5)),
    );
    this.timer.unref();
  }

  /** The application asks for a batch, then waits in `wait` for one; `resumed` runs first when it had expired. */
  async poll<T>(resumed: () => void, wait: () => Promise<T>): Promise<T> {
    this.lastPollAt = this.scheduler.now();
    if (this.expiredFlag) {
      this.expiredFlag = false;
      resumed();
    }
    this.waiting++;
    try {
      return await wait();
    } finally {
      this.waiting--;
      this.lastPollAt = this.scheduler.now();
    }
  }

  stop(): void {
    this.scheduler.clearInterval(this.timer);
  }
}
