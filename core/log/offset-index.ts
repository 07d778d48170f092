import { IndexFile } from './index-file.ts';

export const OFFSET_INDEX_ENTRY_BYTES = 8;

/**
 * Sparse offset index, Kafka's `.index` format: 8-byte entries of (int32 offset relative
 * to the segment base, int32 byte position). Each entry maps a batch's last offset to
 * the position where that batch starts.
 */
export class OffsetIndex {
  private relOffsets = new Int32Array(64);
  private positions = new Int32Array(64);
  private count = 0;
  private readonly file: IndexFile;

  constructor(path: string) {
    this.file = new IndexFile(path);
  }

  get entries(): number {
    return this.count;
  }

  /**
   * Loads the file and checks it can be trusted against a log of `logSize` bytes whose
   * offsets are below `relLimit`. Returns a reason when it cannot; the caller rebuilds.
   */
  load(logSize: number, relLimit: number): string | undefined {
    const bytes = this.file.readAll();
    if (bytes.length % OFFSET_INDEX_ENTRY_BYTES !== 0) return `size ${bytes.length} is not a multiple of ${OFFSET_INDEX_ENTRY_BYTES}`;
    this.count = 0;
    for (let pos = 0; pos < bytes.length; pos += OFFSET_INDEX_ENTRY_BYTES) {
      const rel = bytes.readInt32BE(pos);
      const position = bytes.readInt32BE(pos + 4);
      const prevRel = this.count > 0 ? this.relOffsets[this.count - 1]! : -1;
      const prevPos = this.count > 0 ? this.positions[this.count - 1]! : -1;
      if (rel <= prevRel || position <= prevPos || position >= logSize || rel >= relLimit) {
        this.count = 0;
        return `entry ${pos / OFFSET_INDEX_ENTRY_BYTES} (offset +${rel} at byte ${position}) is out of order or beyond the log`;
      }
      this.push(rel, position);
    }
    return undefined;
  }

  append(relOffset: number, position: number): void {
    this.push(relOffset, position);
    const entry = Buffer.allocUnsafe(OFFSET_INDEX_ENTRY_BYTES);
    entry.writeInt32BE(relOffset, 0);
    entry.writeInt32BE(position, 4);
    this.file.add(entry);
  }

  /** Byte position from which to scan for `relOffset`: the last entry at or below it. */
  lookup(relOffset: number): number {
    let lo = 0;
    let hi = this.count - 1;
    let found = 0;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.relOffsets[mid]! <= relOffset) {
        found = this.positions[mid]!;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }


  /** Writes the in-memory entries as the whole file. */
  rewriteFile(): void {
    const bytes = Buffer.allocUnsafe(this.count * OFFSET_INDEX_ENTRY_BYTES);
    for (let i = 0; i < this.count; i++) {
      bytes.writeInt32BE(this.relOffsets[i]!, i * OFFSET_INDEX_ENTRY_BYTES);
      bytes.writeInt32BE(this.positions[i]!, i * OFFSET_INDEX_ENTRY_BYTES + 4);
    }
    this.file.rewrite(bytes);
  }

  clear(): void {
    this.count = 0;
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

  private push(rel: number, position: number): void {
    if (this.count === this.relOffsets.length) {
      const rels = new Int32Array(this.count * 2);
      rels.set(this.relOffsets);
      this.relOffsets = rels;
      const positions = new Int32Array(this.count * 2);
      positions.set(this.positions);
      this.positions = positions;
    }
    this.relOffsets[this.count] = rel;
    this.positions[this.count] = position;
    this.count++;
  }
}
