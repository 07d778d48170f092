// Serving the REST API on a socket.
import type { AddressInfo } from 'node:net';
import type { Herder } from '../herder.ts';
import { buildRestApp } from './app.ts';
import type { RestAppOptions } from './app.ts';

export interface RestServerOptions extends RestAppOptions {
  /** The interface to listen on. Default 127.0.0.1: the API can create connectors, so exposing it is a choice. */
  readonly host?: string;
  /** Default 8083, Kafka Connect's; 0 picks a free port. */
  readonly port?: number;
}

export interface RestServer {
  /** The address listened on. */
  readonly host: string;
  /** The port listened on (the one picked, when asked for 0). */
  readonly port: number;
  /** Stops listening and waits for requests under way. Idempotent. */
  close(): Promise<void>;
}

export const DEFAULT_REST_HOST = '127.0.0.1';
export const DEFAULT_REST_PORT = 8083;

export async function startRestServer(herder: Herder, options: RestServerOptions = {}): Promise<RestServer> {
  const app = buildRestApp(herder, options);
  try {
    await app.listen({ host: options.host ?? DEFAULT_REST_HOST, port: options.port ?? DEFAULT_REST_PORT });
  } catch (error) {
    await app.close();
    throw error;
  }
  // A TCP listener's address is always an object; a string would be a pipe path.
  const address = app.server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    host: address.address,
    port: address.port,
    close: async () => {
      closing ??= app.close();
      return closing;
    },
  };
}
