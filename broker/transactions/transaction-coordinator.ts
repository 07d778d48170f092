import type { Scheduler, Timer } from '../../core/base/index.ts';
import { ErrorCode } from '../../core/protocol/index.ts';
import { CoordinatorRuntime } from '../coordinator/index.ts';
import type { CoordinatorLog, CoordinatorRecord, CoordinatorResult, WriteFailure } from '../coordinator/index.ts';
import type { Logger } from '../logger.ts';
import { haltPointFromEnv, TxnHaltPoint } from './halt-point.ts';
import { checkTransition, isPreparing, TxnState } from './transaction-metadata.ts';
import { decodeTxnKey, decodeTxnValue, encodeTxnKey, encodeTxnValue } from './txn-records.ts';
import type { StoredTxn, TxnTopicPartitions } from './txn-records.ts';

export interface TxnPartition {
  readonly topic: string;
  readonly partition: number;
}

export interface TransactionSettings {
  /** transaction.max.timeout.ms: the longest transaction.timeout.ms a producer may ask for. */
  readonly maxTimeoutMs: number;
  /** transaction.abort.timed.out.transaction.cleanup.interval.ms: how often expired transactions are looked for. */
  readonly abortTimedOutCheckIntervalMs: number;
  /** How long a failed marker write waits before it is tried again. */
  readonly markerRetryBackoffMs: number;
}

/** A transaction marker for one partition, as the coordinator asks for it. */
export interface MarkerRequest {
  readonly producerId: bigint;
  readonly producerEpoch: number;
  readonly committed: boolean;
  readonly coordinatorEpoch: number;
}

/** Writes the markers (WriteTxnMarkers on one node): resolves to a Kafka error code, NONE once the marker is durable. */
export type MarkerWriter = (target: TxnPartition, marker: MarkerRequest) => Promise<number>;

export interface TransactionCoordinatorOptions {
  /** `__transaction_state`, or an in-memory log in unit tests. */
  readonly log: CoordinatorLog;
  readonly settings: TransactionSettings;
  readonly scheduler: Scheduler;
  readonly logger: Logger;
  /** A fresh producer id, never handed out before. */
  readonly nextProducerId: () => bigint;
  readonly partitionExists: (topic: string, partition: number) => boolean;
  readonly writeMarker: MarkerWriter;
  /** Crash tests only: where completing a transaction stops (default: BROOK_TXN_HALT_AT, normally unset). */
  readonly haltAt?: TxnHaltPoint;
}

/** What a producer is told: Kafka's error plus, for InitProducerId, the id and epoch. */
export interface InitProducerIdResult {
  readonly errorCode: number;
  readonly producerId: bigint;
  readonly producerEpoch: number;
}

export interface ProducerRef {
  readonly transactionalId: string;
  readonly producerId: bigint;
  readonly producerEpoch: number;
}

/** One transactional id's state in memory: exactly what its last record says. */
interface TxnMeta {
  producerId: bigint;
  producerEpoch: number;
  timeoutMs: number;
  state: TxnState;
  partitions: TxnPartition[];
  lastUpdateMs: bigint;
  startMs: bigint;
}

/** Kafka bumps to a new producer id before the epoch would reach Short.MAX_VALUE. */
const MAX_EPOCH = 0x7fff - 1;
/** One node, one coordinator incarnation: markers carry epoch 0. */
const COORDINATOR_EPOCH = 0;

/**
 * Kafka's transaction coordinator on one broker. Each transactional id's state lives in
 * `__transaction_state`: every operation decides records (through the shared
 * CoordinatorRuntime, one write at a time per transactional id), and `replay` applies them,
 * live and at start alike. EndTxn writes PrepareCommit/PrepareAbort, answers, then writes a
 * marker to every partition of the transaction and finally CompleteCommit/CompleteAbort; a
 * restart finds a transaction left in a Prepare state and finishes it. Ongoing transactions
 * older than their timeout are aborted with a bumped epoch, which fences their producer.
 */
export class TransactionCoordinator {
  private readonly options: TransactionCoordinatorOptions;
  private readonly scheduler: Scheduler;
  private readonly logger: Logger;
  private readonly runtime: CoordinatorRuntime;
  private readonly txns = new Map<string, TxnMeta>();
  /** Transactions whose markers are being written, so that one is never completed twice at once. */
  private readonly completing = new Set<string>();
  private expiryTimer: Timer | undefined;
  private readonly retryTimers = new Set<Timer>();
  private closed = false;
  private readonly haltAt: TxnHaltPoint | undefined;

