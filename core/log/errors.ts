import { BrookError } from '../base/index.ts';

export const LogErrorCode = {
  /** A segment or index file holds bytes that are not what they must be. */
  CORRUPT_SEGMENT: 'ERR_LOG_CORRUPT_SEGMENT',
  /** The requested offset is below the log start offset or above the log end offset. */
  OFFSET_OUT_OF_RANGE: 'ERR_LOG_OFFSET_OUT_OF_RANGE',
  /** An appended batch is not a well-formed v2 batch or fails its CRC (Kafka's CORRUPT_MESSAGE). */
  CORRUPT_BATCH: 'ERR_LOG_CORRUPT_BATCH',
  /** An appended batch is well-formed but breaks an append rule (Kafka's INVALID_RECORD). */
  INVALID_BATCH: 'ERR_LOG_INVALID_BATCH',
  /** A CreateTime record's timestamp lies outside the topic's message.timestamp window (Kafka's INVALID_TIMESTAMP). */
  INVALID_TIMESTAMP: 'ERR_LOG_INVALID_TIMESTAMP',
  /** An appended batch is larger than max.message.bytes. */
  BATCH_TOO_LARGE: 'ERR_LOG_BATCH_TOO_LARGE',
  /** Another process holds the data directory. */
  DATA_DIR_LOCKED: 'ERR_LOG_DATA_DIR_LOCKED',
  /** The log was closed or deleted. */
  LOG_CLOSED: 'ERR_LOG_CLOSED',
  /** A disk operation failed (write, fsync, rename). */
  IO_FAILED: 'ERR_LOG_IO_FAILED',
  /** A topic name that cannot be a directory name (Kafka's legal characters: a-z A-Z 0-9 . _ -). */
  INVALID_TOPIC_NAME: 'ERR_LOG_INVALID_TOPIC_NAME',
  /** A log configuration value is out of range. */
  INVALID_CONFIG: 'ERR_LOG_INVALID_CONFIG',
} as const;
export type LogErrorCode = (typeof LogErrorCode)[keyof typeof LogErrorCode];

export class LogError extends BrookError {
  declare readonly code: LogErrorCode;

  constructor(code: LogErrorCode, message: string, options: { retriable?: boolean; cause?: unknown } = {}) {
    super(code, message, options);
  }
}
