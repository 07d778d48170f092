import type { RecordsError } from '../errors.ts';
import { corruptCompressed, decompressedTooLarge } from './codec-errors.ts';

/** One LZ4 frame found in a payload, with the exact number of bytes it decodes to. */
export interface Lz4Frame {
  readonly start: number;
  readonly end: number;
  readonly decodedBytes: number;
}

export interface Lz4Scan {
  readonly frames: readonly Lz4Frame[];
  readonly decodedBytes: number;
}

const FRAME_MAGIC = 0x184d2204;
const SKIPPABLE_MAGIC = 0x184d2a50;
const SKIPPABLE_MASK = 0xfffffff0;
const UNCOMPRESSED_BIT = 0x80000000;
const MIN_MATCH = 4;
const RUN_MASK = 15;

/**
 * Walk `data` as a sequence of LZ4 frames (lz4_Frame_format.md) without producing any output:
 * block sizes come from the block headers, and the decoded size of each compressed block from its
 * sequence tokens. The native decoder allocates as it goes and has no output limit, so this walk
 * is what lets the caller refuse a bomb before any decoding happens.
 */
export function scanLz4Frames(data: Uint8Array, maxBytes: number): Lz4Scan {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const frames: Lz4Frame[] = [];
  let total = 0;
  let pos = 0;
  while (pos < data.length) {
    need(data, pos, 4, 'frame magic');
    const magic = view.getUint32(pos, true);
    if (((magic & SKIPPABLE_MASK) >>> 0) === SKIPPABLE_MAGIC) {
      need(data, pos, 8, 'skippable frame header');
      const skip = view.getUint32(pos + 4, true);
      need(data, pos + 8, skip, 'skippable frame');
      pos += 8 + skip;
      continue;
    }
    if (magic !== FRAME_MAGIC) {
      throw corruptCompressed(
        'lz4',
        `byte ${pos} starts with 0x${magic.toString(16).padStart(8, '0')}, not the LZ4 frame magic 0x184d2204`,
      );
    }
    const frame = scanFrame(data, view, pos, maxBytes, total);
    total += frame.decodedBytes;
    frames.push(frame);
    pos = frame.end;
  }
  return { frames, decodedBytes: total };
}

/** `before` is what earlier frames decode to: the cap covers the whole payload. */
function scanFrame(data: Uint8Array, view: DataView, start: number, maxBytes: number, before: number): Lz4Frame {
  let pos = start + 4;
  need(data, pos, 3, 'frame descriptor');
  const flg = data[pos] ?? 0;
  const bd = data[pos + 1] ?? 0;
  pos += 2;
  if (flg >>> 6 !== 1) {
    throw corruptCompressed('lz4', `frame at byte ${start} has version ${flg >>> 6}; only version 1 exists`);
  }
  if ((flg & 0x02) !== 0 || (bd & 0x8f) !== 0) {
    throw corruptCompressed('lz4', `frame at byte ${start} sets reserved descriptor bits`);
  }
  if ((flg & 0x01) !== 0) {
    throw corruptCompressed('lz4', `frame at byte ${start} needs a preset dictionary, which Kafka clients never use`);
  }
  const independent = (flg & 0x20) !== 0;
  const blockChecksum = (flg & 0x10) !== 0;
  const hasContentSize = (flg & 0x08) !== 0;
  const contentChecksum = (flg & 0x04) !== 0;
  const blockSizeId = (bd >>> 4) & 0x07;
  if (blockSizeId < 4) {
    throw corruptCompressed('lz4', `frame at byte ${start} has block size id ${blockSizeId}; valid ids are 4-7`);
  }
  // Ids 4..7 mean 64 KiB, 256 KiB, 1 MiB, 4 MiB.
  const blockMax = 1 << (2 * blockSizeId + 8);

  let contentSize: number | undefined;
  if (hasContentSize) {
    need(data, pos, 8, 'content size');
    contentSize = view.getUint32(pos, true) + view.getUint32(pos + 4, true) * 2 ** 32;
    if (before + contentSize > maxBytes) {
      throw decompressedTooLarge('lz4', maxBytes, `the frame at byte ${start} declares ${contentSize} bytes of content`);
    }
    pos += 8;
  }
  need(data, pos, 1, 'header checksum');
  // The header checksum itself is verified by the native decoder.
  pos += 1;

  let decoded = 0;
  for (;;) {
    need(data, pos, 4, 'block header (the frame has no end mark)');
    const word = view.getUint32(pos, true);
    pos += 4;
    const size = (word & ~UNCOMPRESSED_BIT) >>> 0;
    // The reference decoder treats a zero size as the end mark whatever the high bit says.
    if (size === 0) break;
    if (size > blockMax) {
      throw corruptCompressed('lz4', `block at byte ${pos - 4} is ${size} bytes, over the frame's ${blockMax}-byte block size`);
    }
    need(data, pos, size + (blockChecksum ? 4 : 0), 'block');
    decoded += (word & UNCOMPRESSED_BIT) !== 0
      ? size
      : compressedBlockLength(data, pos, pos + size, blockMax, independent ? 0 : decoded);
    if (before + decoded > maxBytes) {
      throw decompressedTooLarge('lz4', maxBytes, `its blocks decode to at least ${before + decoded} bytes`);
    }
    pos += size + (blockChecksum ? 4 : 0);
  }
  if (contentChecksum) {
    need(data, pos, 4, 'content checksum');
    pos += 4;
  }
  if (contentSize !== undefined && contentSize !== decoded) {
    throw corruptCompressed('lz4', `frame at byte ${start} declares ${contentSize} bytes but its blocks hold ${decoded}`);
  }
  return { start, end: pos, decodedBytes: decoded };
}

