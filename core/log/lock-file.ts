import fs from 'node:fs';
import path from 'node:path';
import { LogError, LogErrorCode } from './errors.ts';

const LOCK_NAME = '.lock';

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * An exclusive claim on a data directory: a `.lock` file created with O_EXCL holding the
 * owner's pid. Node has no flock, so a lock whose owner is no longer running (after a
 * kill -9) is recognised as stale and taken over.
 */
export class DataDirLock {
  private readonly file: string;
  private released = false;

  private constructor(file: string) {
    this.file = file;
  }

  static acquire(dataDir: string): DataDirLock {
    fs.mkdirSync(dataDir, { recursive: true });
    const file = path.join(dataDir, LOCK_NAME);
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        fs.writeFileSync(file, `${process.pid}\n`, { flag: 'wx' });
        return new DataDirLock(file);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const owner = Number.parseInt(fs.readFileSync(file, 'utf8'), 10);
      if (Number.isInteger(owner) && owner > 0 && processAlive(owner)) {
        const who = owner === process.pid ? 'this process' : `process ${owner}`;
        throw new LogError(
          LogErrorCode.DATA_DIR_LOCKED,
          `data directory ${dataDir} is in use by ${who}; stop it or choose another data directory`,
        );
      }
      fs.rmSync(file, { force: true });
    }
    throw new LogError(LogErrorCode.DATA_DIR_LOCKED, `could not lock data directory ${dataDir}: another process keeps claiming it`);
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    fs.rmSync(this.file, { force: true });
  }
}
