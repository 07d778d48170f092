import type { Scheduler } from '../../core/base/index.ts';
import type { PartitionWatch } from './partition-watch.ts';

interface Pending {
  finish(): void;
}

/**
 * Fetches waiting for data (Kafka's fetch purgatory). A waiting fetch is retried each time
 * one of its partitions advances and completes when `tryComplete` says it has enough, or
 * when its max wait ends. Closing completes every waiter at once, so shutdown never
 * waits out a long poll. The max wait runs on the injected scheduler, so tests can check
 * on virtual time that a fetch really waits for it.
 */
export class DelayedFetches {
  private readonly watch: PartitionWatch;
  readonly scheduler: Scheduler;
  private readonly pending = new Set<Pending>();
  private closed = false;

  constructor(watch: PartitionWatch, scheduler: Scheduler) {
    this.watch = watch;
    this.scheduler = scheduler;
  }

  wait(partitions: readonly { topic: string; partition: number }[], maxWaitMs: number, tryComplete: () => boolean): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise<void>((resolve) => {
      let cancelWatch: () => void = () => undefined;
      const entry: Pending = {
        finish: () => {
          cancelWatch();
          this.scheduler.clearTimeout(timer);
          this.pending.delete(entry);
          resolve();
        },
      };
      const timer = this.scheduler.setTimeout(() => {
        entry.finish();
      }, maxWaitMs);
      const arm = (): void => {
        cancelWatch = this.watch.watch(partitions, () => {
          if (tryComplete()) entry.finish();
          else arm();
        });
      };
      this.pending.add(entry);
      arm();
    });
  }

  get size(): number {
    return this.pending.size;
  }

  close(): void {
    this.closed = true;
    for (const entry of [...this.pending]) entry.finish();
  }
}
