import net from 'node:net';
import type { Scheduler, Timer } from '../../core/base/index.ts';
import { ApiKey, encodeRequest } from '../../core/protocol/index.ts';
import type { RequestInput } from '../../core/protocol/index.ts';
import { ClientError, ClientErrorCode } from '../errors.ts';

/** Where the sender writes acks=0 requests: a OneWaySocket, or a test double. */
export interface OneWayWriter {
  readonly isClosed: boolean;
  /** Writes one request; `done` runs once, when it is written or with an error. */
  write(apiVersion: number, body: RequestInput<typeof ApiKey.PRODUCE>, done: (error: Error | undefined) => void): void;
  close(): void;
}

/** Writes requests whose answer never comes (acks=0) on a socket of its own. */
export class OneWaySocket implements OneWayWriter {
  private readonly socket: net.Socket;
  private readonly clientId: string;
  private readonly address: string;
  private readonly timeoutMs: number;
  private readonly scheduler: Scheduler;
  /** Writes whose callback has not come: a broker that stops reading leaves them here. */
  private readonly pending = new Set<PendingWrite>();
  private correlationId = 0;
  private failed = false;

  private constructor(socket: net.Socket, clientId: string, address: string, timeoutMs: number, scheduler: Scheduler) {
    this.socket = socket;
    this.scheduler = scheduler;
    this.clientId = clientId;
    this.address = address;
    this.timeoutMs = timeoutMs;
    socket.on('error', () => {
      this.failed = true;
    });
    socket.on('close', () => {
      this.failed = true;
      this.failPending(new ClientError(ClientErrorCode.CLOSED, `acks=0 produce: the connection to ${this.address} closed before the request was written`, { retriable: true }));
    });
    // The broker answers nothing; anything it sends is read and dropped.
    socket.resume();
  }

  /** `signal` aborts a connect in progress (the producer closing): socket and timer go at once. */
  static connect(host: string, port: number, clientId: string, timeoutMs: number, signal: AbortSignal, scheduler: Scheduler): Promise<OneWaySocket> {
    return new Promise((resolve, reject) => {
      if (signal.aborted) {
        reject(new ClientError(ClientErrorCode.CLOSED, 'the producer is closed'));
        return;
      }
      const socket = net.connect({ host, port, noDelay: true });
      const settle = (): void => {
        scheduler.clearTimeout(timer);
        signal.removeEventListener('abort', abort);
      };
      const abort = (): void => {
        settle();
        socket.destroy();
        reject(new ClientError(ClientErrorCode.CLOSED, 'the producer is closed'));
      };
      const timer = scheduler.setTimeout(() => {
        settle();
        socket.destroy();
        reject(new ClientError(ClientErrorCode.CONNECT, `cannot connect to a broker at ${host}:${port} within ${timeoutMs} ms`, { retriable: true }));
      }, timeoutMs);
      signal.addEventListener('abort', abort, { once: true });
      socket.once('error', (error) => {
        settle();
        reject(new ClientError(ClientErrorCode.CONNECT, `cannot connect to a broker at ${host}:${port}: ${error.message}`, { retriable: true, cause: error }));
      });
      socket.once('connect', () => {
        settle();
        socket.removeAllListeners('error');
        resolve(new OneWaySocket(socket, clientId, `${host}:${port}`, timeoutMs, scheduler));
      });
    });
  }

  get isClosed(): boolean {
    return this.failed || this.socket.destroyed;
  }

  /**
   * Writes one request; `done` runs once, when the kernel took the bytes or with an error.
   * A write not taken within the request timeout (a broker that stopped reading) destroys
   * the socket and fails every write still pending on it, retriably.
   */
  write(apiVersion: number, body: RequestInput<typeof ApiKey.PRODUCE>, done: (error: Error | undefined) => void): void {
    const correlationId = this.correlationId;
    this.correlationId = (correlationId + 1) & 0x7fffffff;
    const frame = encodeRequest({ apiKey: ApiKey.PRODUCE, apiVersion, correlationId, clientId: this.clientId }, body).finish();
    if (this.isClosed) {
      done(new ClientError(ClientErrorCode.CLOSED, `acks=0 produce: the connection to ${this.address} is closed`, { retriable: true }));
      return;
    }
    const entry: PendingWrite = {
      done,
      timer: this.scheduler.setTimeout(() => {
        this.failPending(
          new ClientError(ClientErrorCode.TIMEOUT, `acks=0 produce: the broker at ${this.address} did not read a request within ${this.timeoutMs} ms`, { retriable: true }),
        );
        this.socket.destroy();
      }, this.timeoutMs),
    };
    this.pending.add(entry);
    this.socket.write(frame, (error) => {
      if (!this.pending.delete(entry)) return;
      this.scheduler.clearTimeout(entry.timer);
      done(error === undefined || error === null ? undefined : new ClientError(ClientErrorCode.CLOSED, `acks=0 produce write failed: ${error.message}`, { retriable: true, cause: error }));
    });
  }

  close(): void {
    this.failPending(new ClientError(ClientErrorCode.CLOSED, 'the producer is closed'));
    this.socket.destroy();
  }

  private failPending(error: ClientError): void {
    this.failed = true;
    const entries = [...this.pending];
    this.pending.clear();
    for (const entry of entries) {
      this.scheduler.clearTimeout(entry.timer);
      entry.done(error);
    }
  }
}

interface PendingWrite {
  readonly done: (error: Error | undefined) => void;
  readonly timer: Timer;
}