/**
 * Exact decoded length of one compressed LZ4 block in data[start, end), from its sequences:
 * token (literal length, match length), optional length extensions, literals, 2-byte offset.
 * `history` is how many bytes earlier blocks make reachable (linked blocks only).
 */
function compressedBlockLength(data: Uint8Array, start: number, end: number, blockMax: number, history: number): number {
  let pos = start;
  let out = 0;
  for (;;) {
    if (pos >= end) {
      throw corruptCompressed('lz4', `block at byte ${start - 4} ends after a match instead of a literal run`);
    }
    const token = data[pos++] ?? 0;
    let literals = token >>> 4;
    if (literals === RUN_MASK) {
      let byte: number;
      do {
        if (pos >= end) throw truncatedBlock(start);
        byte = data[pos++] ?? 0;
        literals += byte;
      } while (byte === 255);
    }
    if (literals > end - pos) throw truncatedBlock(start);
    pos += literals;
    out += literals;
    if (pos === end) break;

    if (end - pos < 2) throw truncatedBlock(start);
    const offset = (data[pos] ?? 0) | ((data[pos + 1] ?? 0) << 8);
    pos += 2;
    if (offset === 0 || offset > out + history) {
      throw corruptCompressed('lz4', `block at byte ${start - 4} has a match offset of ${offset} that reaches before the data`);
    }
    let match = (token & RUN_MASK) + MIN_MATCH;
    if ((token & RUN_MASK) === RUN_MASK) {
      let byte: number;
      do {
        if (pos >= end) throw truncatedBlock(start);
        byte = data[pos++] ?? 0;
        match += byte;
      } while (byte === 255);
    }
    out += match;
    if (out > blockMax) break;
  }
  if (out > blockMax) {
    throw corruptCompressed('lz4', `block at byte ${start - 4} decodes to more than the frame's ${blockMax}-byte block size`);
  }
  return out;
}

function truncatedBlock(start: number): RecordsError {
  return corruptCompressed('lz4', `block at byte ${start - 4} is truncated inside a sequence`);
}

function need(data: Uint8Array, pos: number, bytes: number, what: string): void {
  if (bytes > data.length - pos) {
    throw corruptCompressed('lz4', `the payload ends inside the ${what} at byte ${pos}`);
  }
}
