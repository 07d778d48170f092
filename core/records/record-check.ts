import { BatchLayout } from './batch-header.ts';
import { CompressionCodec, codecFromAttributes, decompress } from './compression/index.ts';
import { RecordsError } from './errors.ts';
import { ByteCursor } from './varint.ts';

/** attributes, timestampDelta, offsetDelta, key length, value length, header count: one byte each at least. */
const MIN_RECORD_BODY = 6;

/**
 * Walks the records of a batch whose header and CRC are already checked, without
 * materialising them: the record count must be what the header declares and each record's
 * offsetDelta must be its position. A producer that lies here would otherwise make the
 * log hand out offsets that hold no record. Returns the problem, or undefined when sound.
 * Compressed batches are decompressed (up to `maxDecompressedBytes`) to be walked.
 */
export function recordsProblem(buf: Buffer, pos: number, maxDecompressedBytes: number): string | undefined {
  const size = buf.readInt32BE(pos + BatchLayout.BATCH_LENGTH) + BatchLayout.LOG_OVERHEAD;
  const declared = buf.readInt32BE(pos + BatchLayout.RECORDS_COUNT);
  const codec = codecFromAttributes(buf.readInt16BE(pos + BatchLayout.ATTRIBUTES));
  let body = buf.subarray(pos + BatchLayout.HEADER_SIZE, pos + size);
  try {
    if (codec !== CompressionCodec.none) body = decompress(codec, body, maxDecompressedBytes);
    if (declared > body.length / (MIN_RECORD_BODY + 1)) return `recordsCount ${declared} cannot fit in ${body.length} bytes of records`;
    const cursor = new ByteCursor(body);
    let count = 0;
    while (cursor.remaining() > 0) {
      if (count === declared) return `more records present than the declared recordsCount ${declared}`;
      const length = cursor.varint();
      if (length < MIN_RECORD_BODY || length > cursor.remaining()) return `record ${count} declares length ${length}`;
      const recordEnd = cursor.pos + length;
      cursor.int8();
      cursor.varlong();
      const offsetDelta = cursor.varint();
      if (offsetDelta !== count) return `record ${count} has offsetDelta ${offsetDelta}; offsets inside a batch must be 0, 1, 2, …`;
      cursor.pos = recordEnd;
      count++;
    }
    if (count !== declared) return `recordsCount is ${declared} but ${count} records are present`;
    return undefined;
  } catch (error) {
    if (error instanceof RecordsError) return error.message;
    throw error;
  }
}
