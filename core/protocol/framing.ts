import { ProtocolError, ProtocolErrorCode } from './errors.ts';

/** Kafka's default `socket.request.max.bytes`. */
export const DEFAULT_MAX_FRAME_SIZE = 100 * 1024 * 1024;

/** Join buffers are allocated in multiples of this. */
const JOIN_GRANULE = 64 * 1024;

/**
 * Join buffers handed back to decoders (see FrameDecoder.release), for the next payload that
 * spans chunks in any decoder sharing the pool. A broker's produce requests are often larger
 * than a socket chunk, and a fresh buffer for each costs far more than the copy into it: new
 * memory is faulted in and swept by the GC. One pool for all of a server's connections keeps
 * one buffer, however many connections there are.
 */
export class JoinBufferPool {
  /** The largest buffer kept. */
  readonly maxBytes: number;
  /** A released join buffer, whole, waiting for the next payload. */
  spare: Buffer | undefined;
  /** The memory of join buffers the pool's decoders allocated: only these may come back. */
  readonly joined = new WeakSet<ArrayBufferLike>();

  constructor(maxBytes: number) {
    this.maxBytes = maxBytes;
  }
}

export interface FrameDecoderOptions {
  /** Largest accepted frame payload in bytes; default 100 MiB. */
  readonly maxFrameSize?: number;
  /** Where joined payloads handed back with `release` are kept for reuse; none by default. */
  readonly joinBuffers?: JoinBufferPool;
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
 *
 * With a `joinBuffers` pool, a joined payload handed back with `release` once nothing refers to
 * it is the buffer the next joined payload is written into.
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
  private readonly pool: JoinBufferPool | undefined;

  constructor(options: FrameDecoderOptions = {}) {
    this.maxFrameSize = options.maxFrameSize ?? DEFAULT_MAX_FRAME_SIZE;
    this.pool = options.joinBuffers;
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
        const size = this.take(4, false).readInt32BE(0);
        this.checkSize(size);
        this.frameSize = size;
      }
      if (this.pendingBytes < this.frameSize) break;
      frames.push(this.take(this.frameSize, true));
      this.frameSize = -1;
    }
    return frames;
  }

  /**
   * Hands back a payload `push` returned, once nothing refers to its bytes any more: if the
   * decoder joined it, its buffer is reused for a later payload. A view of a chunk is ignored.
   * Each payload may be released at most once.
   */
  release(frame: Buffer): void {
    const pool = this.pool;
    const memory = frame.buffer;
    if (pool === undefined || !pool.joined.has(memory) || memory.byteLength > pool.maxBytes) return;
    if (pool.spare === undefined || pool.spare.length < memory.byteLength) pool.spare = Buffer.from(memory);
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
  private take(n: number, payload: boolean): Buffer {
    if (n === 0) return Buffer.alloc(0);
    const head = this.pending[0]!;
    const available = head.length - this.headOffset;
    if (n <= available) {
      const view = head.subarray(this.headOffset, this.headOffset + n);
      this.consume(n);
      return view;
    }
    const out = payload && this.pool !== undefined ? this.joinBuffer(this.pool, n) : Buffer.allocUnsafe(n);
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

  /** Room for a payload of `n` bytes: the spare when it is large enough, else memory of its own. */
  private joinBuffer(pool: JoinBufferPool, n: number): Buffer {
    // Small payloads come from Node's pool, cheaply; they are not worth a buffer of their own.
    if (n < JOIN_GRANULE / 4) return Buffer.allocUnsafe(n);
    const spare = pool.spare;
    if (spare !== undefined && spare.length >= n) {
      pool.spare = undefined;
      return spare.subarray(0, n);
    }
    // Rounded up, so payloads of slightly varying sizes fit the buffer the first one left.
    const out = Buffer.allocUnsafeSlow(Math.ceil(n / JOIN_GRANULE) * JOIN_GRANULE);
    pool.joined.add(out.buffer);
    return out.subarray(0, n);
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
