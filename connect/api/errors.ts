import { BrookError } from '../../core/base/index.ts';

/** Codes of the faults connectors and the runtime throw (Kafka's ConnectException family). */
export const ConnectErrorCode = {
  /** A connector or task failed; the task stops unless errors.tolerance allows it. */
  CONNECT: 'ERR_CONNECT',
  /** Data could not be converted or did not fit its schema (Kafka's DataException). */
  DATA: 'ERR_CONNECT_DATA',
  /** A config value is wrong (Kafka's ConfigException). */
  CONFIG: 'ERR_CONNECT_CONFIG',
  /** Trying again may work: the runtime retries within errors.retry.timeout (RetriableException). */
  RETRIABLE: 'ERR_CONNECT_RETRIABLE',
} as const;
export type ConnectErrorCode = (typeof ConnectErrorCode)[keyof typeof ConnectErrorCode];

/**
 * What connectors, converters and transforms throw. `retriable` tells the runtime that trying
 * the same call again may succeed (Kafka's RetriableException); the runtime walks `cause` to
 * find it, so a wrapped retriable error stays retriable.
 */
export class ConnectError extends BrookError {
  constructor(code: ConnectErrorCode, message: string, options: { retriable?: boolean; cause?: unknown } = {}) {
    super(code, message, { retriable: options.retriable ?? code === ConnectErrorCode.RETRIABLE, ...(options.cause === undefined ? {} : { cause: options.cause }) });
  }
}

/** Kafka's RetriableException: the operation may succeed if tried again. */
export function retriableError(message: string, cause?: unknown): ConnectError {
  return new ConnectError(ConnectErrorCode.RETRIABLE, message, cause === undefined ? {} : { cause });
}

/** Kafka's DataException: a value does not match its schema, or cannot be converted. */
export function dataError(message: string, cause?: unknown): ConnectError {
  return new ConnectError(ConnectErrorCode.DATA, message, cause === undefined ? {} : { cause });
}
