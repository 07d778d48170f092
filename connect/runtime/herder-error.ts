import { BrookError } from '../../core/base/index.ts';

/**
 * What a herder request can fail with, each with the HTTP status Kafka Connect's REST API
 * answers (ConnectExceptionMapper): the REST layer maps `status` and `message` to
 * `{"error_code": status, "message": message}`.
 */
export const HerderErrorCode = {
  /** Unknown connector, task or plugin: 404 (Kafka's NotFoundException). */
  NOT_FOUND: 'ERR_CONNECT_NOT_FOUND',
  /** A connector of that name exists already: 409 (AlreadyExistsException). */
  ALREADY_EXISTS: 'ERR_CONNECT_ALREADY_EXISTS',
  /** A rebalance or a concurrent change is under way; try again: 409 (RebalanceNeededException). */
  CONFLICT: 'ERR_CONNECT_CONFLICT',
  /** The request or config is invalid (bad config, name mismatch, offsets of a running connector): 400. */
  BAD_REQUEST: 'ERR_CONNECT_BAD_REQUEST',
  /** Not allowed by the worker's config (topic tracking reset disabled): 403. */
  FORBIDDEN: 'ERR_CONNECT_FORBIDDEN',
  /** The request did not finish in time: 500 ("Request timed out"). */
  TIMEOUT: 'ERR_CONNECT_TIMEOUT',
  /** Anything else: 500. */
  INTERNAL: 'ERR_CONNECT_INTERNAL',
} as const;
export type HerderErrorCode = (typeof HerderErrorCode)[keyof typeof HerderErrorCode];

const STATUS: Record<HerderErrorCode, number> = {
  [HerderErrorCode.NOT_FOUND]: 404,
  [HerderErrorCode.ALREADY_EXISTS]: 409,
  [HerderErrorCode.CONFLICT]: 409,
  [HerderErrorCode.BAD_REQUEST]: 400,
  [HerderErrorCode.FORBIDDEN]: 403,
  [HerderErrorCode.TIMEOUT]: 500,
  [HerderErrorCode.INTERNAL]: 500,
};

export class HerderError extends BrookError {
  /** The HTTP status Kafka Connect answers with for this error. */
  readonly status: number;

  constructor(code: HerderErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(code, message, { retriable: code === HerderErrorCode.CONFLICT, ...options });
    this.status = STATUS[code];
  }
}

/** Kafka's messages, so scripts that match on them keep working. */
export function connectorNotFound(name: string): HerderError {
  return new HerderError(HerderErrorCode.NOT_FOUND, `Connector ${name} not found`);
}

export function taskNotFound(connector: string, task: number): HerderError {
  return new HerderError(HerderErrorCode.NOT_FOUND, `Task ${connector}-${task} not found`);
}

/**
 * The request belongs to another worker of the Connect cluster (config writes to the leader, a
 * restart to the worker running the connector or task): the REST layer sends it on to `url`
 * as Kafka's workers do, and answers 409 when it cannot (a request already forwarded once).
 */
export class ForwardRequestError extends HerderError {
  /** The other worker's REST url, e.g. `http://10.0.0.5:8083/`. */
  readonly url: string;

  constructor(url: string, message: string) {
    super(HerderErrorCode.CONFLICT, message);
    this.url = url;
  }
}
