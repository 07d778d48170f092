import fs from 'node:fs';
import path from 'node:path';
import { syncDirectoryAsync, writeFileAtomicAsync } from '../atomic-write.ts';
import type { ProducerStateStore } from './producer-state-store.ts';

/** The disk side of a snapshot round; tests pass one that records or fails. */
export interface SnapshotWriter {
  /** Temporary file, fsync, rename over `file`; no directory fsync (the round makes those). */
  writeFile(file: string, contents: string): Promise<void>;
  syncDirectory(dir: string): Promise<void>;
}

export const fsSnapshotWriter: SnapshotWriter = {
  writeFile: (file, contents) => writeFileAtomicAsync(file, contents, { syncDirectory: false }),
  syncDirectory: syncDirectoryAsync,
};

export interface SnapshotRound {
  /** Snapshots written (renamed into place). */
  readonly written: number;
  /** Partitions skipped because nothing changed since their last snapshot. */
  readonly unchanged: number;
  /** Writes or directory syncs that failed; the partition stays changed and is retried next round. */
  readonly failures: readonly { readonly file: string; readonly error: unknown }[];
}

export interface ProducerSnapshotterOptions {
  /** The partitions' stores, asked afresh at the start of every round. */
  readonly stores: () => Iterable<ProducerStateStore>;
  readonly writer?: SnapshotWriter;
  /**
   * Writes in flight at once. Each one holds a thread of libuv's pool (4 by default) through
   * its fsync, and the log's group-commit fdatasync needs one too, so a round never takes
   * them all.
   */
  readonly concurrency?: number;
}

const DEFAULT_CONCURRENCY = 2;

/**
 * Rounds of producer-state snapshots. Only partitions whose state or log end moved since
 * their last snapshot are written, with asynchronous I/O and a bounded number in flight,
 * so that a broker with thousands of partitions keeps serving requests during a round;
 * each directory that got a new snapshot is fsynced once, after its rename. A round asked
 * for while one runs joins the running one: never two rounds at once. `close` waits for the
 * running round, then makes a final one.
 *
 * A snapshot is only a shortcut for the next start (which replays the log after it), so a
 * crash mid-round is harmless: each file is either the old snapshot or the new one, and a
 * lost rename only means a little more log to replay.
 */
export class ProducerSnapshotter {
  private readonly stores: () => Iterable<ProducerStateStore>;
  private readonly writer: SnapshotWriter;
  private readonly concurrency: number;
  private running: Promise<SnapshotRound> | undefined;
  private closing: Promise<SnapshotRound> | undefined;

  constructor(options: ProducerSnapshotterOptions) {
    this.stores = options.stores;
    this.writer = options.writer ?? fsSnapshotWriter;
    this.concurrency = Math.max(1, options.concurrency ?? DEFAULT_CONCURRENCY);
  }

  /** Starts a round, or returns the one in progress. After close, resolves to the final round. */
  run(): Promise<SnapshotRound> {
    if (this.closing !== undefined) return this.closing;
    return this.startRound();
  }

  get roundInProgress(): boolean {
    return this.running !== undefined;
  }

  /** Waits for a running round, then snapshots what changed since. Idempotent. */
  close(): Promise<SnapshotRound> {
    this.closing ??= (async () => {
      await this.running?.catch(() => undefined);
      return this.startRound();
    })();
    return this.closing;
  }

  private startRound(): Promise<SnapshotRound> {
    if (this.running !== undefined) return this.running;
    const round = this.round().finally(() => {
      this.running = undefined;
    });
    this.running = round;
    return round;
  }

  private async round(): Promise<SnapshotRound> {
    const queue = [...this.stores()];
    let unchanged = 0;
    let written = 0;
    const failures: { file: string; error: unknown }[] = [];
    const dirs = new Set<string>();
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < queue.length) {
        const store = queue[next++]!;
        if (!store.changedSinceSnapshot) {
          unchanged++;
          continue;
        }
        // Taken when its turn comes, not at the start, so it is as fresh as it can be.
        const pending = store.takeSnapshot();
        try {
          await this.writer.writeFile(pending.file, pending.contents);
          pending.written();
          written++;
          dirs.add(path.dirname(pending.file));
        } catch (error) {
          // A partition deleted during the round has no directory left to snapshot into.
          if (fs.existsSync(path.dirname(pending.file))) failures.push({ file: pending.file, error });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, queue.length) }, worker));
    const dirList = [...dirs];
    let nextDir = 0;
    const syncer = async (): Promise<void> => {
      while (nextDir < dirList.length) {
        const dir = dirList[nextDir++]!;
        try {
          await this.writer.syncDirectory(dir);
        } catch (error) {
          if (fs.existsSync(dir)) failures.push({ file: dir, error });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, dirList.length) }, syncer));
    return { written, unchanged, failures };
  }
}
