interface Waiter {
  offset: bigint;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * Group commit: callers wait for "offset N is on disk"; one fdatasync covers every
 * append made before it started. While a sync runs, new requests collect and the next
 * sync covers them all, so the number of syncs per second adapts to the disk, not to
 * the append rate.
 */
export class GroupCommit {
  /** Every offset below this is durable. */
  private durable: bigint;
  private waiters: Waiter[] = [];
  private running: Promise<void> | undefined;
  private scheduled = false;
  private readonly sync: () => Promise<bigint>;

  /** `sync` makes everything appended so far durable and returns the offset it covered up to. */
  constructor(sync: () => Promise<bigint>, durable: bigint) {
    this.sync = sync;
    this.durable = durable;
  }

  get durableOffset(): bigint {
    return this.durable;
  }

  /** Resolves once `offset` is durable; `requestSync` false leaves the timing of the sync to others. */
  wait(offset: bigint, requestSync = true): Promise<void> {
    if (offset < this.durable) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.waiters.push({ offset, resolve, reject });
      if (requestSync) this.request();
    });
  }

  /** Asks for a sync soon; requests made in the same event-loop turn share one. */
  request(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    if (this.running === undefined) this.runSoon();
  }

  private runSoon(): void {
    setImmediate(() => {
      if (this.scheduled && this.running === undefined) void this.run();
    });
  }

  /** Records that everything below `offset` became durable by other means (a roll, a close). */
  markDurable(offset: bigint): void {
    if (offset > this.durable) this.durable = offset;
    this.release();
  }

  /** Resets after truncation: offsets at or beyond `offset` no longer exist. */
  truncate(offset: bigint): void {
    if (offset < this.durable) this.durable = offset;
  }

  /** Waits for any sync in progress or scheduled to finish. */
  async drain(): Promise<void> {
    while (this.running !== undefined || this.scheduled) {
      if (this.running === undefined) await this.run();
      else await this.running;
    }
  }

  failAll(err: unknown): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w.reject(err);
  }

  private run(): Promise<void> {
    if (this.running !== undefined) return this.running;
    this.scheduled = false;
    this.running = this.sync().then(
      (covered) => {
        this.running = undefined;
        this.markDurable(covered);
        if (this.scheduled) this.runSoon();
      },
      (err: unknown) => {
        this.running = undefined;
        this.failAll(err);
        if (this.scheduled) this.runSoon();
      },
    );
    return this.running;
  }

  private release(): void {
    const pending: Waiter[] = [];
    for (const w of this.waiters) {
      if (w.offset < this.durable) w.resolve();
      else pending.push(w);
    }
    this.waiters = pending;
  }
}
