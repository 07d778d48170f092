import { LogError, LogErrorCode } from '../../core/log/index.ts';
import { ErrorCode } from '../../core/protocol/index.ts';

/**
 * The one mapping from storage faults to Kafka error codes, for every handler and for the
 * broker's own writes: what a client is told when the log refuses or fails an operation.
 */
const LOG_ERROR_CODES: Readonly<Record<LogErrorCode, number | undefined>> = {
  [LogErrorCode.CORRUPT_BATCH]: ErrorCode.CORRUPT_MESSAGE,
  [LogErrorCode.INVALID_BATCH]: ErrorCode.INVALID_RECORD,
  [LogErrorCode.INVALID_TIMESTAMP]: ErrorCode.INVALID_TIMESTAMP,
  [LogErrorCode.BATCH_TOO_LARGE]: ErrorCode.MESSAGE_TOO_LARGE,
  [LogErrorCode.OFFSET_OUT_OF_RANGE]: ErrorCode.OFFSET_OUT_OF_RANGE,
  // A closed log means the partition is going away (deleted, or the broker stopping): the
  // client should look up the leader again, as after a leadership change.
  [LogErrorCode.LOG_CLOSED]: ErrorCode.NOT_LEADER_OR_FOLLOWER,
  [LogErrorCode.IO_FAILED]: ErrorCode.KAFKA_STORAGE_ERROR,
  [LogErrorCode.CORRUPT_SEGMENT]: ErrorCode.KAFKA_STORAGE_ERROR,
  // Not faults of one operation: they stop a log from opening, and then the partition is offline.
  [LogErrorCode.DATA_DIR_LOCKED]: ErrorCode.KAFKA_STORAGE_ERROR,
  [LogErrorCode.INVALID_TOPIC_NAME]: undefined,
  [LogErrorCode.INVALID_CONFIG]: undefined,
};

export interface StorageFailure {
  readonly errorCode: number;
  readonly message: string;
  /**
   * True when the disk or the broker is at fault rather than the request (an I/O error, a
   * damaged segment, an unexpected exception): worth an error log line with the cause.
   */
  readonly fault: boolean;
}

/**
 * The Kafka error for something a log operation threw. `fallback` answers errors that are
 * not the log's own (a bug, a raw fs error): UNKNOWN_SERVER_ERROR for writes, and
 * KAFKA_STORAGE_ERROR where reading a partition failed.
 */
export function storageFailure(error: unknown, fallback: number = ErrorCode.UNKNOWN_SERVER_ERROR): StorageFailure {
  const message = error instanceof Error ? error.message : String(error);
  const mapped = error instanceof LogError ? LOG_ERROR_CODES[error.code] : undefined;
  if (mapped === undefined) return { errorCode: fallback, message, fault: true };
  return { errorCode: mapped, message, fault: mapped === ErrorCode.KAFKA_STORAGE_ERROR };
}

/** `storageFailure(...).errorCode`, for handlers that need only the code. */
export function storageErrorCode(error: unknown, fallback: number = ErrorCode.UNKNOWN_SERVER_ERROR): number {
  return storageFailure(error, fallback).errorCode;
}
