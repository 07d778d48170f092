import { corruptCompressed } from './codec-errors.ts';

const FRAME_MAGIC = 0xfd2fb528;
const SKIPPABLE_MAGIC = 0x184d2a50;
const SKIPPABLE_MASK = 0xfffffff0;
const DICT_ID_BYTES = [0, 1, 2, 4] as const;
const CONTENT_SIZE_BYTES = [0, 2, 4, 8] as const;

/**
 * Frame_Content_Size of the first zstd frame in `data` (RFC 8878 §3.1.1.1), or undefined when the
 * frame does not record it (streaming producers such as the Java client leave it out) or the
 * payload opens with a skippable frame. Lets the caller refuse an oversized frame before decoding.
 */
export function readZstdContentSize(data: Uint8Array): number | undefined {
  if (data.length < 4) {
    throw corruptCompressed('zstd', `the payload is ${data.length} bytes, too short for a frame`);
  }
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const magic = view.getUint32(0, true);
  if (((magic & SKIPPABLE_MASK) >>> 0) === SKIPPABLE_MAGIC) return undefined;
  if (magic !== FRAME_MAGIC) {
    throw corruptCompressed('zstd', `it starts with 0x${magic.toString(16).padStart(8, '0')}, not the zstd magic 0xfd2fb528`);
  }
  if (data.length < 5) {
    throw corruptCompressed('zstd', 'the payload ends inside the frame header');
  }
  const descriptor = data[4] ?? 0;
  const contentSizeFlag = descriptor >>> 6;
  const singleSegment = (descriptor & 0x20) !== 0;
  const dictIdFlag = descriptor & 0x03;
  // Single_Segment frames omit the window descriptor and always record the content size.
  const fieldAt = 5 + (singleSegment ? 0 : 1) + (DICT_ID_BYTES[dictIdFlag] ?? 0);
  const fieldBytes = contentSizeFlag === 0 ? (singleSegment ? 1 : 0) : (CONTENT_SIZE_BYTES[contentSizeFlag] ?? 0);
  if (fieldBytes === 0) return undefined;
  if (data.length < fieldAt + fieldBytes) {
    throw corruptCompressed('zstd', 'the payload ends inside the frame header');
  }
  switch (fieldBytes) {
    case 1:
      return view.getUint8(fieldAt);
    case 2:
      // The 2-byte form is offset by 256 so that it never overlaps the 1-byte form.
      return view.getUint16(fieldAt, true) + 256;
    case 4:
      return view.getUint32(fieldAt, true);
    case 8:
      return view.getUint32(fieldAt, true) + view.getUint32(fieldAt + 4, true) * 2 ** 32;
  }
}
