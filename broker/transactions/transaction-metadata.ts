import { TransactionError, TransactionErrorCode } from './errors.ts';

/** Kafka's TransactionState names. */
export const TxnState = {
  EMPTY: 'Empty',
  ONGOING: 'Ongoing',
  PREPARE_COMMIT: 'PrepareCommit',
  PREPARE_ABORT: 'PrepareAbort',
  COMPLETE_COMMIT: 'CompleteCommit',
  COMPLETE_ABORT: 'CompleteAbort',
  DEAD: 'Dead',
  PREPARE_EPOCH_FENCE: 'PrepareEpochFence',
} as const;
export type TxnState = (typeof TxnState)[keyof typeof TxnState];

/**
 * Which state may follow which: for each state, the states it may be entered from (Kafka's
 * TransactionState.validPreviousStates). Anything else is a coordinator bug.
 * PrepareEpochFence is Kafka's in-memory step of fencing an ongoing transaction; Brook
 * writes the bumped epoch straight into PrepareAbort instead, so it is never entered.
 */
export const TXN_TRANSITIONS: Readonly<Record<TxnState, readonly TxnState[]>> = {
  [TxnState.EMPTY]: [TxnState.EMPTY, TxnState.COMPLETE_COMMIT, TxnState.COMPLETE_ABORT],
  [TxnState.ONGOING]: [TxnState.ONGOING, TxnState.EMPTY, TxnState.COMPLETE_COMMIT, TxnState.COMPLETE_ABORT],
  [TxnState.PREPARE_COMMIT]: [TxnState.ONGOING],
  [TxnState.PREPARE_ABORT]: [TxnState.ONGOING, TxnState.PREPARE_EPOCH_FENCE],
  [TxnState.COMPLETE_COMMIT]: [TxnState.PREPARE_COMMIT],
  [TxnState.COMPLETE_ABORT]: [TxnState.PREPARE_ABORT],
  [TxnState.DEAD]: [TxnState.EMPTY, TxnState.COMPLETE_COMMIT, TxnState.COMPLETE_ABORT],
  [TxnState.PREPARE_EPOCH_FENCE]: [TxnState.ONGOING],
};

export function checkTransition(transactionalId: string, from: TxnState, to: TxnState): void {
  if (!TXN_TRANSITIONS[to].includes(from)) {
    throw new TransactionError(TransactionErrorCode.ILLEGAL_TRANSITION, `transaction '${transactionalId}' cannot go from ${from} to ${to}`);
  }
}

/** Whether markers are being written: the transaction is decided but not yet complete. */
export function isPreparing(state: TxnState): boolean {
  return state === TxnState.PREPARE_COMMIT || state === TxnState.PREPARE_ABORT;
}
