/**
 * A test-only stop inside the completion of a transaction, so crash tests can kill the broker
 * at an exact step instead of guessing with sleeps. With BROOK_TXN_HALT_AT set in the broker's
 * environment, the coordinator stops completing a transaction at that step, logs
 * 'transaction halted for a crash test' with the point, and leaves it there until the process
 * is killed: the test waits for the line, then sends SIGKILL. Unset (always, outside tests),
 * nothing changes.
 */
export const TxnHaltPoint = {
  /** PrepareCommit/PrepareAbort is durable in `__transaction_state`; no marker is written yet. */
  PREPARE_WRITTEN: 'prepare-written',
  /** The first partition's marker is durable; the others are not written. */
  FIRST_MARKER_WRITTEN: 'first-marker-written',
} as const;
export type TxnHaltPoint = (typeof TxnHaltPoint)[keyof typeof TxnHaltPoint];

export const TXN_HALT_ENV = 'BROOK_TXN_HALT_AT';

/** The halt point the environment names, or undefined; a value naming no point is ignored. */
export function haltPointFromEnv(env: NodeJS.ProcessEnv = process.env): TxnHaltPoint | undefined {
  const value = env[TXN_HALT_ENV];
  return Object.values(TxnHaltPoint).find((p) => p === value);
}
