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
