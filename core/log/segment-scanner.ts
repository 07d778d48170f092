import fs from 'node:fs';
import { BatchLayout, checkBatch } from '../records/index.ts';
import type { BatchProblem } from '../records/index.ts';

export interface ScannedBatch {
  position: number;
  size: number;
  baseOffset: bigint;
  lastOffset: bigint;
  maxTimestamp: bigint;
}

export interface ScanStop {
  position: number;
  problem: BatchProblem;
  reason: string;
}

const CHUNK_SIZE = 1024 * 1024;

/**
 * Walks the batches of a `.log` file from `from` to `end`, reading in large chunks.
 * With `verify`, each batch's structure and CRC are checked and the walk stops at the
 * first bad one; without it only the length chain is followed (enough to rebuild an
 * index of a segment that was sealed intact).
 */
export function scanSegment(
  fd: number,
  from: number,
  end: number,
  verify: boolean,
  onBatch: (batch: ScannedBatch) => unknown,
): ScanStop | undefined {
  let chunk = Buffer.allocUnsafe(CHUNK_SIZE);
  let chunkStart = from;
  let chunkLength = 0;
  let position = from;
  while (position < end) {
    let offsetInChunk = position - chunkStart;
    if (offsetInChunk + BatchLayout.HEADER_SIZE > chunkLength && chunkStart + chunkLength < end) {
      chunkStart = position;
      chunkLength = readAt(fd, chunk, Math.min(chunk.length, end - position), position);
      offsetInChunk = 0;
    }
    const remaining = chunkLength - offsetInChunk;
    if (remaining >= BatchLayout.LOG_OVERHEAD) {
      const size = chunk.readInt32BE(offsetInChunk + BatchLayout.BATCH_LENGTH) + BatchLayout.LOG_OVERHEAD;
      if (size > remaining && size <= end - position && size >= BatchLayout.HEADER_SIZE) {
        // The batch runs past this chunk: read it whole, growing the buffer if needed.
        if (size > chunk.length) chunk = Buffer.allocUnsafe(size);
        chunkStart = position;
        chunkLength = readAt(fd, chunk, Math.min(chunk.length, end - position), position);
        offsetInChunk = 0;
      }
    }
    const check = verify
      ? checkBatch(chunk, offsetInChunk, chunkLength)
      : checkBatch(chunk, offsetInChunk, chunkLength, { verifyCrc: false });
    if (!check.ok) return { position, problem: check.problem, reason: check.reason };
    const baseOffset = chunk.readBigInt64BE(offsetInChunk + BatchLayout.BASE_OFFSET);
    const more = onBatch({
      position,
      size: check.size,
      baseOffset,
      lastOffset: baseOffset + BigInt(chunk.readInt32BE(offsetInChunk + BatchLayout.LAST_OFFSET_DELTA)),
      maxTimestamp: chunk.readBigInt64BE(offsetInChunk + BatchLayout.MAX_TIMESTAMP),
    });
    if (more === false) return undefined;
    position += check.size;
  }
  return undefined;
}

export function readAt(fd: number, buf: Buffer, length: number, position: number): number {
  let done = 0;
  while (done < length) {
    const n = fs.readSync(fd, buf, done, length - done, position + done);
    if (n === 0) break;
    done += n;
  }
  return done;
}
