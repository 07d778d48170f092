import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { BrookError } from '../core/base/index.ts';

/**
 * Replaces `file` with `contents` so that a crash at any point leaves either the old or
 * the new file, never a torn one: write a temporary file, fsync it, rename it over, then
 * fsync the directory so the rename itself survives a power loss.
 */
export function writeFileAtomic(file: string, contents: string): void {
  const tmp = `${file}.tmp`;
  try {
    const fd = fs.openSync(tmp, 'w');
    try {
      fs.writeFileSync(fd, contents);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
    syncDirectory(path.dirname(file));
  } catch (error) {
    fs.rmSync(tmp, { force: true });
    throw ioFailed(file, error);
  }
}

/**
 * The same steps as writeFileAtomic on the thread pool, so the event loop keeps serving
 * while the disk works. `syncDirectory: false` leaves the directory fsync to the caller,
 * who can then make one for many files renamed in the same directory, or none where a
 * lost rename only means the previous file is read (a cache such as a snapshot).
 */
export async function writeFileAtomicAsync(file: string, contents: string, options: { syncDirectory?: boolean } = {}): Promise<void> {
  const tmp = `${file}.tmp`;
  try {
    const handle = await fsp.open(tmp, 'w');
    try {
      await handle.writeFile(contents);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fsp.rename(tmp, file);
    if (options.syncDirectory ?? true) await syncDirectoryAsync(path.dirname(file));
  } catch (error) {
    await fsp.rm(tmp, { force: true }).catch(() => undefined);
    throw ioFailed(file, error);
  }
}

/** fsync of a directory on the thread pool: makes the renames done in it durable. */
export async function syncDirectoryAsync(dir: string): Promise<void> {
  const handle = await fsp.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function syncDirectory(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

function ioFailed(file: string, error: unknown): BrookError {
  return new BrookError('ERR_BROKER_IO_FAILED', `could not write ${file}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
}
