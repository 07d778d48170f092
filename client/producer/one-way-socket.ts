import net from 'node:net';
import { ApiKey, encodeRequest } from '../../core/protocol/index.ts';
import type { RequestInput } from '../../core/protocol/index.ts';
import { ClientError, ClientErrorCode } from '../errors.ts';

/** Writes requests whose answer never comes (acks=0) on a socket of its own. */
export class OneWaySocket {
  private readonly socket: net.Socket;
  private readonly clientId: string;
  private correlationId = 0;
  private failed = false;

  private constructor(socket: net.Socket, clientId: string) {
    this.socket = socket;
    this.clientId = clientId;
    socket.on('error', () => {
      this.failed = true;
    });
    socket.on('close', () => {
      this.failed = true;
    });
    // The broker answers nothing; anything it sends is read and dropped.
    socket.resume();
  }

  /** `signal` aborts a connect in progress (the producer closing): socket and timer go at once. */
  static connect(host: string, port: number, clientId: string, timeoutMs: number, signal: AbortSignal): Promise<OneWaySocket> {
    return new Promise((resolve, reject) => {
      if (signal.aborted) {
        reject(new ClientError(ClientErrorCode.CLOSED, 'the producer is closed'));
        return;
      }
      const socket = net.connect({ host, port, noDelay: true });
      const settle = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', abort);
      };
      const abort = (): void => {
        settle();
        socket.destroy();
        reject(new ClientError(ClientErrorCode.CLOSED, 'the producer is closed'));
      };
      const timer = setTimeout(() => {
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
        resolve(new OneWaySocket(socket, clientId));
      });
    });
  }

  get isClosed(): boolean {
    return this.failed || this.socket.destroyed;
  }

  write(apiVersion: number, body: RequestInput<typeof ApiKey.PRODUCE>, done: (error: Error | undefined) => void): void {
    const correlationId = this.correlationId;
    this.correlationId = (correlationId + 1) & 0x7fffffff;
    const frame = encodeRequest({ apiKey: ApiKey.PRODUCE, apiVersion, correlationId, clientId: this.clientId }, body).finish();
    this.socket.write(frame, (error) => {
      done(error === undefined || error === null ? undefined : new ClientError(ClientErrorCode.CLOSED, `acks=0 produce write failed: ${error.message}`, { retriable: true, cause: error }));
    });
  }

  close(): void {
    this.socket.destroy();
  }
}
