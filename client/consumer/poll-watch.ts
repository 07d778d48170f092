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
  private timer: NodeJS.Timeout | undefined;

  get expired(): boolean {
    return this.expiredFlag;
  }

  /** Starts watching, checking a few times per interval; `onExpired` runs once per expiry. */
  start(intervalMs: number, onExpired: () => void): void {
    this.lastPollAt = Date.now();
    this.timer = setInterval(
      () => {
        if (this.expiredFlag || this.waiting > 0 || Date.now() - this.lastPollAt <= intervalMs) return;
        this.expiredFlag = true;
        onExpired();
      },
      Math.max(10, Math.min(1000, intervalMs / 5)),
    );
    this.timer.unref();
  }

  /** The application asks for a batch, then waits in `wait` for one; `resumed` runs first when it had expired. */
  async poll<T>(resumed: () => void, wait: () => Promise<T>): Promise<T> {
    this.lastPollAt = Date.now();
    if (this.expiredFlag) {
      this.expiredFlag = false;
      resumed();
    }
    this.waiting++;
    try {
      return await wait();
    } finally {
      this.waiting--;
      this.lastPollAt = Date.now();
    }
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
