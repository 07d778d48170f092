import { BrookError } from '../../core/base/index.ts';
import { ApiKey, ErrorCode } from '../../core/protocol/index.ts';
import type { Cluster } from '../cluster.ts';
import type { KafkaConnection } from '../connection.ts';
import { ClientError, ClientErrorCode, KafkaError, kafkaError } from '../errors.ts';
import { Timers } from '../timers.ts';
import type { TopicPartition } from '../topic-partition.ts';
import type { Sender, SenderTransactions } from './sender.ts';

export const TransactionErrorCode = {
  /** Another producer with the same transactionalId called initTransactions(): this one is a zombie. Fatal: close it. */
  FENCED: 'ERR_PRODUCER_FENCED',
  /** The call is not allowed in the transaction's state (Kafka's IllegalStateException): begin before send, one transaction at a time. */
  STATE: 'ERR_TRANSACTION_STATE',
  /** The transaction cannot commit (a record failed, a partition could not be added): call abortTransaction(). */
  ABORTABLE: 'ERR_TRANSACTION_ABORTABLE',
  /** The producer can no longer use transactions (an unexpected coordinator answer): close it. */
  FATAL: 'ERR_TRANSACTION_FATAL',
} as const;
export type TransactionErrorCode = (typeof TransactionErrorCode)[keyof typeof TransactionErrorCode];

/** A transactional producer's error; its code says whether to abort (ABORTABLE) or close (FENCED, FATAL). */
export class TransactionError extends BrookError {
  declare readonly code: TransactionErrorCode;

  constructor(code: TransactionErrorCode, message: string, cause?: unknown) {
    super(code, message, cause === undefined ? {} : { cause });
  }
}

/** Kafka's ProducerFencedException: a newer producer took over the transactional id. */
export class ProducerFencedError extends TransactionError {
  constructor(message: string, cause?: unknown) {
    super(TransactionErrorCode.FENCED, message, cause);
  }
}

/** An offset to commit in a transaction: the next offset the group should read. */
export interface TransactionOffset extends TopicPartition {
  readonly offset: bigint;
  readonly metadata?: string | null;
}

/**
 * The consumer group whose offsets a transaction commits: the consumer's `groupMetadata()`.
 * With the generation and member (TxnOffsetCommit v3, KIP-447), the group coordinator refuses
 * the offsets of a member rebalanced away, so a zombie consumer's transaction cannot commit
 * them. A group id alone commits without that check (v0–2 carry nothing else).
 */
export interface ConsumerGroupMetadata {
  readonly groupId: string;
  readonly generationId?: number;
  readonly memberId?: string;
  readonly groupInstanceId?: string | null;
}

/** Kafka's TransactionManager states, those a client can observe. */
type State = 'uninitialized' | 'initializing' | 'ready' | 'in-transaction' | 'committing' | 'aborting' | 'abortable-error' | 'fatal-error';

const FENCED_ERRORS: ReadonlySet<number> = new Set([ErrorCode.PRODUCER_FENCED, ErrorCode.INVALID_PRODUCER_EPOCH]);
/** Coordinator answers that mean: find the coordinator again and retry. */
const COORDINATOR_ERRORS: ReadonlySet<number> = new Set([ErrorCode.NOT_COORDINATOR, ErrorCode.COORDINATOR_NOT_AVAILABLE, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS]);
/**
 * Retriable for a transaction, though not in the protocol's table: the previous transaction's
 * markers are still being written (Kafka's ConcurrentTransactionsException is retriable), or a
 * partition was not attempted because another of the same request failed.
 */
const TRANSACTION_RETRIABLE: ReadonlySet<number> = new Set([ErrorCode.CONCURRENT_TRANSACTIONS, ErrorCode.OPERATION_NOT_ATTEMPTED]);

export interface TransactionManagerConfig {
  readonly transactionalId: string;
  readonly transactionTimeoutMs: number;
  readonly retryBackoffMs: number;
}

/**
 * A transactional producer's side of Kafka's transaction protocol (KIP-98): the state machine
 * of Java's TransactionManager, the transaction coordinator (FindCoordinator key type 1), the
 * producer id and epoch from InitProducerId, partitions added with AddPartitionsToTxn before
 * the sender produces to them, offsets with AddOffsetsToTxn and TxnOffsetCommit, and EndTxn.
 */
