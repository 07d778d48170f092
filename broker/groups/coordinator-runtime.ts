import type { Clock } from '../../core/base/index.ts';
import { ErrorCode } from '../../core/protocol/index.ts';
import type { Logger } from '../logger.ts';

/** One record of a coordinator's compacted topic; a null value is a tombstone. */
export interface CoordinatorRecord {
  readonly key: Buffer;
  readonly value: Buffer | null;
}

/**
 * What a coordinator operation decides: the answer for the client and the records that
 * make it true. The records are applied to memory (by `replay`) only once they are written.
 */
export interface CoordinatorResult<T> {
  readonly response: T;
  readonly records: readonly CoordinatorRecord[];
}

/** A write that did not happen, as the Kafka error the storage layer gave it. */
export interface WriteFailure {
  readonly ok: false;
  readonly errorCode: number;
  readonly message: string;
  /** The exception behind it, when the disk or the broker is at fault; else undefined. */
  readonly fault: unknown;
}

export type WriteOutcome = { readonly ok: true } | WriteFailure;

/** Where a coordinator keeps its records: appended per key (a group id), read back whole at start. */
export interface CoordinatorLog {
  /** Appends `records` together and resolves once they are durable. */
  append(key: string, records: readonly CoordinatorRecord[], timestamp: bigint): Promise<WriteOutcome>;
  /** Calls `visit` with every stored record, oldest first. */
  read(visit: (record: CoordinatorRecord) => void): void;
}

export interface CoordinatorRuntimeOptions {
  readonly log: CoordinatorLog;
  /** Applies one record to the coordinator's memory: the only way its durable state changes. */
  readonly replay: (record: CoordinatorRecord) => void;
  readonly clock: Clock;
  readonly logger: Logger;
}

/**
 * Kafka's coordinator runtime, for one node: operations return records, the runtime writes
 * them and then replays them, and a start replays everything stored. Loading and live
 * writes so go through the same `replay`, and memory never shows what a crash could lose.
 * The group coordinator runs on it; the transaction coordinator is to run on it too.
 */
export class CoordinatorRuntime {
  private readonly options: CoordinatorRuntimeOptions;

  constructor(options: CoordinatorRuntimeOptions) {
    this.options = options;
  }

  /** Replays every stored record. A record that cannot be applied is skipped (and counted), so one bad record does not keep the rest from loading. */
  load(): { records: number; damaged: number } {
    let records = 0;
    let damaged = 0;
    this.options.log.read((record) => {
      records++;
      try {
        this.options.replay(record);
      } catch (error) {
        damaged++;
        if (damaged === 1) this.options.logger.warn({ err: error }, 'skipping a stored coordinator record that cannot be applied');
      }
    });
    return { records, damaged };
  }

  /**
   * Writes the result's records (under `key`: records of one key stay in order) and, once
   * they are durable, replays them and returns the response; if the write fails, memory is
   * untouched and `onFailure` gives the answer instead.
   */
  async write<T>(key: string, result: CoordinatorResult<T>, onFailure: (failure: WriteFailure) => T): Promise<T> {
    if (result.records.length === 0) return result.response;
    let outcome: WriteOutcome;
    try {
      outcome = await this.options.log.append(key, result.records, BigInt(this.options.clock.now()));
    } catch (error) {
      outcome = { ok: false, errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, message: error instanceof Error ? error.message : String(error), fault: error };
    }
    if (!outcome.ok) return onFailure(outcome);
    for (const record of result.records) this.options.replay(record);
    return result.response;
  }
}
