import { ApiKey, ErrorCode, decodeRequest, descriptorFor, encodeResponse } from '../../core/protocol/index.ts';
import type { ApiKey as ApiKeyType, DecodedRequest, ResponseInput } from '../../core/protocol/index.ts';
import type { HandlerOutcome, RequestContext } from '../handlers/handler.ts';
import { hasAfterSend, isCloseConnection, isNoResponse } from '../handlers/handler.ts';
import type { HandlerRegistry } from '../handlers/registry.ts';

/** What the connection does with one request: write a response, stay silent, or hang up. */
export type Dispatched =
  | { readonly kind: 'respond'; readonly chunks: Buffer[]; readonly afterSend?: () => void }
  | { readonly kind: 'silent' }
  | { readonly kind: 'close'; readonly reason: string; readonly fault?: unknown };

export interface ConnectionInfo {
  readonly id: number;
  readonly remoteAddress: string;
}

/** apiKey, apiVersion and correlationId: the part of every request header read before anything else. */
const FIXED_HEADER_BYTES = 8;

/**
 * Turns one request frame into its outcome. Frames Kafka would not answer (unknown API,
 * unsupported version, a body that does not parse) close the connection, as Kafka does;
 * the one exception is ApiVersions, which always answers in the v0 layout so any client
 * can learn what the broker speaks.
 */
export class RequestDispatcher {
  private readonly registry: HandlerRegistry;

  constructor(registry: HandlerRegistry) {
    this.registry = registry;
  }

  dispatch(frame: Buffer, connection: ConnectionInfo): Dispatched | Promise<Dispatched> {
    if (frame.length < FIXED_HEADER_BYTES) {
      return close(`request of ${frame.length} bytes is shorter than a request header`);
    }
    const apiKey = frame.readInt16BE(0);
    const apiVersion = frame.readInt16BE(2);
    const correlationId = frame.readInt32BE(4);
    if (!this.registry.supports(apiKey, apiVersion)) {
      if (apiKey === ApiKey.API_VERSIONS) return this.unsupportedApiVersions(correlationId);
      const name = descriptorFor(apiKey)?.name;
      return close(
        name === undefined || this.registry.get(apiKey) === undefined
          ? `API key ${apiKey} (${name ?? 'unknown'}) is not served by this broker`
          : `${name} version ${apiVersion} is not supported (versions ${this.rangeOf(apiKey)})`,
      );
    }
    let request: DecodedRequest;
    try {
      request = decodeRequest(frame);
    } catch (error) {
      return close(`malformed ${descriptorFor(apiKey)?.name ?? ''} v${apiVersion} request: ${messageOf(error)}`);
    }
    const handler = this.registry.get(apiKey)!;
    const context: RequestContext = { header: request.header, connectionId: connection.id, remoteAddress: connection.remoteAddress };
    let outcome: HandlerOutcome<ApiKeyType> | Promise<HandlerOutcome<ApiKeyType>>;
    try {
      outcome = handler.handle(request.body as never, apiVersion, context);
    } catch (error) {
      return handlerFailed(request, error);
    }
    if (outcome instanceof Promise) {
      return outcome.then(
        (settled) => finish(request, settled),
        (error: unknown) => handlerFailed(request, error),
      );
    }
    return finish(request, outcome);
  }

  /** Whether nothing refers to `frame`'s bytes once `dispatch` has returned for it (see Handler.doneWithRequestBytesOnReturn). */
  doneWithFrameOnReturn(frame: Buffer): boolean {
    return frame.length >= FIXED_HEADER_BYTES && this.registry.get(frame.readInt16BE(0))?.doneWithRequestBytesOnReturn === true;
  }

  private unsupportedApiVersions(correlationId: number): Dispatched {
    const body = { errorCode: ErrorCode.UNSUPPORTED_VERSION, apiKeys: this.registry.advertised() };
    return { kind: 'respond', chunks: encodeResponse(ApiKey.API_VERSIONS, 0, correlationId, body).chunks() };
  }

  private rangeOf(apiKey: number): string {
    const handler = this.registry.get(apiKey);
    return handler === undefined ? 'none' : `${handler.minVersion}-${handler.maxVersion}`;
  }
}

function finish(request: DecodedRequest, outcome: HandlerOutcome<ApiKeyType>): Dispatched {
  if (isNoResponse(outcome)) return { kind: 'silent' };
  if (isCloseConnection(outcome)) return close(outcome.closeConnection);
  const { apiKey, apiVersion, correlationId } = request.header;
  let body: ResponseInput<ApiKeyType>;
  let afterSend: (() => void) | undefined;
  if (hasAfterSend(outcome)) {
    body = outcome.response;
    afterSend = outcome.afterSend;
  } else {
    body = outcome;
  }
  try {
    const writer = encodeResponse(apiKey as ApiKeyType, apiVersion, correlationId, body);
    return afterSend === undefined ? { kind: 'respond', chunks: writer.chunks() } : { kind: 'respond', chunks: writer.chunks(), afterSend };
  } catch (error) {
    afterSend?.();
    return handlerFailed(request, error);
  }
}

function handlerFailed(request: DecodedRequest, error: unknown): Dispatched {
  const name = descriptorFor(request.apiKey)?.name ?? String(request.apiKey);
  return { kind: 'close', reason: `${name} v${request.header.apiVersion} handler failed: ${messageOf(error)}`, fault: error };
}

function close(reason: string): Dispatched {
  return { kind: 'close', reason };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
