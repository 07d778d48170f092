import type { Clock } from '../../core/base/index.ts';
import { ErrorCode } from '../../core/protocol/index.ts';
import type { Logger } from '../logger.ts';

/** One record of a coordinator's compacted topic; a null value is a tombstone. */
export interface CoordinatorRecord {
  readonly key: Buffer;
  readonly value: Buffer | null;
  /**
   * Written inside a producer's transaction (TxnOffsetCommit's offsets): the record takes
   * effect only when a COMMIT marker of that producer follows it.
   */
  readonly producer?: { readonly producerId: bigint; readonly producerEpoch: number };
  /** A transaction marker met in the log (key empty, value null): it decides the producer's pending records. */
  readonly marker?: { readonly producerId: bigint; readonly committed: boolean };
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
  /**
   * The records reached the log although the write failed (the sync meant to make them
   * durable did not): readers may see them and a later sync may keep them, so memory must
   * be rebuilt from the log rather than left as it was.
   */
  readonly appended: boolean;
}

export type WriteOutcome = { readonly ok: true } | WriteFailure;

/** Where a coordinator keeps its records: appended per key (a group id), read back whole at start. */
export interface CoordinatorLog {
  /** Appends `records` together and resolves once they are durable. */
  append(key: string, records: readonly CoordinatorRecord[], timestamp: bigint): Promise<WriteOutcome>;
  /**
   * Calls `visit` with every stored record, oldest first. With a key, it may visit only the
   * records that share that key's storage (its partition), which include all of the key's own.
   */
  read(visit: (record: CoordinatorRecord) => void, key?: string): void;
}

export interface CoordinatorRuntimeOptions {
  readonly log: CoordinatorLog;
  /** Applies one record to the coordinator's memory: the only way its durable state changes. */
  readonly replay: (record: CoordinatorRecord) => void;
  /** The key a stored record was written under, so that one key's state can be rebuilt from the log alone. */
  readonly keyOf: (record: CoordinatorRecord) => string;
  /** Forgets everything memory holds for `key`, answering whatever waits on it, before its records are replayed again. */
  readonly unload: (key: string) => void;
  readonly clock: Clock;
  readonly logger: Logger;
}

const noop = (): void => undefined;

/**
 * Kafka's coordinator runtime, for one node: operations return records, the runtime writes
 * them and then replays them, and a start replays everything stored. Loading and live
 * writes so go through the same `replay`, and memory never shows what a crash could lose.
 *
 * Writes of one key (a group) are serialised: an operation is decided only once the
 * key's previous write has landed and been replayed (or has failed and been dealt with),
 * so every decision sees every earlier write. Kafka gets the same guarantee by applying
 * records at append into snapshotted structures and reverting on failure; here the
 * coordinator's state machine changes memory directly in many places, which a revert
 * could not undo, so a key waits instead. Different keys still write concurrently and
 * share the log's syncs.
 *
 * A write whose records reached the log but failed to become durable (a failed sync)
 * leaves the log ahead of memory; the key is then unloaded and replayed from the log, as
 * Kafka reloads a coordinator. If even that read fails, the key stays unavailable until a
 * later reload succeeds.
 *
 * The group coordinator and the transaction coordinator run on it.
 */
export class CoordinatorRuntime {
  private readonly options: CoordinatorRuntimeOptions;
  /** Per key, the settlement of its last queued write: the next one is decided after it. */
  private readonly tails = new Map<string, Promise<void>>();
  /** Keys unloaded after a failed write whose reload from the log failed too. */
  private readonly unloaded = new Set<string>();
  private closed = false;

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

  /** Refuses every write not yet decided (NOT_COORDINATOR, as Kafka's runtime at shutdown): the log is about to close. */
  close(): void {
    this.closed = true;
  }

  /**
   * Whether the key's state is in memory. False only after a failed write whose reload
   * from the log failed too; each call tries that reload again.
   */
  available(key: string): boolean {
    return !this.unloaded.has(key) || this.reload(key);
  }

  /**
   * Decides an operation in turn for `key` and writes its records: `decide` runs once the
   * key's earlier writes have settled (at once when none is pending), and once its records
   * are durable they are replayed and its response returned. If the write fails, `onFailure`
   * gives the answer instead, with the response that had been decided (undefined when the
   * key was unavailable and nothing was decided); memory is as it was, or, if the records
   * reached the log, as the log now says.
   *
   * A response that is itself a promise must be wrapped: the queue waits for the response.
   */
  write<T>(key: string, decide: () => CoordinatorResult<T>, onFailure: (failure: WriteFailure, decided: T | undefined) => T): Promise<T> {
    const previous = this.tails.get(key);
    const run = previous === undefined ? this.run(key, decide, onFailure) : previous.then(() => this.run(key, decide, onFailure));
    const tail = run.then(noop, noop);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return run;
  }

  private async run<T>(key: string, decide: () => CoordinatorResult<T>, onFailure: (failure: WriteFailure, decided: T | undefined) => T): Promise<T> {
    if (this.closed) return onFailure({ ok: false, errorCode: ErrorCode.NOT_COORDINATOR, message: 'the coordinator is shutting down', fault: undefined, appended: false }, undefined);
    if (!this.available(key)) {
      return onFailure({ ok: false, errorCode: ErrorCode.NOT_COORDINATOR, message: `the state of '${key}' could not be loaded`, fault: undefined, appended: false }, undefined);
    }
    const result = decide();
    if (result.records.length === 0) return result.response;
    let outcome: WriteOutcome;
    try {
      outcome = await this.options.log.append(key, result.records, BigInt(this.options.clock.now()));
    } catch (error) {
      // Nobody can say how far the append got: rebuilding from the log is right either way.
      outcome = { ok: false, errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, message: error instanceof Error ? error.message : String(error), fault: error, appended: true };
    }
    if (!outcome.ok) {
      // Not once closing: the log may be closed already, and nothing will be served from memory again.
      if (outcome.appended && !this.isClosed()) {
        this.options.logger.warn({ key, errorCode: outcome.errorCode }, 'a coordinator write reached the log but failed; reloading its state from the log');
        this.reload(key);
      }
      return onFailure(outcome, result.response);
    }
    for (const record of result.records) this.options.replay(record);
    return result.response;
  }

  /** Unloads the key and replays its records from the log; false (and the key unloaded) if the log cannot be read. */
  private reload(key: string): boolean {
    this.options.unload(key);
    try {
      this.options.log.read((record) => {
        if (this.owner(record) !== key) return;
        try {
          this.options.replay(record);
        } catch (error) {
          // As at load: one bad record does not keep the rest of the key from loading.
          this.options.logger.warn({ err: error, key }, 'skipping a stored coordinator record that cannot be applied');
        }
      }, key);
    } catch (error) {
      // Half a replay is worse than none: nothing of the key is served until a reload succeeds.
      this.options.unload(key);
      if (!this.unloaded.has(key)) this.options.logger.error({ err: error, key }, 'coordinator state cannot be reloaded from the log; unavailable until it can');
      this.unloaded.add(key);
      return false;
    }
    this.unloaded.delete(key);
    return true;
  }

  /** Read through a call: `closed` may change while a write is awaited. */
  private isClosed(): boolean {
    return this.closed;
  }

  private owner(record: CoordinatorRecord): string | undefined {
    try {
      return this.options.keyOf(record);
    } catch {
      return undefined;
    }
  }
}
