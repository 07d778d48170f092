import net from 'node:net';
import type { Duplex } from 'node:stream';
import { systemScheduler } from '../core/base/index.ts';
import type { Scheduler, Timer } from '../core/base/index.ts';
import { ApiKey, FrameDecoder, apiDescriptors, decodeResponse, encodeRequest } from '../core/protocol/index.ts';
import type { RequestInput, ResponseBody } from '../core/protocol/index.ts';
import { formatAddress, parseBootstrap } from './bootstrap.ts';
import type { BrokerAddress } from './bootstrap.ts';
import { CLUSTER_OPTION_PROPERTIES } from './cluster-config.ts';
import { ClientError, ClientErrorCode, throwIfKafkaError } from './errors.ts';

export interface ConnectionOptions {
  /** Sent in every request header; brokers log it and DescribeGroups shows it. Default `brook`. */
  readonly clientId?: string;
  /** How long a request waits for its response (Kafka's request.timeout.ms). Default 30 000 ms. */
  readonly requestTimeoutMs?: number;
  /** How long setting up the TCP connection may take. Default 10 000 ms. */
  readonly connectTimeoutMs?: number;
  /** Largest response frame accepted, in bytes. Default 100 MiB. */
  readonly maxResponseBytes?: number;
  /** Runs the connect and request timeouts; tests pass a VirtualScheduler. Default the system's. */
  readonly scheduler?: Scheduler;
}

export interface RequestOptions {
  /** Overrides the connection's request timeout for this request (e.g. a long-polling Fetch). */
  readonly timeoutMs?: number;
}

/** The versions of one API a broker advertises in ApiVersions. */
export interface AdvertisedVersions {
  readonly min: number;
  readonly max: number;
}

interface Pending {
  readonly apiKey: ApiKey;
  readonly apiVersion: number;
  readonly resolve: (frame: Buffer) => void;
  readonly reject: (error: Error) => void;
  readonly timer: Timer;
}

// The clients' defaults, so a connection opened on its own behaves like a Cluster's.
const DEFAULT_CLIENT_ID = CLUSTER_OPTION_PROPERTIES.clientId.default;
const DEFAULT_REQUEST_TIMEOUT_MS = CLUSTER_OPTION_PROPERTIES.requestTimeoutMs.default;
const DEFAULT_CONNECT_TIMEOUT_MS = CLUSTER_OPTION_PROPERTIES.connectTimeoutMs.default;
const MAX_CORRELATION_ID = 0x7fffffff;

/** Requests rejected before any byte of them was written: sending them again cannot apply them twice. */
const unsent = new WeakSet<Error>();

/** Whether `error` rejected a request before it was written, so no broker can have acted on it. */
export function wasNotSent(error: unknown): boolean {
  return error instanceof Error && unsent.has(error);
}

function apiName(apiKey: ApiKey): string {
  return apiDescriptors[apiKey].name;
}

/** A socket error in words a user can act on. */
function describeSocketError(error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case 'ECONNREFUSED':
      return 'connection refused (is a broker listening there?)';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host not found';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'host unreachable';
    case 'ETIMEDOUT':
      return 'connection timed out';
    case 'ECONNRESET':
      return 'connection reset by the broker';
    case undefined:
    default:
      return error.message;
  }
}

/**
 * One TCP connection to one broker. Requests are pipelined: each gets the next correlation
 * id, is written at once, and its promise settles when the response carrying that id
 * arrives (or its timeout fires, or the connection closes). Responses are decoded with the
 * API key and version of the request they answer.
 *
 * A connection that fails is closed for good: after a request timeout (the pipeline's state
 * is unknown, as in Kafka's clients), a frame it cannot read, or the broker hanging up, every
 * pending request is rejected and later requests fail with ERR_CLIENT_CLOSED. Reconnecting is
 * the caller's choice.
 */
export class KafkaConnection {
  readonly host: string;
  readonly port: number;
  /** `host:port`, for messages. */
  readonly address: string;
  readonly clientId: string;
  private readonly requestTimeoutMs: number;
  private readonly scheduler: Scheduler;
  private readonly socket: Duplex;
  private readonly decoder: FrameDecoder;
  private readonly pending = new Map<number, Pending>();
  private readonly socketClosed: Promise<void>;
  private nextCorrelationId = 0;
  /** Set once the connection is unusable: what later requests are told. */
  private failure: ClientError | undefined;
  private lastSocketError: Error | undefined;
  private versions: Promise<ReadonlyMap<number, AdvertisedVersions>> | undefined;

  private constructor(socket: Duplex, address: BrokerAddress, options: ConnectionOptions) {
    this.socket = socket;
    this.scheduler = options.scheduler ?? systemScheduler;
    this.host = address.host;
    this.port = address.port;
    this.address = formatAddress(address);
    this.clientId = options.clientId ?? DEFAULT_CLIENT_ID;
    this.requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.decoder = new FrameDecoder(options.maxResponseBytes === undefined ? {} : { maxFrameSize: options.maxResponseBytes });
    this.socketClosed = new Promise((resolve) => {
      socket.once('close', () => {
        const cause = this.lastSocketError;
        const why = cause === undefined ? '' : `: ${describeSocketError(cause)}`;
        this.fail(new ClientError(ClientErrorCode.CLOSED, `the broker at ${this.address} closed the connection${why}`, { retriable: true, cause }));
        resolve();
      });
    });
    socket.on('error', (error) => {
      this.lastSocketError = error;
    });
    socket.on('data', (chunk: Buffer) => {
      this.receive(chunk);
    });
  }

