import zlib from 'node:zlib';
import zstd from 'zstd-napi/binding.js';
import { BrookError } from '../../../core/base/index.ts';
import { BinlogErrorCode, MalformedInput, malformed } from './errors.ts';

/** Raised when decompressed data would pass the caller's limit; the decoder adds the event's location. */
export class TooLarge extends BrookError {
  constructor(message: string) {
    super(BinlogErrorCode.PAYLOAD_TOO_LARGE, message);
  }
}

/** Window sizes a frame may ask for: enough for what MySQL writes, tied to the output limit above that. */
const MIN_WINDOW_LOG = 23;
const MAX_WINDOW_LOG = 27;
const MIN_GROWTH = 64 * 1024;

let dctx: zstd.DCtx | undefined;

/**
 * zstd-decompresses a TRANSACTION_PAYLOAD, never producing more than `maxBytes`: the output
 * grows from the declared size (itself checked) and decoding stops one byte past the limit.
 */
export function zstdDecompress(data: Uint8Array, declaredSize: number, maxBytes: number): Buffer {
  if (declaredSize > maxBytes) throw new TooLarge(`the payload declares ${declaredSize} uncompressed bytes, above the limit of ${maxBytes}`);
  dctx ??= new zstd.DCtx();
  const ceiling = maxBytes + 1;
  let out = Buffer.allocUnsafe(Math.min(ceiling, Math.max(declaredSize, MIN_GROWTH)));
  let written = 0;
  let read = 0;
  try {
    dctx.reset(zstd.ResetDirective.sessionAndParameters);
    dctx.setParameter(zstd.DParameter.windowLogMax, Math.min(MAX_WINDOW_LOG, Math.max(MIN_WINDOW_LOG, Math.ceil(Math.log2(Math.max(maxBytes, 1))))));
    for (;;) {
      if (written === out.length) {
        const grown = Buffer.allocUnsafe(Math.min(ceiling, out.length * 2));
        out.copy(grown, 0, 0, written);
        out = grown;
      }
      const [remaining, produced, consumed] = dctx.decompressStream(out.subarray(written), data.subarray(read));
      written += produced;
      read += consumed;
      if (written > maxBytes) throw new TooLarge(`the payload expands past the limit of ${maxBytes} bytes`);
      if (remaining === 0 && read === data.length) break;
      if (produced === 0 && consumed === 0 && written < out.length) throw malformed('the zstd payload ends inside a frame');
    }
  } catch (err) {
    if (err instanceof TooLarge) throw err;
    if (err instanceof MalformedInput) throw err;
    throw malformed(`the zstd payload is corrupt: ${err instanceof Error ? err.message : String(err)}`);
  }
  return out.subarray(0, written);
}

/**
 * MariaDB's compressed events (log_bin_compress): a header byte 0x80 | algorithm << 4 | n, the
 * uncompressed length in n big-endian bytes, then zlib data (sql/log_event.cc,
 * binlog_buf_uncompress). Algorithm 0 (zlib) is the only one defined.
 */
export function mariadbInflate(data: Buffer, maxBytes: number): Buffer {
  if (data.length < 1) throw malformed('compressed data is empty');
  const head = data[0]!;
  if ((head & 0x80) === 0) throw malformed('compressed data lacks its header bit');
  const algorithm = (head & 0x70) >> 4;
  if (algorithm !== 0) throw malformed(`compression algorithm ${algorithm} is unknown`);
  const lengthBytes = head & 0x07;
  if (lengthBytes < 1 || lengthBytes > 4 || data.length < 1 + lengthBytes) throw malformed(`compressed length of ${lengthBytes} bytes is invalid`);
  const declared = data.readUIntBE(1, lengthBytes);
  if (declared > maxBytes) throw new TooLarge(`compressed data declares ${declared} bytes, above the limit of ${maxBytes}`);
  let out: Buffer;
  try {
    out = zlib.inflateSync(data.subarray(1 + lengthBytes), { maxOutputLength: Math.max(1, declared) });
  } catch (err) {
    throw malformed(`the zlib data is corrupt or longer than declared: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (out.length !== declared) throw malformed(`compressed data inflates to ${out.length} bytes, not the declared ${declared}`);
  return out;
}
