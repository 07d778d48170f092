/**
 * Wakes whoever waits for the consumer's state to change — new data fetched, a batch released,
 * a failure, close — so each waiter looks again at what it waits for.
 */
export class Signal {
  private readonly waiters = new Set<() => void>();

  /** Resolves at the next notify(), or when `wake` is called. */
  wait(): { readonly promise: Promise<void>; readonly wake: () => void } {
    let wake = (): void => undefined;
    const promise = new Promise<void>((resolve) => {
      wake = () => {
        this.waiters.delete(wake);
        resolve();
      };
      this.waiters.add(wake);
    });
    return { promise, wake };
  }

  notify(): void {
    const waiters = [...this.waiters];
    this.waiters.clear();
    for (const wake of waiters) wake();
  }
}
