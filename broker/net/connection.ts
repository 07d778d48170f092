import type { Socket } from 'node:net';
import { FrameDecoder } from '../../core/protocol/index.ts';
import type { JoinBufferPool } from '../../core/protocol/index.ts';
import type { Logger } from '../logger.ts';
import type { Dispatched, RequestDispatcher } from './request-dispatcher.ts';

export interface ConnectionOptions {
  readonly id: number;
  readonly maxRequestBytes: number;
  /** Close the connection after this long without traffic; 0 never does. */
  readonly idleTimeoutMs: number;
  /** Stop reading from the socket while this many requests await their responses. */
  readonly maxInFlight: number;
  /** Shared by the listener's connections: where a Produce request's buffer goes for the next large request. */
  readonly joinBuffers?: JoinBufferPool;
  readonly logger: Logger;
  readonly onClose: (connection: Connection) => void;
}

/** A request in the pipeline: its outcome once known, in arrival order. */
interface Slot {
  outcome: Dispatched | undefined;
}

/**
 * One client connection. Requests are dispatched as soon as they arrive (so pipelined
 * produces share a group commit) but answered strictly in arrival order. Reading pauses
 * while too many answers are pending or the socket's write buffer is full, so a fast
 * client cannot make the broker buffer without bound.
 */
export class Connection {
  readonly id: number;
  readonly remoteAddress: string;
  private readonly socket: Socket;
  private readonly dispatcher: RequestDispatcher;
  private readonly decoder: FrameDecoder;
  private readonly options: ConnectionOptions;
  private readonly logger: Logger;
  private readonly pipeline: Slot[] = [];
  private waitingForDrain = false;
  private closed = false;

  constructor(socket: Socket, dispatcher: RequestDispatcher, options: ConnectionOptions) {
    this.socket = socket;
    this.dispatcher = dispatcher;
    this.options = options;
    this.id = options.id;
    this.remoteAddress = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    this.logger = options.logger.child({ connection: this.id, remote: this.remoteAddress });
    this.decoder = new FrameDecoder(options.joinBuffers === undefined ? { maxFrameSize: options.maxRequestBytes } : { maxFrameSize: options.maxRequestBytes, joinBuffers: options.joinBuffers });
    socket.setNoDelay(true);
    if (options.idleTimeoutMs > 0) socket.setTimeout(options.idleTimeoutMs);
    socket.on('data', (chunk: Buffer) => {
      this.receive(chunk);
    });
    socket.on('timeout', () => {
      if (this.pipeline.length === 0) this.close(`idle for ${options.idleTimeoutMs} ms`, 'debug');
    });
    socket.on('drain', () => {
      this.waitingForDrain = false;
      this.updateFlow();
    });
    socket.on('error', (error) => {
      this.logger.debug({ err: error }, 'socket error');
    });
    socket.on('close', () => {
      this.closed = true;
      this.pipeline.length = 0;
      options.onClose(this);
    });
  }

  /** Whether the connection still serves requests; dispatching a request can close it. */
  get open(): boolean {
    return !this.closed;
  }

  get inFlight(): number {
    return this.pipeline.length;
  }

  /** Ends the connection; pending answers are dropped. */
  close(reason: string, level: 'debug' | 'info' | 'warn' = 'info'): void {
    if (this.closed) return;
    this.closed = true;
    this.logger[level]({ reason }, 'closing connection');
    this.pipeline.length = 0;
    this.socket.destroy();
  }

  private receive(chunk: Buffer): void {
    if (this.closed) return;
    let frames: Buffer[];
    try {
      frames = this.decoder.push(chunk);
    } catch (error) {
      this.close(error instanceof Error ? error.message : String(error), 'warn');
      return;
    }
    for (const frame of frames) {
      if (!this.open) return;
      this.accept(frame);
    }
    this.updateFlow();
  }

  private accept(frame: Buffer): void {
    const slot: Slot = { outcome: undefined };
    this.pipeline.push(slot);
    let dispatched: Dispatched | Promise<Dispatched>;
    try {
      dispatched = this.dispatcher.dispatch(frame, this);
      if (this.dispatcher.doneWithFrameOnReturn(frame)) this.decoder.release(frame);
    } catch (error) {
      dispatched = { kind: 'close', reason: 'request dispatch failed', fault: error };
    }
    if (dispatched instanceof Promise) {
      void dispatched.then((outcome) => {
        slot.outcome = outcome;
        this.flush();
      });
    } else {
      slot.outcome = dispatched;
      this.flush();
    }
  }

  /** Writes every answer at the head of the pipeline that is ready, in order. */
  private flush(): void {
    if (this.closed) return;
    let corked = false;
    while (this.pipeline.length > 0 && this.pipeline[0]!.outcome !== undefined) {
      const outcome = this.pipeline.shift()!.outcome!;
      if (outcome.kind === 'close') {
        if (outcome.fault !== undefined) this.logger.error({ err: outcome.fault }, outcome.reason);
        this.close(outcome.reason, 'warn');
        return;
      }
      if (outcome.kind === 'silent') continue;
      if (!corked) {
        this.socket.cork();
        corked = true;
      }
      const { chunks, afterSend } = outcome;
      chunks.forEach((chunk, i) => {
        const last = i === chunks.length - 1;
        // The write callback runs once the bytes are in the kernel (or the socket died): only then may borrowed buffers be reused.
        const written = last && afterSend !== undefined ? this.socket.write(chunk, () => { afterSend(); }) : this.socket.write(chunk);
        if (!written) this.waitingForDrain = true;
      });
    }
    if (corked) this.socket.uncork();
    this.updateFlow();
  }

  private updateFlow(): void {
    if (this.closed) return;
    const busy = this.waitingForDrain || this.pipeline.length >= this.options.maxInFlight;
    if (busy && !this.socket.isPaused()) this.socket.pause();
    else if (!busy && this.socket.isPaused()) this.socket.resume();
  }
}
