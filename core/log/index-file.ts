import fs from 'node:fs';

/**
 * The on-disk side of a sparse index: entries live in memory and reach the file in
 * bulk on `persist()` (at flush, roll and close). An index is always rebuildable from
 * its segment, so a crash that loses unpersisted entries costs a rebuild, never data.
 */
export class IndexFile {
  readonly path: string;
  private fd: number;
  private pending: Buffer[] = [];
  private persistedBytes: number;

  constructor(path: string) {
    this.path = path;
    this.fd = fs.openSync(path, 'a+');
    this.persistedBytes = fs.fstatSync(this.fd).size;
  }

  readAll(): Buffer {
    const size = fs.fstatSync(this.fd).size;
    const buf = Buffer.allocUnsafe(size);
    let done = 0;
    while (done < size) done += fs.readSync(this.fd, buf, done, size - done, done);
    return buf;
  }

  add(entry: Buffer): void {
    this.pending.push(entry);
  }

  persist(): void {
    if (this.pending.length === 0) return;
    const bytes = Buffer.concat(this.pending);
    this.pending = [];
    fs.writeSync(this.fd, bytes);
    this.persistedBytes += bytes.length;
  }

  /** Replaces the file contents with `entries` (used by rebuild and truncation). */
  rewrite(entries: Buffer): void {
    this.pending = [];
    fs.ftruncateSync(this.fd, 0);
    fs.writeSync(this.fd, entries);
    this.persistedBytes = entries.length;
  }


  sync(): void {
    this.persist();
    fs.fdatasyncSync(this.fd);
  }

  /** The same on the thread pool: a sealed segment's indexes are synced while the broker serves. */
  syncAsync(): Promise<void> {
    this.persist();
    return new Promise((resolve, reject) => {
      fs.fdatasync(this.fd, (err) => {
        if (err) reject(err);
        else resolve();
      });
    });
  }

  close(): void {
    this.persist();
    fs.closeSync(this.fd);
  }
}