  constructor(options: TransactionCoordinatorOptions) {
    this.options = options;
    this.haltAt = options.haltAt ?? haltPointFromEnv();
    this.scheduler = options.scheduler;
    this.logger = options.logger.child({ component: 'transactions' });
    this.runtime = new CoordinatorRuntime({
      log: options.log,
      replay: (record) => {
        this.replay(record);
      },
      keyOf: (record) => decodeTxnKey(record.key),
      unload: (transactionalId) => {
        this.txns.delete(transactionalId);
      },
      clock: options.scheduler,
      logger: this.logger,
    });
  }

  /** Rebuilds every transactional id from the log, finishes transactions a stop left half done, and starts expiry. */
  start(): void {
    const { records, damaged } = this.runtime.load();
    this.logger.info({ transactionalIds: this.txns.size, records, damaged }, 'loaded transactions from __transaction_state');
    for (const [id, meta] of this.txns) if (isPreparing(meta.state)) this.complete(id);
    this.expiryTimer = this.scheduler
      .setInterval(() => {
        this.abortExpired();
      }, this.options.settings.abortTimedOutCheckIntervalMs)
      .unref();
  }

  close(): void {
    this.closed = true;
    this.runtime.close();
    this.scheduler.clearInterval(this.expiryTimer);
    for (const timer of this.retryTimers) this.scheduler.clearTimeout(timer);
    this.retryTimers.clear();
  }

  /** The state of a transactional id, for tests and tools. */
  describe(transactionalId: string): Readonly<StoredTxn> | undefined {
    const meta = this.txns.get(transactionalId);
    return meta === undefined ? undefined : toStored(meta);
  }

  /** Every transactional id this coordinator holds, with its producer id and state (ListTransactions). */
  list(): { transactionalId: string; producerId: bigint; state: TxnState }[] {
    return [...this.txns].map(([transactionalId, meta]) => ({ transactionalId, producerId: meta.producerId, state: meta.state }));
  }

  // ---- the requests --------------------------------------------------------------------

  /** InitProducerId with a transactional id (Kafka's handleInitProducerId). */
  initProducerId(transactionalId: string, timeoutMs: number): Promise<InitProducerIdResult> {
    const fail = (errorCode: number): InitProducerIdResult => ({ errorCode, producerId: -1n, producerEpoch: -1 });
    if (transactionalId === '') return Promise.resolve(fail(ErrorCode.INVALID_REQUEST));
    if (timeoutMs <= 0 || timeoutMs > this.options.settings.maxTimeoutMs) return Promise.resolve(fail(ErrorCode.INVALID_TRANSACTION_TIMEOUT));
    let fencing = false;
    return this.runtime
      .write(
        transactionalId,
        (): CoordinatorResult<InitProducerIdResult> => {
          const now = BigInt(this.scheduler.now());
          const meta = this.txns.get(transactionalId);
          if (meta === undefined) {
            const fresh: TxnMeta = { producerId: this.options.nextProducerId(), producerEpoch: 0, timeoutMs, state: TxnState.EMPTY, partitions: [], lastUpdateMs: now, startMs: -1n };
            return { response: { errorCode: ErrorCode.NONE, producerId: fresh.producerId, producerEpoch: 0 }, records: [record(transactionalId, fresh)] };
          }
          switch (meta.state) {
            case TxnState.PREPARE_COMMIT:
            case TxnState.PREPARE_ABORT:
              return { response: fail(ErrorCode.CONCURRENT_TRANSACTIONS), records: [] };
            case TxnState.ONGOING: {
              // A new instance while the old one's transaction is open: abort it under a bumped
              // epoch, which fences the old instance; the new one retries once it is done.
              fencing = true;
              const next = this.transition(transactionalId, meta, TxnState.PREPARE_ABORT, { producerEpoch: meta.producerEpoch + 1, lastUpdateMs: now });
              return { response: fail(ErrorCode.CONCURRENT_TRANSACTIONS), records: [record(transactionalId, next)] };
            }
            case TxnState.EMPTY:
            case TxnState.COMPLETE_COMMIT:
            case TxnState.COMPLETE_ABORT: {
              const exhausted = meta.producerEpoch >= MAX_EPOCH;
              const next = this.transition(transactionalId, meta, TxnState.EMPTY, {
                producerId: exhausted ? this.options.nextProducerId() : meta.producerId,
                producerEpoch: exhausted ? 0 : meta.producerEpoch + 1,
                timeoutMs,
                partitions: [],
                lastUpdateMs: now,
                startMs: -1n,
              });
              return { response: { errorCode: ErrorCode.NONE, producerId: next.producerId, producerEpoch: next.producerEpoch }, records: [record(transactionalId, next)] };
            }
            case TxnState.DEAD:
            case TxnState.PREPARE_EPOCH_FENCE:
              return { response: fail(ErrorCode.INVALID_TXN_STATE), records: [] };
          }
        },
        (failure) => fail(writeError(failure)),
      )
      .then((result) => {
        if (fencing) this.complete(transactionalId);
        return result;
      });
  }

