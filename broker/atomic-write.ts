import fs from 'node:fs';
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
    throw new BrookError('ERR_BROKER_IO_FAILED', `could not write ${file}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
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
