import { BrookError } from '../core/base/index.ts';
import { ErrorCode, errorCodeInfo } from '../core/protocol/index.ts';
import type { ErrorName } from '../core/protocol/index.ts';

export const ClientErrorCode = {
  /** The TCP connection could not be set up: refused, unknown host, unreachable, or too slow. */
  CONNECT: 'ERR_CLIENT_CONNECT',
  /** A request got no response within its timeout. The connection is closed after it. */
  TIMEOUT: 'ERR_CLIENT_TIMEOUT',
  /** The connection is closed (by the client, by the broker, or after a fault); requests fail with this. */
  CLOSED: 'ERR_CLIENT_CLOSED',
  /** The broker sent bytes the client cannot read: a bad frame, an unknown correlation id, an undecodable body. */
  PROTOCOL: 'ERR_CLIENT_PROTOCOL',
  /** The broker speaks no version of an API that the client also speaks. */
  UNSUPPORTED_VERSION: 'ERR_CLIENT_UNSUPPORTED_VERSION',
  /** A bootstrap server list is malformed. */
  INVALID_BOOTSTRAP: 'ERR_CLIENT_INVALID_BOOTSTRAP',
  /** An option is invalid, unknown, or contradicts another; the message names each one. */
  INVALID_CONFIG: 'ERR_CLIENT_INVALID_CONFIG',
  /** A response carried a Kafka error code: see `KafkaError`. */
  KAFKA: 'ERR_CLIENT_KAFKA',
} as const;
export type ClientErrorCode = (typeof ClientErrorCode)[keyof typeof ClientErrorCode];

/**
 * Partition errors that mean the client's metadata is stale (Kafka's InvalidMetadataException
 * family): the leader moved or is unknown, or the topic changed. The request is retried after
 * the leader is looked up afresh.
 */
export const STALE_METADATA_ERRORS: ReadonlySet<number> = new Set([
  ErrorCode.NOT_LEADER_OR_FOLLOWER,
  ErrorCode.LEADER_NOT_AVAILABLE,
  ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
  ErrorCode.FENCED_LEADER_EPOCH,
  ErrorCode.UNKNOWN_LEADER_EPOCH,
  ErrorCode.KAFKA_STORAGE_ERROR,
]);

/** A fault met by the client: connecting, waiting, reading a response, or an error a broker reported. */
export class ClientError extends BrookError {
  declare readonly code: ClientErrorCode;

  constructor(code: ClientErrorCode, message: string, options: { retriable?: boolean; cause?: unknown } = {}) {
    super(code, message, options);
  }
}

/**
 * A Kafka error code a broker returned, as a thrown value: `errorCode` is the wire number,
 * `errorName` Kafka's name for it (UNKNOWN_SERVER_ERROR for codes Brook does not know),
 * `retriable` whether Kafka counts it as retriable.
 */
export class KafkaError extends ClientError {
  readonly errorCode: number;
  readonly errorName: ErrorName;

  constructor(errorCode: number, context: string, serverMessage: string | null = null) {
    const info = errorCodeInfo(errorCode);
    const detail = serverMessage === null || serverMessage === '' ? '' : `: ${serverMessage}`;
    super(ClientErrorCode.KAFKA, `${context}: ${info.name} (Kafka error ${errorCode})${detail}`, { retriable: info.retriable });
    this.errorCode = errorCode;
    this.errorName = info.name;
  }
}

/** The error for a non-zero Kafka error code; `context` says what was asked, e.g. "DeleteGroups for group 'g'". */
export function kafkaError(errorCode: number, context: string, serverMessage: string | null = null): KafkaError {
  return new KafkaError(errorCode, context, serverMessage);
}

/** Throws a `KafkaError` unless `errorCode` is NONE (0). */
export function throwIfKafkaError(errorCode: number, context: string, serverMessage: string | null = null): void {
  if (errorCode !== ErrorCode.NONE) throw new KafkaError(errorCode, context, serverMessage);
}