  /** AddPartitionsToTxn: an error per partition (Kafka answers every partition with the same error, or OPERATION_NOT_ATTEMPTED beside an unknown one). */
  addPartitions(ref: ProducerRef, partitions: readonly TxnPartition[]): Promise<Map<TxnPartition, number>> {
    const all = (errorCode: number): Map<TxnPartition, number> => new Map(partitions.map((p) => [p, errorCode]));
    const unknown = partitions.filter((p) => !this.options.partitionExists(p.topic, p.partition));
    if (unknown.length > 0) {
      return Promise.resolve(new Map(partitions.map((p) => [p, unknown.includes(p) ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : ErrorCode.OPERATION_NOT_ATTEMPTED])));
    }
    return this.runtime.write(
      ref.transactionalId,
      () => {
        const result = this.decideAdd(ref, partitions);
        return { response: all(result.errorCode), records: result.records };
      },
      (failure) => all(writeError(failure)),
    );
  }

  /** EndTxn: decides commit or abort; the markers follow once the decision is durable. */
  endTransaction(ref: ProducerRef, committed: boolean): Promise<number> {
    let decided = false;
    return this.runtime
      .write(
        ref.transactionalId,
        (): CoordinatorResult<number> => {
          const meta = this.txns.get(ref.transactionalId);
          const invalid = producerError(meta, ref);
          if (invalid !== undefined || meta === undefined) return { response: invalid ?? ErrorCode.INVALID_PRODUCER_ID_MAPPING, records: [] };
          const want = committed ? TxnState.PREPARE_COMMIT : TxnState.PREPARE_ABORT;
          const done = committed ? TxnState.COMPLETE_COMMIT : TxnState.COMPLETE_ABORT;
          if (meta.state === TxnState.ONGOING) {
            decided = true;
            const next = this.transition(ref.transactionalId, meta, want, { lastUpdateMs: BigInt(this.scheduler.now()) });
            return { response: ErrorCode.NONE, records: [record(ref.transactionalId, next)] };
          }
          // A retry of an EndTxn already decided: the same answer again, or wait for the markers.
          if (meta.state === done) return { response: ErrorCode.NONE, records: [] };
          if (meta.state === want) return { response: ErrorCode.CONCURRENT_TRANSACTIONS, records: [] };
          return { response: ErrorCode.INVALID_TXN_STATE, records: [] };
        },
        (failure) => writeError(failure),
      )
      .then((errorCode) => {
        if (decided && errorCode === ErrorCode.NONE) this.complete(ref.transactionalId);
        return errorCode;
      });
  }

  /**
   * KIP-890's check before a transactional Produce is appended: the producer's transaction
   * must be ongoing with this partition added, so a late or zombie write cannot open a
   * transaction the coordinator knows nothing of (which would hang the partition's LSO).
   */
  verifyPartition(producerId: bigint, producerEpoch: number, target: TxnPartition): number {
    for (const meta of this.txns.values()) {
      if (meta.producerId !== producerId) continue;
      if (producerEpoch < meta.producerEpoch) return ErrorCode.INVALID_PRODUCER_EPOCH;
      if (producerEpoch > meta.producerEpoch) return ErrorCode.INVALID_TXN_STATE;
      if (meta.state !== TxnState.ONGOING) return ErrorCode.INVALID_TXN_STATE;
      return meta.partitions.some((p) => p.topic === target.topic && p.partition === target.partition) ? ErrorCode.NONE : ErrorCode.INVALID_TXN_STATE;
    }
    return ErrorCode.INVALID_PRODUCER_ID_MAPPING;
  }

