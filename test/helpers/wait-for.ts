import { setTimeout as delay } from 'node:timers/promises';

export interface WaitForOptions {
  timeoutMs?: number;
  /** Says what was awaited, for the failure message. */
  describe?: () => string;
  /** Stops waiting early (e.g. the process being watched has exited). */
  gaveUp?: () => boolean;
}

/** Polls `condition` until it holds; throws at the deadline. For events a test cannot await directly. */
export async function waitFor(condition: () => boolean, options: WaitForOptions = {}): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 5000);
  while (!condition()) {
    if (options.gaveUp?.() === true || Date.now() > deadline) {
      throw new Error(`gave up waiting: ${options.describe?.() ?? 'condition not met before the deadline'}`);
    }
    await delay(2);
  }
}

/**
 * Polls an asynchronous `probe` until `accept` holds for its result, and returns that
 * result; throws at the deadline with the last value seen. For states a test can only ask about.
 */
export async function pollUntil<T>(probe: () => Promise<T>, accept: (value: T) => boolean, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (accept(value)) return value;
    if (Date.now() > deadline) {
      throw new Error(`gave up waiting for ${what}; last: ${JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))}`);
    }
    await delay(10);
  }
}
