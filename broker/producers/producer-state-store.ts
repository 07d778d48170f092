import fs from 'node:fs';
import path from 'node:path';
import type { PartitionLog } from '../../core/log/index.ts';
import { writeFileAtomic } from '../atomic-write.ts';
import { PartitionProducerState } from './producer-state.ts';
import type { CompletedTxn } from './producer-state.ts';

export const PRODUCER_STATE_SNAPSHOT_FILE = 'producer-state.snapshot';

export type ProducerStateSource = 'snapshot' | 'log';

/** A snapshot taken in memory, to be written by the caller; `written()` records it as the latest on disk. */
export interface PendingSnapshot {
  readonly file: string;
  readonly contents: string;
  written(): void;
}

/** What the last snapshot on disk covers: the state's change count and the log end offset then. */
interface SnapshotMark {
  readonly changeCount: number;
  readonly offset: bigint;
}

/**
 * Keeps a partition's producer state across restarts. The snapshot is only a shortcut:
 * on open the log after the snapshot's offset is always replayed, so batches appended
 * after the last snapshot (say, just before a kill -9) are known again, and a snapshot
 * that is missing, damaged or does not fit the log is replaced by a replay of the whole log.
 */
export class ProducerStateStore {
  readonly state: PartitionProducerState;
  /** Where the state came from: a snapshot plus the log after it, or the log alone. */
  readonly rebuiltFrom: ProducerStateSource;
  /** Why an existing snapshot was not used, for the caller to log; undefined otherwise. */
  readonly snapshotProblem: string | undefined;
  readonly snapshotFile: string;
  private readonly log: PartitionLog;
  private lastWritten: SnapshotMark | undefined;

  private constructor(
    log: PartitionLog,
    state: PartitionProducerState,
    rebuiltFrom: ProducerStateSource,
    snapshotProblem: string | undefined,
    snapshotOffset?: bigint,
  ) {
    this.log = log;
    this.state = state;
    this.rebuiltFrom = rebuiltFrom;
    this.snapshotProblem = snapshotProblem;
    this.snapshotFile = snapshotPath(log);
    // A snapshot that already covers the whole log, or an empty log, needs no rewrite until something changes.
    const upToDate = rebuiltFrom === 'snapshot' ? snapshotOffset === log.logEndOffset : log.logEndOffset === 0n && state.producerCount === 0;
    if (upToDate) this.lastWritten = { changeCount: state.changeCount, offset: log.logEndOffset };
  }

  static open(log: PartitionLog): ProducerStateStore {
    const file = snapshotPath(log);
    const loaded = readSnapshot(file);
    let problem = loaded.problem;
    if (loaded.restored !== undefined) {
      const { state, offset } = loaded.restored;
      if (offset > log.logEndOffset) {
        // The log lost its tail (power loss before a flush) after the snapshot was written.
        problem = `snapshot ${file} was taken at offset ${offset}, beyond the log end offset ${log.logEndOffset}`;
      } else if (offset < log.logStartOffset) {
        problem = `snapshot ${file} was taken at offset ${offset}, below the log start offset ${log.logStartOffset}`;
      } else {
        state.removeProducersBefore(log.logStartOffset);
        restoreAbortIndex(log, state.loadFromLog(log, offset));
        return new ProducerStateStore(log, state, 'snapshot', undefined, offset);
      }
    }
    const state = new PartitionProducerState();
    restoreAbortIndex(log, state.loadFromLog(log));
    return new ProducerStateStore(log, state, 'log', problem);
  }

  /**
   * Saves the state as of the log end offset (temporary file, fsync, rename). Call it
   * between appends, never between prepare() and commit().
   */
  writeSnapshot(): void {
    const pending = this.takeSnapshot();
    writeFileAtomic(pending.file, pending.contents);
    pending.written();
  }

  /**
   * True when the state or the log end offset moved since the last snapshot this store
   * wrote (or read at open): only then is a new snapshot worth its write. A moved log end
   * alone counts, since it is what a restart would otherwise have to replay.
   */
  get changedSinceSnapshot(): boolean {
    const mark = this.lastWritten;
    return mark === undefined || mark.changeCount !== this.state.changeCount || mark.offset !== this.log.logEndOffset;
  }

  /**
   * The state as of the log end offset, in memory, for the caller to write (with any I/O it
   * likes). Taking it is synchronous, so it never sees half an append; the same rule as
   * writeSnapshot applies: not between prepare() and commit().
   */
  takeSnapshot(): PendingSnapshot {
    const mark: SnapshotMark = { changeCount: this.state.changeCount, offset: this.log.logEndOffset };
    const contents = `${JSON.stringify(this.state.snapshot(mark.offset))}\n`;
    return {
      file: this.snapshotFile,
      contents,
      written: () => {
        // Rounds may finish out of order; an older snapshot never overrides the mark of a newer one.
        if (this.lastWritten === undefined || this.lastWritten.changeCount <= mark.changeCount) this.lastWritten = mark;
      },
    };
  }
}

/**
 * Puts back the aborted-transaction index entries of the markers a replay met: an entry is
 * written right after its marker, so one can be missing only if a crash came between the
 * two (or took an unsynced index page with it). Present entries are left alone.
 */
function restoreAbortIndex(log: PartitionLog, completed: readonly CompletedTxn[]): void {
  for (const txn of completed) {
    if (!txn.aborted) continue;
    log.recordAbortedTransaction({ producerId: txn.producerId, firstOffset: txn.firstOffset, lastOffset: txn.lastOffset, lastStableOffset: txn.lastStableOffset });
  }
}

function snapshotPath(log: PartitionLog): string {
  return path.join(log.dir, PRODUCER_STATE_SNAPSHOT_FILE);
}

interface LoadedSnapshot {
  restored?: ReturnType<typeof PartitionProducerState.restore>;
  problem?: string;
}

function readSnapshot(file: string): LoadedSnapshot {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    return { problem: `snapshot ${file} is unreadable: ${messageOf(error)}` };
  }
  try {
    return { restored: PartitionProducerState.restore(JSON.parse(text)) };
  } catch (error) {
    return { problem: `snapshot ${file} is unusable: ${messageOf(error)}` };
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
