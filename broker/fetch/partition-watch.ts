/**
 * Wakes long-polling fetches when a partition's readable end moves. A fetch registers
 * the partitions it reads; the produce path notifies after the high watermark advanced.
 */
export class PartitionWatch {
  private readonly waiters = new Map<string, Set<() => void>>();

  /** Calls `wake` (once) when any of `partitions` is notified; returns a cancel function. */
  watch(partitions: Iterable<{ topic: string; partition: number }>, wake: () => void): () => void {
    const keys: string[] = [];
    let fired = false;
    const once = (): void => {
      if (fired) return;
      fired = true;
      cancel();
      wake();
    };
    const cancel = (): void => {
      for (const key of keys) {
        const set = this.waiters.get(key);
        if (set === undefined) continue;
        set.delete(once);
        if (set.size === 0) this.waiters.delete(key);
      }
    };
    for (const { topic, partition } of partitions) {
      const key = watchKey(topic, partition);
      keys.push(key);
      let set = this.waiters.get(key);
      if (set === undefined) {
        set = new Set();
        this.waiters.set(key, set);
      }
      set.add(once);
    }
    return cancel;
  }

  notify(topic: string, partition: number): void {
    const set = this.waiters.get(watchKey(topic, partition));
    if (set === undefined) return;
    for (const wake of [...set]) wake();
  }

  get size(): number {
    return this.waiters.size;
  }
}

function watchKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}
