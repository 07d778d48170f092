import type { ApiKey, RequestBody, RequestHeader, ResponseInput } from '../../core/protocol/index.ts';

/** Who sent a request, for handlers that care and for log lines. */
export interface RequestContext {
  readonly header: RequestHeader;
  readonly connectionId: number;
  readonly remoteAddress: string;
}

/**
 * What a handler may answer besides a response body: `noResponse` for requests Kafka
 * never answers (Produce with acks=0), `closeConnection` when the only correct reaction is
 * to drop the client (an acks=0 produce that failed: the client cannot learn otherwise).
 */
export type HandlerOutcome<K extends ApiKey> =
  | ResponseInput<K>
  | { readonly noResponse: true }
  | { readonly closeConnection: string }
  | { readonly response: ResponseInput<K>; readonly afterSend: () => void };

export const NO_RESPONSE = { noResponse: true } as const;

/** One API's handler and the version range the broker advertises for it (minimum 0). */
export interface Handler<K extends ApiKey> {
  readonly apiKey: K;
  readonly minVersion: number;
  readonly maxVersion: number;
  /**
   * True when handle() holds no view of the request's bytes (a produce's records) once it has
   * returned, even while its answer is still a promise: the connection then writes the next
   * request into the same buffer.
   */
  readonly doneWithRequestBytesOnReturn?: boolean;
  handle(request: RequestBody<K>, version: number, context: RequestContext): HandlerOutcome<K> | Promise<HandlerOutcome<K>>;
}

export function isNoResponse(outcome: unknown): outcome is { readonly noResponse: true } {
  return typeof outcome === 'object' && outcome !== null && 'noResponse' in outcome;
}

/**
 * A response that borrows resources (pooled read buffers) until it is on the socket:
 * `afterSend` runs once the bytes are handed to the kernel, or when the connection is gone.
 */
export function withAfterSend<K extends ApiKey>(response: ResponseInput<K>, afterSend: () => void): HandlerOutcome<K> {
  return { response, afterSend };
}

export function hasAfterSend<K extends ApiKey>(
  outcome: HandlerOutcome<K>,
): outcome is { readonly response: ResponseInput<K>; readonly afterSend: () => void } {
  return typeof outcome === 'object' && 'afterSend' in outcome && 'response' in outcome;
}

export function isCloseConnection(outcome: unknown): outcome is { readonly closeConnection: string } {
  return typeof outcome === 'object' && outcome !== null && 'closeConnection' in outcome;
}
