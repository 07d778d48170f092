import { ProtocolError, ProtocolErrorCode } from './errors.ts';

/** Kafka's default `socket.request.max.bytes`. */
export const DEFAULT_MAX_FRAME_SIZE = 100 * 1024 * 1024;

export interface FrameDecoderOptions {
  /** Largest accepted frame payload in bytes; default 100 MiB. */
  readonly maxFrameSize?: number;
}

/**
 * Splits a byte stream into Kafka frames (INT32 size, then that many bytes).
 *
 * Feed it socket chunks with `push`; it returns the payloads completed by that chunk, in
 * order, without the size prefix. A payload lying inside one chunk is a view of it (no
 * copy); one spread over several chunks is joined once, when its last byte arrives.
 * A declared size that is negative or above `maxFrameSize` is rejected as soon as its four
 * bytes arrive, before anything is buffered for it; the decoder then stays failed (the
 * connection should be closed).
 */
export class FrameDecoder {
  private readonly maxFrameSize: number;
  private readonly pending: Buffer[] = [];
  /** Bytes already consumed from `pending[0]`. */
  private headOffset = 0;
  private pendingBytes = 0;
  /** Size of the frame being collected, or -1 while its size prefix is incomplete. */
  private frameSize = -1;
  private failure: ProtocolError | undefined;

  constructor(options: FrameDecoderOptions = {}) {
    this.maxFrameSize = options.maxFrameSize ?? DEFAULT_MAX_FRAME_SIZE;
  }

  /** Bytes received but not yet returned as part of a frame (size prefixes included). */
  get buffered(): number {
    return this.pendingBytes;
  }

  push(chunk: Buffer): Buffer[] {
    if (this.failure !== undefined) throw this.failure;
    const frames: Buffer[] = [];
    if (chunk.length === 0) return frames;
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    for (;;) {
      if (this.frameSize < 0) {
        if (this.pendingBytes < 4) break;
        const size = this.take(4).readInt32BE(0);
        this.checkSize(size);
        this.frameSize = size;
      }
      if (this.pendingBytes < this.frameSize) break;
      frames.push(this.take(this.frameSize));
      this.frameSize = -1;
    }
    return frames;
  }

  private checkSize(size: number): void {
    if (size < 0) {
      this.failure = new ProtocolError(ProtocolErrorCode.INVALID_LENGTH, `frame declares a negative size ${size}`);
    } else if (size > this.maxFrameSize) {
      this.failure = new ProtocolError(
        ProtocolErrorCode.FRAME_TOO_LARGE,
        `frame declares ${size} bytes, above the ${this.maxFrameSize}-byte limit`,
      );
    }
    if (this.failure !== undefined) throw this.failure;
  }

  /** Removes `n` buffered bytes: a view when they lie in one chunk, else one copy. */
  private take(n: number): Buffer {
    if (n === 0) return Buffer.alloc(0);
    const head = this.pending[0]!;
    const available = head.length - this.headOffset;
    if (n <= available) {
      const view = head.subarray(this.headOffset, this.headOffset + n);
      this.consume(n);
      return view;
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const chunk = this.pending[0]!;
      const count = Math.min(n - filled, chunk.length - this.headOffset);
      chunk.copy(out, filled, this.headOffset, this.headOffset + count);
      filled += count;
      this.consume(count);
    }
    return out;
  }

  private consume(n: number): void {
    this.headOffset += n;
    this.pendingBytes -= n;
    if (this.headOffset === this.pending[0]!.length) {
      this.pending.shift();
      this.headOffset = 0;
    }
  }
}

/** Prefixes a payload (one buffer or several, back to back) with its INT32 size. */
export function encodeFrame(payload: Buffer | readonly Buffer[]): Buffer {
  const parts = Buffer.isBuffer(payload) ? [payload] : payload;
  let size = 0;
  for (const part of parts) size += part.length;
  const prefix = Buffer.allocUnsafe(4);
  prefix.writeInt32BE(size, 0);
  return Buffer.concat([prefix, ...parts], size + 4);
}
