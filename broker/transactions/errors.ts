import { BrookError } from '../../core/base/index.ts';

export const TransactionErrorCode = {
  /** The coordinator tried a state change its transition table forbids: a bug in the coordinator. */
  ILLEGAL_TRANSITION: 'ERR_TXN_ILLEGAL_TRANSITION',
  /** A `__transaction_state` record that does not parse. */
  CORRUPT_RECORD: 'ERR_TXN_CORRUPT_RECORD',
} as const;
export type TransactionErrorCode = (typeof TransactionErrorCode)[keyof typeof TransactionErrorCode];

export class TransactionError extends BrookError {
  declare readonly code: TransactionErrorCode;

  constructor(code: TransactionErrorCode, message: string, options: { retriable?: boolean; cause?: unknown } = {}) {
    super(code, message, options);
  }
}
