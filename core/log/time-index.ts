import { IndexFile } from './index-file.ts';

export const TIME_INDEX_ENTRY_BYTES = 12;

/**
 * Sparse time index, Kafka's `.timeindex` format: 12-byte entries of (int64 timestamp,
 * int32 relative offset). Timestamps strictly increase: an entry is added only when a
 * batch raises the segment's largest timestamp.
 */
export class TimeIndex {
  private timestamps: bigint[] = [];
  private relOffsets: number[] = [];
  private readonly file: IndexFile;

  constructor(path: string) {
    this.file = new IndexFile(path);
  }

  get entries(): number {
    return this.timestamps.length;
  }

  get lastTimestamp(): bigint | undefined {
    return this.timestamps[this.timestamps.length - 1];
  }

  load(relLimit: number): string | undefined {
    const bytes = this.file.readAll();
    if (bytes.length % TIME_INDEX_ENTRY_BYTES !== 0) return `size ${bytes.length} is not a multiple of ${TIME_INDEX_ENTRY_BYTES}`;
    this.clear();
    for (let pos = 0; pos < bytes.length; pos += TIME_INDEX_ENTRY_BYTES) {
      const timestamp = bytes.readBigInt64BE(pos);
      const rel = bytes.readInt32BE(pos + 8);
      const last = this.timestamps.length - 1;
      if ((last >= 0 && (timestamp <= this.timestamps[last]! || rel < this.relOffsets[last]!)) || rel < 0 || rel >= relLimit) {
        this.clear();
        return `entry ${pos / TIME_INDEX_ENTRY_BYTES} (timestamp ${timestamp}, offset +${rel}) is out of order or beyond the log`;
      }
      this.timestamps.push(timestamp);
      this.relOffsets.push(rel);
    }
    return undefined;
  }

  /** Records that `timestamp` is reached at `relOffset`, if it raises the largest timestamp. */
  maybeAppend(timestamp: bigint, relOffset: number): void {
    const last = this.lastTimestamp;
    if (last !== undefined && timestamp <= last) return;
    this.timestamps.push(timestamp);
    this.relOffsets.push(relOffset);
    const entry = Buffer.allocUnsafe(TIME_INDEX_ENTRY_BYTES);
    entry.writeBigInt64BE(timestamp, 0);
    entry.writeInt32BE(relOffset, 8);
    this.file.add(entry);
  }

  /** Relative offset to start searching for `timestamp`: the last entry below it, else 0. */
  lookup(timestamp: bigint): number {
    let found = 0;
    for (let lo = 0, hi = this.timestamps.length - 1; lo <= hi; ) {
      const mid = (lo + hi) >>> 1;
      if (this.timestamps[mid]! < timestamp) {
        found = this.relOffsets[mid]!;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }


  rewriteFile(): void {
    const bytes = Buffer.allocUnsafe(this.timestamps.length * TIME_INDEX_ENTRY_BYTES);
    this.timestamps.forEach((ts, i) => {
      bytes.writeBigInt64BE(ts, i * TIME_INDEX_ENTRY_BYTES);
      bytes.writeInt32BE(this.relOffsets[i]!, i * TIME_INDEX_ENTRY_BYTES + 8);
    });
    this.file.rewrite(bytes);
  }

  clear(): void {
    this.timestamps = [];
    this.relOffsets = [];
  }

  persist(): void {
    this.file.persist();
  }

  syncAsync(): Promise<void> {
    return this.file.syncAsync();
  }

  sync(): void {
    this.file.sync();
  }

  close(): void {
    this.file.close();
  }
}
