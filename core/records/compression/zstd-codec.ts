import zstd from 'zstd-napi/binding.js';
import { RecordsError } from '../errors.ts';
import type { BlockCodec } from './block-codec.ts';
import { corruptCompressed, decompressedTooLarge, errorMessage } from './codec-errors.ts';
import { readZstdContentSize } from './zstd-frame-header.ts';

/** zstd's own default, and what librdkafka and the Java client use unless configured. */
const LEVEL = 3;
/**
 * Bounds on the history window a frame may ask for. The decoder allocates the window before it
 * writes any output, so it is tied to the cap; the floor still admits what streaming producers
 * write at levels up to 19 (8 MiB), the ceiling is libzstd's default limit (128 MiB).
 */
const MIN_WINDOW_LOG = 23;
const MAX_WINDOW_LOG = 27;
const MIN_GROWTH = 64 * 1024;

// Contexts are costly to create; the API is synchronous, so one of each can be reused safely.
let cctx: zstd.CCtx | undefined;
let dctx: zstd.DCtx | undefined;

export const zstdCodec: BlockCodec = {
  compress(data) {
    cctx ??= new zstd.CCtx();
    const dst = Buffer.allocUnsafe(zstd.compressBound(data.length));
    const written = cctx.compress(dst, data, LEVEL);
    // Copy out so the worst-case-sized buffer is not kept alive by a small result.
    return Buffer.from(dst.subarray(0, written));
  },

  decompress(data, maxBytes) {
    const declared = readZstdContentSize(data);
    if (declared !== undefined && declared > maxBytes) {
      throw decompressedTooLarge('zstd', maxBytes, `the frame declares ${declared} bytes of content`);
    }
    dctx ??= new zstd.DCtx();
    const windowLog = windowLogFor(maxBytes);
    try {
      dctx.reset(zstd.ResetDirective.sessionAndParameters);
      dctx.setParameter(zstd.DParameter.windowLogMax, windowLog);
      return stream(dctx, data, maxBytes, declared);
    } catch (err: unknown) {
      if (err instanceof RecordsError) throw err;
      const message = errorMessage(err);
      if (/too much memory/i.test(message)) {
        throw decompressedTooLarge('zstd', maxBytes, `the frame asks for a history window over ${2 ** windowLog} bytes`);
      }
      throw corruptCompressed('zstd', message, err);
    }
  },
};

/**
 * Streaming decode into a buffer that never grows past maxBytes + 1: the extra byte is how an
 * overflow is noticed. Frames without a content size are the reason this cannot be one call.
 */
function stream(ctx: zstd.DCtx, src: Uint8Array, maxBytes: number, declared: number | undefined): Buffer {
  const ceiling = maxBytes + 1;
  let out = Buffer.allocUnsafe(Math.min(ceiling, declared ?? Math.max(MIN_GROWTH, src.length * 4)));
  let written = 0;
  let read = 0;
  for (;;) {
    if (written === out.length) {
      const grown = Buffer.allocUnsafe(Math.min(ceiling, Math.max(out.length * 2, MIN_GROWTH)));
      out.copy(grown, 0, 0, written);
      out = grown;
    }
    const [remaining, produced, consumed] = ctx.decompressStream(out.subarray(written), src.subarray(read));
    written += produced;
    read += consumed;
    if (written > maxBytes) {
      throw decompressedTooLarge('zstd', maxBytes, 'decoding stopped at the limit');
    }
    // 0 means the current frame is complete and flushed; more input means another frame follows.
    if (remaining === 0 && read === src.length) break;
    if (produced === 0 && consumed === 0 && written < out.length) {
      throw corruptCompressed('zstd', 'the payload ends inside a frame');
    }
  }
  return written === out.length ? out : Buffer.from(out.subarray(0, written));
}

function windowLogFor(maxBytes: number): number {
  const needed = Math.ceil(Math.log2(Math.max(maxBytes, 1)));
  return Math.min(MAX_WINDOW_LOG, Math.max(MIN_WINDOW_LOG, needed));
}