  /** Applies one `__transaction_state` record: the only way the stored state changes. */
  replay(stored: CoordinatorRecord): void {
    const transactionalId = decodeTxnKey(stored.key);
    if (stored.value === null) {
      this.txns.delete(transactionalId);
      return;
    }
    const txn = decodeTxnValue(stored.value);
    this.txns.set(transactionalId, {
      producerId: txn.producerId,
      producerEpoch: txn.producerEpoch,
      timeoutMs: txn.timeoutMs,
      state: txn.state,
      partitions: txn.partitions.flatMap((tp) => tp.partitions.map((partition) => ({ topic: tp.topic, partition }))),
      lastUpdateMs: txn.lastUpdateMs,
      startMs: txn.startMs,
    });
  }

  // ---- internals -----------------------------------------------------------------------

  private decideAdd(ref: ProducerRef, partitions: readonly TxnPartition[]): { errorCode: number; records: CoordinatorRecord[] } {
    const meta = this.txns.get(ref.transactionalId);
    const invalid = producerError(meta, ref);
    if (invalid !== undefined || meta === undefined) return { errorCode: invalid ?? ErrorCode.INVALID_PRODUCER_ID_MAPPING, records: [] };
    if (isPreparing(meta.state)) return { errorCode: ErrorCode.CONCURRENT_TRANSACTIONS, records: [] };
    if (meta.state !== TxnState.ONGOING && meta.state !== TxnState.EMPTY && meta.state !== TxnState.COMPLETE_COMMIT && meta.state !== TxnState.COMPLETE_ABORT) {
      return { errorCode: ErrorCode.INVALID_TXN_STATE, records: [] };
    }
    const ongoing = meta.state === TxnState.ONGOING;
    const present = ongoing ? meta.partitions : [];
    const added = partitions.filter((p) => !present.some((q) => q.topic === p.topic && q.partition === p.partition));
    if (ongoing && added.length === 0) return { errorCode: ErrorCode.NONE, records: [] };
    const now = BigInt(this.scheduler.now());
    const next = this.transition(ref.transactionalId, meta, TxnState.ONGOING, {
      partitions: [...present, ...dedupe(added)],
      lastUpdateMs: now,
      startMs: ongoing ? meta.startMs : now,
    });
    return { errorCode: ErrorCode.NONE, records: [record(ref.transactionalId, next)] };
  }

  /** The next state of a transaction, checked against the transition table. */
  private transition(transactionalId: string, meta: TxnMeta, to: TxnState, changes: Partial<TxnMeta>): TxnMeta {
    checkTransition(transactionalId, meta.state, to);
    return { ...meta, ...changes, state: to };
  }

  /**
   * Writes the markers of a decided transaction (at most one run per transactional id at a
   * time), then its Complete state. A marker that fails is tried again after a backoff:
   * the transaction stays decided, and partitions stay unstable, until every marker is in.
   */
  private complete(transactionalId: string): void {
    if (this.closed || this.completing.has(transactionalId)) return;
    const meta = this.txns.get(transactionalId);
    if (meta === undefined || !isPreparing(meta.state)) return;
    this.completing.add(transactionalId);
    const committed = meta.state === TxnState.PREPARE_COMMIT;
    const marker: MarkerRequest = { producerId: meta.producerId, producerEpoch: meta.producerEpoch, committed, coordinatorEpoch: COORDINATOR_EPOCH };
    const write = (p: TxnPartition): Promise<number> => this.options.writeMarker(p, marker).catch(() => ErrorCode.UNKNOWN_SERVER_ERROR);
    if (this.haltAt !== undefined) {
      void this.halt(transactionalId, meta.partitions, write);
      return;
    }
    const run = async (): Promise<boolean> => {
      const codes = await Promise.all(meta.partitions.map(write));
      // A partition deleted since it was added has nobody left to read a marker.
      const failed = codes.filter((code, i) => code !== ErrorCode.NONE && !(code === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION && !this.options.partitionExists(meta.partitions[i]!.topic, meta.partitions[i]!.partition)));
      if (failed.length > 0) {
        this.logger.warn({ transactionalId, errors: failed }, 'transaction markers could not all be written; retrying');
        return false;
      }
      const done = await this.runtime.write(
        transactionalId,
        () => {
          const current = this.txns.get(transactionalId);
          if (current === undefined || current.state !== meta.state || current.producerEpoch !== meta.producerEpoch || current.producerId !== meta.producerId) {
            return { response: true, records: [] };
          }
          const next = this.transition(transactionalId, current, committed ? TxnState.COMPLETE_COMMIT : TxnState.COMPLETE_ABORT, { partitions: [], lastUpdateMs: BigInt(this.scheduler.now()) });
          return { response: true, records: [record(transactionalId, next)] };
        },
        () => false,
      );
      return done;
    };
    void run()
      .catch((error: unknown) => {
        this.logger.error({ err: error, transactionalId }, 'completing a transaction failed; retrying');
        return false;
      })
      .then((done) => {
        this.completing.delete(transactionalId);
        if (done || this.closed) return;
        const timer = this.scheduler.setTimeout(() => {
          this.retryTimers.delete(timer);
          this.complete(transactionalId);
        }, this.options.settings.markerRetryBackoffMs);
        this.retryTimers.add(timer);
      });
  }

