import fs from 'node:fs';
import { codecFromAttributes, codecName, decodeRecordBatch, readBatchHeader } from '../records/index.ts';
import type { BatchHeader, CompressionName, Record } from '../records/index.ts';
import { readAt, scanSegment } from './segment-scanner.ts';
import type { ScanStop } from './segment-scanner.ts';

export interface DumpedBatch {
  position: number;
  size: number;
  header: BatchHeader;
  codec: CompressionName;
  /** Present when records were asked for. */
  records?: Record[];
}

export interface SegmentDump {
  file: string;
  fileSize: number;
  batches: DumpedBatch[];
  /** Where verification stopped early, if it did: the rest of the file is not valid batches. */
  stop?: ScanStop;
}

/**
 * Reads a `.log` segment file without changing it, verifying every batch (structure and
 * CRC) and stopping at the first one that fails. For operators (`brook dump-log`).
 */
export function dumpSegmentFile(file: string, options: { records?: boolean } = {}): SegmentDump {
  const fd = fs.openSync(file, 'r');
  try {
    const fileSize = fs.fstatSync(fd).size;
    const batches: DumpedBatch[] = [];
    const stop = scanSegment(fd, 0, fileSize, true, (b) => {
      const bytes = Buffer.allocUnsafe(b.size);
      readAt(fd, bytes, b.size, b.position);
      const header = readBatchHeader(bytes);
      const batch: DumpedBatch = { position: b.position, size: b.size, header, codec: codecName(codecFromAttributes(header.attributes)) };
      if (options.records === true) batch.records = decodeRecordBatch(bytes).records;
      batches.push(batch);
    });
    return stop === undefined ? { file, fileSize, batches } : { file, fileSize, batches, stop };
  } finally {
    fs.closeSync(fd);
  }
}
