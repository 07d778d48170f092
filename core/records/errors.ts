import { BrookError } from '../base/index.ts';

export const RecordsErrorCode = {
  /** Bytes do not form a valid record batch (bad length, count, magic or varint). */
  CORRUPT_BATCH: 'ERR_RECORDS_CORRUPT_BATCH',
  /** The stored CRC-32C does not match the batch contents. */
  CRC_MISMATCH: 'ERR_RECORDS_CRC_MISMATCH',
  /** A compressed payload would expand beyond the configured cap. */
  DECOMPRESSED_TOO_LARGE: 'ERR_RECORDS_DECOMPRESSED_TOO_LARGE',
  /** A compressed payload could not be decoded by its codec. */
  CORRUPT_COMPRESSED: 'ERR_RECORDS_CORRUPT_COMPRESSED',
  /** The attributes name a codec Brook does not know. */
  UNKNOWN_CODEC: 'ERR_RECORDS_UNKNOWN_CODEC',
  /** The batch is valid but its format is not one Brook supports (magic 0 or 1). */
  UNSUPPORTED_MAGIC: 'ERR_RECORDS_UNSUPPORTED_MAGIC',
} as const;
export type RecordsErrorCode = (typeof RecordsErrorCode)[keyof typeof RecordsErrorCode];

export class RecordsError extends BrookError {
  declare readonly code: RecordsErrorCode;

  constructor(code: RecordsErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(code, message, options);
  }
}
