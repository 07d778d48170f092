import type { SourceRecord } from '../../connect/api/index.ts';
import type { Scheduler, Timer } from '../../core/base/index.ts';

/**
 * The hand-over between the readers (snapshot, binlog) and poll(): bounded, so a reader far
 * ahead of the producer stops reading (the binlog socket is paused, the snapshot query waits)
 * rather than filling memory. A reader's failure is kept and thrown by the next take().
 */
export class RecordQueue {
  private items: SourceRecord[] = [];
  private head = 0;
  private readonly max: number;
  private readonly scheduler: Scheduler;
  private waiter: (() => void) | undefined;
  private spaceWaiters: (() => void)[] = [];
  private failure: Error | undefined;
  private closed = false;
  /** Called when the queue drained below half after being full (resume the binlog socket). */
  onSpace: (() => void) | undefined;

  constructor(max: number, scheduler: Scheduler) {
    this.max = max;
    this.scheduler = scheduler;
  }

  get size(): number {
    return this.items.length - this.head;
  }

  get full(): boolean {
    return this.size >= this.max;
  }

  /** Adds records; never blocks (a binlog event's records go in whole). False once full. */
  push(...records: SourceRecord[]): boolean {
    for (const r of records) this.items.push(r);
    this.wake();
    return !this.full;
  }

  /** Resolves once there is room (or the queue closed). */
  async space(): Promise<void> {
    if (!this.full || this.closed) return;
    await new Promise<void>((resolve) => this.spaceWaiters.push(resolve));
  }

  fail(error: Error): void {
    this.failure ??= error;
    this.wake();
  }

  close(): void {
    this.closed = true;
    this.wake();
    this.releaseSpace();
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }

  private releaseSpace(): void {
    const waiters = this.spaceWaiters;
    this.spaceWaiters = [];
    for (const w of waiters) w();
  }

  /** Up to `max` records; waits up to `waitMs` for the first. Throws a reader's failure. */
  async take(max: number, waitMs: number): Promise<SourceRecord[]> {
    if (this.size === 0 && this.failure === undefined && !this.closed) {
      let timer: Timer | undefined;
      await new Promise<void>((resolve) => {
        this.waiter = resolve;
        timer = this.scheduler.setTimeout(resolve, waitMs);
      });
      this.scheduler.clearTimeout(timer);
      this.waiter = undefined;
    }
    if (this.size === 0 && this.failure !== undefined) throw this.failure;
    const wasFull = this.full;
    const n = Math.min(max, this.size);
    const out = this.items.slice(this.head, this.head + n);
    this.head += n;
    if (this.head > 4096 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    if (this.size * 2 <= this.max) {
      this.releaseSpace();
      if (wasFull || this.onSpace !== undefined) this.onSpace?.();
    }
    return out;
  }
}
