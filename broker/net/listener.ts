import net from 'node:net';
import { JoinBufferPool } from '../../core/protocol/index.ts';
import type { Logger } from '../logger.ts';
import { Connection } from './connection.ts';
import type { RequestDispatcher } from './request-dispatcher.ts';

export interface ListenerOptions {
  readonly host: string;
  readonly port: number;
  readonly maxRequestBytes: number;
  readonly idleTimeoutMs: number;
  readonly maxInFlightPerConnection?: number;
  readonly logger: Logger;
}

/**
 * The largest request buffer kept for the next large request (a producer's requests are at most
 * max.request.size, 1 MiB by default, and usually span several socket chunks).
 */
const REUSABLE_REQUEST_BYTES = 2 * 1024 * 1024;

/** The TCP side of the broker: accepts connections and hands each its own pipeline. */
export class Listener {
  private readonly server: net.Server;
  private readonly connections = new Set<Connection>();
  private nextConnectionId = 1;
  private closing: Promise<void> | undefined;
  private boundPort = 0;
  /** One for all connections: a Produce request is done with its buffer before the next is read. */
  private readonly joinBuffers = new JoinBufferPool(REUSABLE_REQUEST_BYTES);

  private constructor(dispatcher: RequestDispatcher, options: ListenerOptions) {
    this.server = net.createServer((socket) => {
      const connection = new Connection(socket, dispatcher, {
        id: this.nextConnectionId++,
        maxRequestBytes: options.maxRequestBytes,
        idleTimeoutMs: options.idleTimeoutMs,
        maxInFlight: options.maxInFlightPerConnection ?? 100,
        joinBuffers: this.joinBuffers,
        logger: options.logger,
        onClose: (closed) => this.connections.delete(closed),
      });
      this.connections.add(connection);
    });
  }

  static async start(dispatcher: RequestDispatcher, options: ListenerOptions): Promise<Listener> {
    const listener = new Listener(dispatcher, options);
    await new Promise<void>((resolve, reject) => {
      listener.server.once('error', reject);
      listener.server.listen(options.port, options.host, () => {
        listener.server.off('error', reject);
        resolve();
      });
    });
    listener.server.on('error', (error) => {
      options.logger.error({ err: error }, 'listener error');
    });
    const address = listener.server.address();
    listener.boundPort = typeof address === 'object' && address !== null ? address.port : options.port;
    return listener;
  }

  get port(): number {
    return this.boundPort;
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  /** Stops accepting and drops every open connection. Idempotent. */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      this.server.close(() => {
        resolve();
      });
      for (const connection of this.connections) connection.close('broker shutting down', 'debug');
    });
    return this.closing;
  }
}