export class TransactionManager implements SenderTransactions {
  readonly transactionalId: string;
  private readonly config: TransactionManagerConfig;
  private readonly cluster: Cluster;
  private readonly timers: Timers;
  private sender: Sender | undefined;
  private state: State = 'uninitialized';
  /** Why the state is abortable-error or fatal-error. */
  private lastError: TransactionError | undefined;
  private coordinator: KafkaConnection | undefined;
  /** Partitions of the ongoing transaction the coordinator knows, and those waiting to be added. */
  private readonly added = new Set<string>();
  private readonly pending = new Map<string, TopicPartition>();
  private adding = false;
  /** The transaction added partitions or offsets: ending it needs EndTxn. */
  private started = false;
  /** Counts transactions: an AddPartitionsToTxn answered after its transaction was aborted adds nothing to the next. */
  private generation = 0;

  constructor(cluster: Cluster, config: TransactionManagerConfig) {
    this.cluster = cluster;
    this.config = config;
    this.transactionalId = config.transactionalId;
    this.timers = new Timers(cluster.scheduler);
  }

  /** The sender is built with this manager; it is handed back once it exists. */
  attach(sender: Sender): void {
    this.sender = sender;
  }

  close(): void {
    this.timers.clearAll();
  }

  /** Throws unless records may be sent now: inside a transaction that can still commit. */
  checkSend(): void {
    this.throwIfFailed();
    if (this.state !== 'in-transaction') throw this.stateError('send records', 'inside a transaction: call beginTransaction() first');
  }

  async initTransactions(): Promise<void> {
    this.throwIfFatal();
    if (this.state !== 'uninitialized') throw this.stateError('call initTransactions()', 'once, before the first transaction');
    this.state = 'initializing';
    try {
      await this.sender!.restartSequences(() => this.initProducerId());
      this.state = 'ready';
    } catch (error) {
      // A timeout may be retried by calling initTransactions() again, as in Kafka.
      if (!(error instanceof TransactionError)) this.state = 'uninitialized';
      throw error;
    }
  }

  beginTransaction(): void {
    this.throwIfFatal();
    if (this.state !== 'ready') throw this.stateError('begin a transaction', this.state === 'uninitialized' ? 'after initTransactions()' : 'once the previous one is committed or aborted');
    this.added.clear();
    this.pending.clear();
    this.started = false;
    this.generation++;
    this.state = 'in-transaction';
  }

