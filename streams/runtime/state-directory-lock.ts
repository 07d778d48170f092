import { mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { StreamsError, StreamsErrorCode, messageOf } from '../errors.ts';
import type { StreamsLogger } from '../processor/error-handlers.ts';

/** The lock file in `<stateDir>/<applicationId>/`, holding the pid of the instance that owns the directory. */
export const LOCK_FILE = '.lock';

/** Takeovers of a stale lock tried before giving up (another process may be taking it over at the same moment). */
const TAKEOVER_ATTEMPTS = 3;

/** Directories locked by an instance of this process: its pid is alive, yet the lock is not stale. */
const heldHere = new Set<string>();

/** Whether a process with this pid runs (signal 0 only checks; EPERM means it runs as another user). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readOwner(path: string): Promise<number | undefined> {
  try {
    const pid = Number.parseInt((await readFile(path, 'utf8')).trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Kafka Streams' StateDirectory lock: one instance at a time owns `<stateDir>/<applicationId>`.
 * Two instances on one directory would overwrite each other's checkpoints and snapshots, and under
 * exactly_once_v2 share one process id, so one transactional id: each would fence the other.
 * The lock is a file created exclusively (`wx`) holding the owner's pid; a lock whose pid no
 * longer runs (a crash, kill -9) is stale and taken over.
 */
export class StateDirectoryLock {
  readonly directory: string;
  private readonly path: string;
  private held = false;

  private constructor(directory: string) {
    this.directory = directory;
    this.path = join(directory, LOCK_FILE);
  }

  /** Locks the directory, or rejects naming it and the pid that holds it. */
  static async acquire(stateDir: string, applicationId: string, logger: StreamsLogger): Promise<StateDirectoryLock> {
    const lock = new StateDirectoryLock(join(stateDir, applicationId));
    await mkdir(lock.directory, { recursive: true });
    for (let attempt = 0; ; attempt++) {
      if (!heldHere.has(lock.directory)) {
        try {
          await writeFile(lock.path, `${process.pid}\n`, { flag: 'wx' });
          heldHere.add(lock.directory);
          lock.held = true;
          return lock;
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        }
      }
      const owner = await readOwner(lock.path);
      // This process's own pid is alive, so it counts only when an instance here holds the lock.
      const stale = !heldHere.has(lock.directory) && (owner === undefined || owner === process.pid || !isProcessAlive(owner));
      if (!stale || attempt >= TAKEOVER_ATTEMPTS) {
        const who = owner === undefined ? 'another instance' : owner === process.pid ? `another instance in this process (pid ${owner})` : `the process with pid ${owner}`;
        throw new StreamsError(
          StreamsErrorCode.INVALID_CONFIG,
          `the state directory '${lock.directory}' is locked by ${who}: two instances of '${applicationId}' cannot share a stateDir (give each its own)`,
        );
      }
      logger.warn({ directory: lock.directory, pid: owner }, 'taking over the state directory lock of a process that is no longer running');
      await unlink(lock.path).catch((error: unknown) => {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      });
    }
  }

  /** Lets the directory go (idempotent); a failure to remove the file is logged: the next owner finds it stale. */
  async release(logger: StreamsLogger): Promise<void> {
    if (!this.held) return;
    this.held = false;
    heldHere.delete(this.directory);
    try {
      if ((await readOwner(this.path)) === process.pid) await unlink(this.path);
    } catch (error) {
      logger.warn({ directory: this.directory, error: messageOf(error) }, 'the state directory lock could not be removed; the next instance takes it over as stale');
    }
  }
}
