import net from 'node:net';
import { FrameDecoder, decodeResponse, encodeRequest } from '../../core/protocol/index.ts';
import type { ApiKey, RequestInput, ResponseBody } from '../../core/protocol/index.ts';

/**
 * A bare Kafka protocol connection for tests: typed requests through the project's own
 * codec, raw bytes for malformed input, and a promise that settles when the broker hangs up.
 */
export class WireClient {
  readonly closed: Promise<void>;
  private readonly socket: net.Socket;
  private readonly decoder = new FrameDecoder();
  private readonly waiting = new Map<number, (frame: Buffer) => void>();
  /** Frames no request was waiting for, in arrival order. */
  readonly unexpected: Buffer[] = [];
  private nextCorrelationId = 1;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    this.closed = new Promise((resolve) => {
      socket.once('close', () => {
        resolve();
      });
    });
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      for (const frame of this.decoder.push(chunk)) {
        const correlationId = frame.readInt32BE(0);
        const resolve = this.waiting.get(correlationId);
        if (resolve === undefined) this.unexpected.push(frame);
        else {
          this.waiting.delete(correlationId);
          resolve(frame);
        }
      }
    });
  }

  static connect(port: number, host = '127.0.0.1'): Promise<WireClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, host, () => {
        socket.off('error', reject);
        resolve(new WireClient(socket));
      });
      socket.once('error', reject);
    });
  }

  get isClosed(): boolean {
    return this.socket.destroyed;
  }

  /** Sends a request and resolves with the decoded response body. */
  async request<K extends ApiKey>(apiKey: K, apiVersion: number, body: RequestInput<K>, clientId = 'wire-test'): Promise<ResponseBody<K>> {
    const frame = await this.send(apiKey, apiVersion, body, clientId);
    return decodeResponse(apiKey, apiVersion, frame).body;
  }

  /** Sends a request and resolves with the raw response frame (correlation id first). */
  send<K extends ApiKey>(apiKey: K, apiVersion: number, body: RequestInput<K>, clientId = 'wire-test'): Promise<Buffer> {
    const correlationId = this.nextCorrelationId++;
    const response = this.expect(correlationId);
    this.socket.write(encodeRequest({ apiKey, apiVersion, correlationId, clientId }, body).finish());
    return response;
  }

  /** Sends a request whose response is never expected (acks=0 produce). */
  sendOneWay<K extends ApiKey>(apiKey: K, apiVersion: number, body: RequestInput<K>, clientId = 'wire-test'): number {
    const correlationId = this.nextCorrelationId++;
    this.socket.write(encodeRequest({ apiKey, apiVersion, correlationId, clientId }, body).finish());
    return correlationId;
  }

  /** Resolves with the frame that carries `correlationId`, for raw requests written with `writeRaw`. */
  expect(correlationId: number): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      this.waiting.set(correlationId, resolve);
      void this.closed.then(() => {
        if (this.waiting.delete(correlationId)) reject(new Error(`connection closed before the response to correlation id ${correlationId}`));
      });
    });
  }

  writeRaw(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  close(): void {
    this.socket.destroy();
  }
}