  async sendOffsetsToTransaction(offsets: readonly TransactionOffset[], group: ConsumerGroupMetadata | string): Promise<void> {
    this.checkSend();
    const groupId = typeof group === 'string' ? group : group.groupId;
    const member = {
      generationId: typeof group === 'string' ? -1 : (group.generationId ?? -1),
      memberId: typeof group === 'string' ? '' : (group.memberId ?? ''),
      groupInstanceId: typeof group === 'string' ? null : (group.groupInstanceId ?? null),
    };
    const namesMember = member.generationId >= 0 || member.memberId !== '' || member.groupInstanceId !== null;
    this.started = true;
    try {
      await this.withCoordinator('AddOffsetsToTxn', async (connection) => {
        const response = await connection.request(ApiKey.ADD_OFFSETS_TO_TXN, await this.version(connection, ApiKey.ADD_OFFSETS_TO_TXN, 2), {
          transactionalId: this.transactionalId,
          ...this.identity(),
          groupId,
        });
        this.check(response.errorCode, `AddOffsetsToTxn for group ${groupId}`);
      });
      const byTopic = new Map<string, { partitionIndex: number; committedOffset: bigint; committedMetadata: string | null }[]>();
      for (const o of offsets) {
        const list = byTopic.get(o.topic) ?? [];
        list.push({ partitionIndex: o.partition, committedOffset: o.offset, committedMetadata: o.metadata ?? '' });
        byTopic.set(o.topic, list);
      }
      let groupCoordinator: KafkaConnection | undefined;
      await this.cluster.retrying(async () => {
        if (groupCoordinator === undefined || groupCoordinator.isClosed) groupCoordinator = (await this.cluster.coordinator(groupId, 0)).connection;
        const connection = groupCoordinator;
        const version = await this.version(connection, ApiKey.TXN_OFFSET_COMMIT, 3);
        // Java's producer refuses too: dropping the member would silently lose the zombie check.
        if (version < 3 && namesMember) {
          throw new TransactionError(
            TransactionErrorCode.FATAL,
            `TxnOffsetCommit v${version} cannot carry the consumer group's generation and member (v3 can, brokers from Kafka 2.5); pass the group id alone to commit without that check`,
          );
        }
        const response = await connection.request(ApiKey.TXN_OFFSET_COMMIT, version, {
          transactionalId: this.transactionalId,
          groupId,
          ...this.identity(),
          ...member,
          topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })),
        });
        for (const topic of response.topics) {
          for (const p of topic.partitions) {
            if (COORDINATOR_ERRORS.has(p.errorCode)) groupCoordinator = undefined;
            this.check(p.errorCode, `TxnOffsetCommit for ${topic.name}-${p.partitionIndex} of group ${groupId}`);
          }
        }
      });
    } catch (error) {
      throw this.failTransaction(error);
    }
  }

  /** Flushes the transaction's records (`flush`), then commits it; an abortable failure leaves it to abortTransaction(). */
  async commitTransaction(flush: () => Promise<void>): Promise<void> {
    this.throwIfFailed();
    if (this.state !== 'in-transaction' && this.state !== 'committing') throw this.stateError('commit', 'inside a transaction');
    this.state = 'committing';
    await flush();
    // A record of the transaction failed while flushing.
    this.throwIfFailed();
    try {
      if (this.started) await this.endTxn(true);
    } catch (error) {
      throw this.failTransaction(error);
    }
    this.state = 'ready';
  }

  /**
   * Aborts the transaction: records not sent yet fail (the abort would discard them), those in
   * flight are awaited, then EndTxn. After a record failed for good, the sequences are lost
   * and a new epoch is taken, as Kafka's producer does (KIP-360).
   */
  async abortTransaction(failWaiting: (error: Error) => void): Promise<void> {
    this.throwIfFatal();
    if (this.state !== 'in-transaction' && this.state !== 'abortable-error' && this.state !== 'aborting') throw this.stateError('abort', 'inside a transaction');
    this.state = 'aborting';
    const sender = this.sender!;
    const aborted = new TransactionError(TransactionErrorCode.ABORTABLE, 'the transaction was aborted before this record was sent');
    failWaiting(aborted);
    sender.failUnsent(aborted);
    await sender.waitForInFlight();
    this.throwIfFatal();
    try {
      if (this.started) await this.endTxn(false);
      if (sender.sequencesLost) await sender.restartSequences(() => this.initProducerId());
    } catch (error) {
      const failure = this.classify(error);
      if (failure.code !== TransactionErrorCode.ABORTABLE) this.fail('fatal-error', failure);
      throw failure;
    }
    this.lastError = undefined;
    this.state = 'ready';
  }

  /**
   * The `transaction(body)` helper: begins, runs `body`, commits. If `body` or the commit
   * throws, the transaction is aborted and the error rethrown, unless the producer was fenced
   * or hit a fatal error: then nothing may end the transaction but the coordinator (the newer
   * producer's InitProducerId, or the timeout), so it is left alone and the producer should be
   * closed, as Java's producer is. A commit that timed out is not aborted either (Kafka allows
   * only retrying it: call commitTransaction() again). An abort that timed out before is
   * finished first.
   */
  async runTransaction<T>(body: () => Promise<T>, commit: () => Promise<void>, abort: () => Promise<void>): Promise<T> {
    if (this.state === 'aborting') await abort();
    this.beginTransaction();
    try {
      const result = await body();
      await commit();
      return result;
    } catch (error) {
      // The state says what the failure left: a fenced or fatal producer must not send EndTxn.
      if (this.state === 'in-transaction' || this.state === 'abortable-error') {
        // The body's error is what the caller needs; a failed abort shows in the producer's state.
        await abort().catch(() => undefined);
      }
      throw error;
    }
  }

  // SenderTransactions

  mayProduce(topic: string, partition: number): boolean {
    const key = `${topic}\u0000${partition}`;
    if (this.added.has(key)) return true;
    if (this.state !== 'in-transaction' && this.state !== 'committing') return false;
    if (!this.pending.has(key)) this.pending.set(key, { topic, partition });
    this.addPartitions();
    return false;
  }

  batchFailed(error: Error): void {
    if (this.state === 'fatal-error' || this.state === 'aborting') return;
    const failure = this.classify(error);
    // Already doomed (failUnsent below lands here for each batch it fails): only fencing changes that.
    if (this.state === 'abortable-error' && failure.code === TransactionErrorCode.ABORTABLE) return;
    this.fail(failure.code === TransactionErrorCode.ABORTABLE ? 'abortable-error' : 'fatal-error', failure);
    // Nothing more of the transaction can commit: the rest fails now rather than being sent.
    this.sender?.failUnsent(failure);
  }

  // Internals

  /** One AddPartitionsToTxn at a time, for every partition waiting: the sender is woken when they are in. */
  private addPartitions(): void {
    if (this.adding || this.pending.size === 0) return;
    this.adding = true;
    const batch = [...this.pending.values()];
    const generation = this.generation;
    this.pending.clear();
    this.started = true;
    void this.withCoordinator('AddPartitionsToTxn', async (connection) => {
      const byTopic = new Map<string, number[]>();
      for (const tp of batch) byTopic.set(tp.topic, [...(byTopic.get(tp.topic) ?? []), tp.partition]);
      const response = await connection.request(ApiKey.ADD_PARTITIONS_TO_TXN, await this.version(connection, ApiKey.ADD_PARTITIONS_TO_TXN, 2), {
        v3AndBelowTransactionalId: this.transactionalId,
        v3AndBelowProducerId: this.sender!.producerId,
        v3AndBelowProducerEpoch: this.sender!.producerEpoch,
        v3AndBelowTopics: [...byTopic].map(([name, partitions]) => ({ name, partitions })),
      });
      for (const topic of response.resultsByTopicV3AndBelow) {
        for (const p of topic.resultsByPartition) this.check(p.partitionErrorCode, `AddPartitionsToTxn for ${topic.name}-${p.partitionIndex}`);
      }
    }).then(
      () => {
        if (generation === this.generation) for (const tp of batch) this.added.add(`${tp.topic}\u0000${tp.partition}`);
        this.adding = false;
        this.addPartitions();
        this.sender?.wake();
      },
      (error: unknown) => {
        this.adding = false;
        if (generation !== this.generation || this.state === 'aborting' || this.state === 'fatal-error') return;
        const failure = this.classify(error);
        this.fail(failure.code === TransactionErrorCode.ABORTABLE ? 'abortable-error' : 'fatal-error', failure);
        this.sender?.failUnsent(failure);
      },
    );
  }

  private async initProducerId(): Promise<{ producerId: bigint; producerEpoch: number }> {
    try {
      return await this.withCoordinator('InitProducerId', async (connection) => {
        const response = await connection.request(ApiKey.INIT_PRODUCER_ID, await this.version(connection, ApiKey.INIT_PRODUCER_ID, 1), {
          transactionalId: this.transactionalId,
          transactionTimeoutMs: this.config.transactionTimeoutMs,
        });
        this.check(response.errorCode, `InitProducerId for transactional id ${this.transactionalId}`);
        return { producerId: response.producerId, producerEpoch: response.producerEpoch };
      });
    } catch (error) {
      const failure = this.classify(error);
      if (failure.code === TransactionErrorCode.FENCED || failure.code === TransactionErrorCode.FATAL) this.fail('fatal-error', failure);
      throw error instanceof ClientError && error.retriable ? error : failure;
    }
  }

  private async endTxn(committed: boolean): Promise<void> {
    await this.withCoordinator('EndTxn', async (connection) => {
      const response = await connection.request(ApiKey.END_TXN, await this.version(connection, ApiKey.END_TXN, 1), {
        transactionalId: this.transactionalId,
        ...this.identity(),
        committed,
      });
      this.check(response.errorCode, `EndTxn (${committed ? 'commit' : 'abort'}) for transactional id ${this.transactionalId}`);
    });
  }

  /** Runs `request` on the transaction coordinator, finding it again when it moved, retrying within the request timeout. */
  private withCoordinator<T>(what: string, request: (connection: KafkaConnection) => Promise<T>): Promise<T> {
    return this.cluster.retrying(async () => {
      try {
        if (this.coordinator === undefined || this.coordinator.isClosed) this.coordinator = (await this.cluster.coordinator(this.transactionalId, 1)).connection;
        return await request(this.coordinator);
      } catch (error) {
        if (error instanceof KafkaError && COORDINATOR_ERRORS.has(error.errorCode)) this.coordinator = undefined;
        else if (error instanceof ClientError && error.retriable && !(error instanceof KafkaError)) this.coordinator = undefined;
        if (error instanceof ClientError || error instanceof TransactionError) throw error;
        throw new ClientError(ClientErrorCode.KAFKA, `${what}: ${String(error)}`, { cause: error });
      }
    });
  }

  /** Throws the answer's error; the transaction-retriable ones as retriable, so Cluster.retrying tries again. */
  private check(errorCode: number, context: string): void {
    if (errorCode === ErrorCode.NONE) return;
    const error = kafkaError(errorCode, context);
    if (TRANSACTION_RETRIABLE.has(errorCode)) throw new ClientError(ClientErrorCode.KAFKA, error.message, { retriable: true, cause: error });
    throw error;
  }

  private async version(connection: KafkaConnection, apiKey: ApiKey, max: number): Promise<number> {
    return Math.min(await connection.highestVersion(apiKey), max);
  }

  private identity(): { producerId: bigint; producerEpoch: number } {
    return { producerId: this.sender!.producerId, producerEpoch: this.sender!.producerEpoch };
  }

  /** Kafka's split: fencing is fatal, as are answers the protocol does not expect; the rest only dooms the transaction. */
  private classify(error: unknown): TransactionError {
    if (error instanceof TransactionError) return error;
    const kafka = error instanceof KafkaError ? error : error instanceof ClientError && error.cause instanceof KafkaError ? error.cause : undefined;
    const message = error instanceof Error ? error.message : String(error);
    if (kafka !== undefined && FENCED_ERRORS.has(kafka.errorCode)) {
      return new ProducerFencedError(`transactional id ${this.transactionalId}: another producer with the same id took over; close this one (${message})`, error);
    }
    const fatal =
      kafka !== undefined &&
      (kafka.errorCode === ErrorCode.INVALID_TXN_STATE ||
        kafka.errorCode === ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED ||
        kafka.errorCode === ErrorCode.INVALID_PRODUCER_ID_MAPPING ||
        kafka.errorCode === ErrorCode.UNSUPPORTED_VERSION);
    if (fatal) return new TransactionError(TransactionErrorCode.FATAL, `transactional id ${this.transactionalId}: ${message}`, error);
    return new TransactionError(TransactionErrorCode.ABORTABLE, `the transaction cannot commit; abort it: ${message}`, error);
  }

  /** After a failed step of the transaction: abortable or fatal, per the error. */
  private failTransaction(error: unknown): TransactionError {
    const failure = this.classify(error);
    this.fail(failure.code === TransactionErrorCode.ABORTABLE ? 'abortable-error' : 'fatal-error', failure);
    return failure;
  }

  private fail(state: 'abortable-error' | 'fatal-error', error: TransactionError): void {
    if (this.state === 'fatal-error') return;
    this.state = state;
    this.lastError = error;
  }

  private throwIfFatal(): void {
    if (this.state === 'fatal-error') throw this.lastError!;
  }

  private throwIfFailed(): void {
    this.throwIfFatal();
    if (this.state === 'abortable-error') throw this.lastError!;
  }

  private stateError(action: string, when: string): TransactionError {
    return new TransactionError(TransactionErrorCode.STATE, `cannot ${action} now (transaction state ${this.state}): only ${when}`);
  }
}