  /**
   * Opens a connection. Rejects with ERR_CLIENT_CONNECT (retriable) naming `host:port` when
   * the broker cannot be reached within `connectTimeoutMs`.
   */
  static connect(host: string, port: number, options: ConnectionOptions = {}): Promise<KafkaConnection> {
    const address = formatAddress({ host, port });
    const timeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    const scheduler = options.scheduler ?? systemScheduler;
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host, port, noDelay: true, keepAlive: true });
      const timer = scheduler.setTimeout(() => {
        socket.destroy();
        reject(new ClientError(ClientErrorCode.CONNECT, `cannot connect to a broker at ${address}: no answer within ${timeoutMs} ms`, { retriable: true }));
      }, timeoutMs);
      const onError = (error: NodeJS.ErrnoException): void => {
        scheduler.clearTimeout(timer);
        socket.destroy();
        reject(new ClientError(ClientErrorCode.CONNECT, `cannot connect to a broker at ${address}: ${describeSocketError(error)}`, { retriable: true, cause: error }));
      };
      socket.once('error', onError);
      socket.once('connect', () => {
        scheduler.clearTimeout(timer);
        socket.off('error', onError);
        resolve(new KafkaConnection(socket, { host, port }, options));
      });
    });
  }

  /**
   * A connection over a stream already set up, e.g. an in-memory one whose other end a test
   * answers with the protocol codec: everything but the TCP connect runs as on a socket.
   */
  static overStream(stream: Duplex, address: BrokerAddress, options: ConnectionOptions = {}): KafkaConnection {
    return new KafkaConnection(stream, address, options);
  }

  /** Whether the connection can no longer send requests. */
  get isClosed(): boolean {
    return this.failure !== undefined;
  }

  /** Requests sent and not yet answered. */
  get inFlight(): number {
    return this.pending.size;
  }

  /**
   * Sends a request and resolves with its decoded response body. Rejects with
   * ERR_CLIENT_TIMEOUT when no response comes in time (the connection is then closed),
   * ERR_CLIENT_CLOSED when the connection closes first or already has, ERR_CLIENT_PROTOCOL
   * when the response cannot be decoded, and a ProtocolError when the body cannot be encoded
   * at this version. Kafka error codes inside the body are values: check them.
   */
  request<K extends ApiKey>(apiKey: K, apiVersion: number, body: RequestInput<K>, options: RequestOptions = {}): Promise<ResponseBody<K>> {
    if (this.failure !== undefined) {
      const error = new ClientError(ClientErrorCode.CLOSED, `cannot send ${apiName(apiKey)}: ${this.failure.message}`, { retriable: true, cause: this.failure });
      unsent.add(error);
      return Promise.reject(error);
    }
    const correlationId = this.nextCorrelationId;
    this.nextCorrelationId = correlationId === MAX_CORRELATION_ID ? 0 : correlationId + 1;
    let parts: Buffer[];
    try {
      // The parts as encoded: record batches by reference, never joined into one copy.
      parts = encodeRequest({ apiKey, apiVersion, correlationId, clientId: this.clientId }, body).chunks();
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    const timeoutMs = options.timeoutMs ?? this.requestTimeoutMs;
    return new Promise<Buffer>((resolve, reject) => {
      const timer = this.scheduler.setTimeout(() => {
        this.pending.delete(correlationId);
        reject(
          new ClientError(
            ClientErrorCode.TIMEOUT,
            `${apiName(apiKey)} v${apiVersion} request to ${this.address} got no response within ${timeoutMs} ms`,
            { retriable: true },
          ),
        );
        this.fail(new ClientError(ClientErrorCode.CLOSED, `the connection to ${this.address} was closed after a request timed out`, { retriable: true }));
      }, timeoutMs);
      this.pending.set(correlationId, { apiKey, apiVersion, resolve, reject, timer });
      this.writeParts(parts);
    }).then((response) => this.decode(apiKey, apiVersion, response));
  }

  /**
   * Writes a request's parts in order; corked, so a socket with writev sends them in one
   * system call. The parts are written by reference: a record batch in them stays unchanged
   * until its request is answered or the connection has failed (and its socket is destroyed).
   */
  private writeParts(parts: readonly Buffer[]): void {
    if (parts.length === 1) {
      this.socket.write(parts[0]!);
      return;
    }
    this.socket.cork();
    for (const part of parts) this.socket.write(part);
    this.socket.uncork();
  }

  /**
   * The API versions the broker advertises (ApiVersions v0, asked once per connection).
   * Rejects with a KafkaError if the broker answers with an error.
   */
  apiVersions(): Promise<ReadonlyMap<number, AdvertisedVersions>> {
    if (this.versions === undefined) {
      const asked = this.request(ApiKey.API_VERSIONS, 0, {}).then((response) => {
        throwIfKafkaError(response.errorCode, `ApiVersions from ${this.address}`);
        return new Map(response.apiKeys.map((k) => [k.apiKey, { min: k.minVersion, max: k.maxVersion }] as const));
      });
      this.versions = asked;
      // A failed handshake is not remembered: the next call asks again.
      asked.catch(() => {
        if (this.versions === asked) this.versions = undefined;
      });
    }
    return this.versions;
  }

  /**
   * The highest version of `apiKey` both Brook and the broker speak, and at least `minVersion`
   * (for callers that need a field or behaviour older versions lack). Rejects with
   * ERR_CLIENT_UNSUPPORTED_VERSION when there is none.
   */
  async highestVersion(apiKey: ApiKey, minVersion = 0): Promise<number> {
    const [ourMin, ourMax] = apiDescriptors[apiKey].validVersions;
    const theirs = (await this.apiVersions()).get(apiKey);
    const name = apiName(apiKey);
    if (theirs === undefined) {
      throw new ClientError(ClientErrorCode.UNSUPPORTED_VERSION, `the broker at ${this.address} does not support ${name}`);
    }
    const low = Math.max(ourMin, theirs.min, minVersion);
    const high = Math.min(ourMax, theirs.max);
    if (high < low) {
      throw new ClientError(
        ClientErrorCode.UNSUPPORTED_VERSION,
        `the broker at ${this.address} speaks ${name} versions ${theirs.min}-${theirs.max}; this client needs one in ${Math.max(ourMin, minVersion)}-${ourMax}`,
      );
    }
    return high;
  }

  /**
   * Closes the connection; pending requests are rejected with ERR_CLIENT_CLOSED. Resolves
   * once the socket is released. Idempotent.
   */
  close(): Promise<void> {
    this.fail(new ClientError(ClientErrorCode.CLOSED, `the connection to ${this.address} was closed by the client`));
    return this.socketClosed;
  }

  private decode<K extends ApiKey>(apiKey: K, apiVersion: number, frame: Buffer): ResponseBody<K> {
    try {
      return decodeResponse(apiKey, apiVersion, frame).body;
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      throw new ClientError(ClientErrorCode.PROTOCOL, `cannot read the ${apiName(apiKey)} v${apiVersion} response from ${this.address}: ${why}`, {
        cause: error,
      });
    }
  }

  private receive(chunk: Buffer): void {
    let frames: Buffer[];
    try {
      frames = this.decoder.push(chunk);
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      this.fail(new ClientError(ClientErrorCode.PROTOCOL, `the broker at ${this.address} sent an unreadable frame: ${why}`, { cause: error }));
      return;
    }
    for (const frame of frames) {
      if (this.failure !== undefined) return;
      if (frame.length < 4) {
        this.fail(new ClientError(ClientErrorCode.PROTOCOL, `the broker at ${this.address} sent a ${frame.length}-byte frame, too short for a response header`));
        return;
      }
      const correlationId = frame.readInt32BE(0);
      const waiting = this.pending.get(correlationId);
      if (waiting === undefined) {
        this.fail(new ClientError(ClientErrorCode.PROTOCOL, `the broker at ${this.address} answered correlation id ${correlationId}, which no request is waiting for`));
        return;
      }
      this.pending.delete(correlationId);
      this.scheduler.clearTimeout(waiting.timer);
      waiting.resolve(frame);
    }
  }

  /** Marks the connection failed (once), rejects every pending request with `error`, releases the socket. */
  private fail(error: ClientError): void {
    if (this.failure !== undefined) return;
    this.failure = error;
    for (const waiting of this.pending.values()) {
      this.scheduler.clearTimeout(waiting.timer);
      waiting.reject(error);
    }
    this.pending.clear();
    this.socket.destroy();
  }
}

/**
 * Connects to the first reachable server of a bootstrap list (`host:port,...` or parsed
 * addresses), trying them in order. Rejects with ERR_CLIENT_CONNECT naming every server
 * tried and why it failed.
 */
export async function connectBootstrap(servers: string | readonly BrokerAddress[], options: ConnectionOptions = {}): Promise<KafkaConnection> {
  const addresses = typeof servers === 'string' ? parseBootstrap(servers) : servers;
  if (addresses.length === 0) throw new ClientError(ClientErrorCode.INVALID_BOOTSTRAP, 'the bootstrap server list is empty');
  const failures: ClientError[] = [];
  for (const { host, port } of addresses) {
    try {
      return await KafkaConnection.connect(host, port, options);
    } catch (error) {
      if (!(error instanceof ClientError)) throw error;
      failures.push(error);
    }
  }
  if (failures.length === 1) throw failures[0]!;
  throw new ClientError(ClientErrorCode.CONNECT, `cannot connect to any bootstrap server: ${failures.map((f) => f.message).join('; ')}`, {
    retriable: true,
    cause: failures,
  });
}
