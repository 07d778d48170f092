import { Subscription } from 'rxjs';
import type { SchedulerAction, SchedulerLike } from 'rxjs';
import type { Scheduler, Timer } from '../../core/base/index.ts';

/**
 * An RxJS scheduler on Brook's injected Scheduler, so time-based RxJS operators (`delay`,
 * `bufferTime`, `debounceTime`) in a topology run on the task's time — virtual time in the
 * TopologyTestDriver — instead of RxJS's own setTimeout.
 */
export function rxScheduler(scheduler: Scheduler): SchedulerLike {
  return {
    now: () => scheduler.now(),
    schedule<T>(work: (this: SchedulerAction<T>, state: T) => void, delay = 0, state?: T): Subscription {
      return new TimerAction<T>(scheduler, work).schedule(state, delay);
    },
  };
}

class TimerAction<T> extends Subscription implements SchedulerAction<T> {
  private timer: Timer | undefined;
  private readonly scheduler: Scheduler;
  private readonly work: (this: SchedulerAction<T>, state: T) => void;

  constructor(scheduler: Scheduler, work: (this: SchedulerAction<T>, state: T) => void) {
    super(() => {
      scheduler.clearTimeout(this.timer);
    });
    this.scheduler = scheduler;
    this.work = work;
  }

  /** Arms (or re-arms, when called from inside `work`) the action; RxJS's periodic operators do so. */
  schedule(state?: T, delay = 0): Subscription {
    if (this.closed) return this;
    this.scheduler.clearTimeout(this.timer);
    this.timer = this.scheduler.setTimeout(() => {
      this.timer = undefined;
      this.work.call(this, state as T);
    }, delay);
    return this;
  }
}