  /** The crash tests' stop: the transaction stays marked as completing, so nothing resumes it but a restart. */
  private async halt(transactionalId: string, partitions: readonly TxnPartition[], write: (p: TxnPartition) => Promise<number>): Promise<void> {
    if (this.haltAt === TxnHaltPoint.FIRST_MARKER_WRITTEN && partitions[0] !== undefined) await write(partitions[0]);
    this.logger.warn({ transactionalId, point: this.haltAt, partitions: partitions.length }, 'transaction halted for a crash test');
  }

  /** Aborts every ongoing transaction older than its timeout, bumping the epoch so its producer is fenced (as Kafka). */
  private abortExpired(): void {
    if (this.closed) return;
    const now = this.scheduler.now();
    for (const [transactionalId, meta] of this.txns) {
      if (meta.state !== TxnState.ONGOING || Number(meta.startMs) + meta.timeoutMs > now) continue;
      void this.runtime
        .write(
          transactionalId,
          () => {
            const current = this.txns.get(transactionalId);
            if (current?.state !== TxnState.ONGOING || current.producerEpoch !== meta.producerEpoch) return { response: false, records: [] };
            const next = this.transition(transactionalId, current, TxnState.PREPARE_ABORT, { producerEpoch: current.producerEpoch + 1, lastUpdateMs: BigInt(this.scheduler.now()) });
            this.logger.info({ transactionalId, producerId: current.producerId, timeoutMs: current.timeoutMs }, 'aborting a transaction that exceeded its timeout');
            return { response: true, records: [record(transactionalId, next)] };
          },
          () => false,
        )
        .then((aborting) => {
          if (aborting) this.complete(transactionalId);
        });
    }
  }
}

/** Kafka's checks of the producer behind a request: the id must match, and the epoch must be the current one. */
function producerError(meta: TxnMeta | undefined, ref: ProducerRef): number | undefined {
  if (meta === undefined || meta.producerId !== ref.producerId) return ErrorCode.INVALID_PRODUCER_ID_MAPPING;
  if (meta.producerEpoch !== ref.producerEpoch) return ErrorCode.PRODUCER_FENCED;
  return undefined;
}

function writeError(failure: WriteFailure): number {
  // Kafka answers a failed __transaction_state write with COORDINATOR_NOT_AVAILABLE or NOT_COORDINATOR, both retriable.
  return failure.errorCode === ErrorCode.NOT_COORDINATOR ? ErrorCode.NOT_COORDINATOR : ErrorCode.COORDINATOR_NOT_AVAILABLE;
}

function dedupe(partitions: readonly TxnPartition[]): TxnPartition[] {
  const seen = new Set<string>();
  return partitions.filter((p) => {
    const key = `${p.topic}\u0000${p.partition}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function toStored(meta: TxnMeta): StoredTxn {
  const byTopic = new Map<string, number[]>();
  for (const p of meta.partitions) {
    const list = byTopic.get(p.topic) ?? [];
    list.push(p.partition);
    byTopic.set(p.topic, list);
  }
  const partitions: TxnTopicPartitions[] = [...byTopic].map(([topic, ids]) => ({ topic, partitions: ids }));
  return { producerId: meta.producerId, producerEpoch: meta.producerEpoch, timeoutMs: meta.timeoutMs, state: meta.state, partitions, lastUpdateMs: meta.lastUpdateMs, startMs: meta.startMs };
}

function record(transactionalId: string, meta: TxnMeta): CoordinatorRecord {
  return { key: encodeTxnKey(transactionalId), value: encodeTxnValue(toStored(meta)) };
}
