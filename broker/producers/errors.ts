import { BrookError } from '../../core/base/index.ts';

export const ProducerStateErrorCode = {
  /** The producer id block file is not what Brook wrote; ids could be handed out twice. */
  CORRUPT_ID_BLOCK: 'ERR_PRODUCERS_CORRUPT_ID_BLOCK',
  /** Every producer id up to int64 max has been handed out. */
  IDS_EXHAUSTED: 'ERR_PRODUCERS_IDS_EXHAUSTED',
  /** A producer state snapshot does not have the expected shape or values. */
  INVALID_SNAPSHOT: 'ERR_PRODUCERS_INVALID_SNAPSHOT',
  /** commit() of a prepared append after the state changed underneath it (a caller bug). */
  STALE_PREPARE: 'ERR_PRODUCERS_STALE_PREPARE',
  /** A disk operation failed (write, fsync, rename). */
  IO_FAILED: 'ERR_PRODUCERS_IO_FAILED',
} as const;
export type ProducerStateErrorCode = (typeof ProducerStateErrorCode)[keyof typeof ProducerStateErrorCode];

export class ProducerStateError extends BrookError {
  declare readonly code: ProducerStateErrorCode;

  constructor(code: ProducerStateErrorCode, message: string, options: { retriable?: boolean; cause?: unknown } = {}) {
    super(code, message, options);
  }
}
