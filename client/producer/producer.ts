import { BrookError } from '../../core/base/index.ts';
import type { Clock, Scheduler, Timer } from '../../core/base/index.ts';
import { ErrorCode } from '../../core/protocol/index.ts';
import { utf8Length } from '../../core/records/index.ts';
import { Cluster } from '../cluster.ts';
import { clusterConfigOf } from '../cluster-config.ts';
import { ClientError, ClientErrorCode, KafkaError, kafkaError } from '../errors.ts';
import { Timers } from '../timers.ts';
import { DefaultPartitioner } from './partitioner.ts';
import { resolveProducerConfig } from './producer-config.ts';
import type { ProducerConfig, ProducerConfigInput, ResolvedProducerConfig } from './producer-config.ts';
import { BATCH_OVERHEAD, HEADER_OVERHEAD, RECORD_OVERHEAD, RecordAccumulator } from './record-accumulator.ts';
import type { RecordHeaderBytes, RecordSink } from './record-accumulator.ts';
import { Sender } from './sender.ts';
import { TransactionManager } from './transactions.ts';
import type { ConsumerGroupMetadata, TransactionOffset } from './transactions.ts';

export const ProducerErrorCode = {
  /** A record is malformed: a key, value or header of the wrong type, a bad timestamp or partition. */
  INVALID_RECORD: 'ERR_PRODUCER_INVALID_RECORD',
} as const;
export type ProducerErrorCode = (typeof ProducerErrorCode)[keyof typeof ProducerErrorCode];

/** A misuse of the producer: a malformed record. Never retriable. (Bad options are ClientErrorCode.INVALID_CONFIG.) */
export class ProducerError extends BrookError {
  declare readonly code: ProducerErrorCode;
}

export type Acks = ProducerConfig['acks'];
/** Keys, values and header values: bytes, or a string sent as UTF-8. Serdes turn objects into these. */
export type RecordBytes = Buffer | Uint8Array | string | null;

/**
 * The JSON options (declared with their defaults in producer-config.ts, where the cluster's
 * are spread in) and, here, the ones that are objects.
 */
export interface ProducerOptions extends ProducerConfigInput {
  /** Time and timers (linger, retry backoff, delivery and block timeouts); tests pass a VirtualScheduler. Default the system's. */
  readonly scheduler?: Scheduler;
}

export interface ProducerRecord {
  readonly topic: string;
  readonly key?: RecordBytes;
  readonly value: RecordBytes;
  /** Header keys are strings; a list keeps order and allows repeated keys. */
  readonly headers?: Readonly<Record<string, RecordBytes>> | readonly { readonly key: string; readonly value: RecordBytes }[];
  /** Milliseconds since the epoch; default now. */
  readonly timestamp?: number | bigint | Date;
  /** A partition of the producer's choice; default: murmur2 of the key, or sticky for null keys. */
  readonly partition?: number;
}

export interface RecordMetadata {
  readonly topic: string;
  readonly partition: number;
  /** The record's offset; -1 with acks=0 (the broker does not say). */
  readonly offset: bigint;
  /** The record's timestamp: its create time, or the broker's append time for LogAppendTime topics. */
  readonly timestamp: bigint;
}

interface Prepared {
  readonly topic: string;
  readonly partition: number | undefined;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  /** The caller's list while the record is encoded at once; a copy of its own once it waits. */
  readonly headers: readonly RecordHeaderBytes[] | undefined;
  /** Milliseconds since the epoch. */
  readonly timestamp: number;
  readonly size: number;
  readonly sink: RecordSink;
  readonly slot: number;
  /** When the record gives up waiting for metadata or memory (send time + maxBlockMs). */
  readonly deadline: number;
}

function toBytes(value: unknown, what: string): Buffer | null {
  if (value === null) return null;
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  if (Buffer.isBuffer(value)) return value;
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  throw new ProducerError(ProducerErrorCode.INVALID_RECORD, `${what} must be a Buffer, a string or null, not ${value === undefined ? 'undefined' : typeof value}`);
}

/** A record about to wait: its headers, the caller's list until now, become its own. */
function waitingCopy(prepared: Prepared): Prepared {
  if (prepared.headers === undefined) return prepared;
  return { ...prepared, headers: prepared.headers.map((h) => ({ key: h.key, value: h.value })) };
}

/** toBytes for a header value; the message names the header only when there is an error to report. */
function headerBytes(key: string, value: unknown): Buffer | null {
  if (value === null || typeof value === 'string' || value instanceof Uint8Array) return toBytes(value, 'header');
  return toBytes(value, `header ${JSON.stringify(key)}`);
}

function toTimestamp(value: number | bigint | Date | undefined, clock: Clock): number {
  if (value === undefined) return clock.now();
  const ms = value instanceof Date ? value.getTime() : Number(value);
  if (!Number.isSafeInteger(ms)) throw new ProducerError(ProducerErrorCode.INVALID_RECORD, `timestamp must be an integer number of milliseconds, not ${String(value)}`);
  return ms;
}

/** The sink of one send(): a class, so a record in flight holds one small object, not two closures. */
class SingleSink implements RecordSink {
  private readonly resolve: (metadata: RecordMetadata) => void;
  private readonly reject: (error: Error) => void;

  constructor(resolve: (metadata: RecordMetadata) => void, reject: (error: Error) => void) {
    this.resolve = resolve;
    this.reject = reject;
  }

  done(_slot: number, topic: string, partition: number, offset: bigint, timestamp: bigint): void {
    this.resolve({ topic, partition, offset, timestamp });
  }

  fail(_slot: number, error: Error): void {
    this.reject(error);
  }
}

/**
 * The sink of one sendBatch(). A class built outside sendBatch's closures: what the batch holds
 * until its last acknowledgement is this and the results, never the caller's records.
 */
class BatchSink implements RecordSink {
  private readonly results: RecordMetadata[];
  private remaining: number;
  private failed = false;
  private readonly resolve: (metadata: RecordMetadata[]) => void;
  private readonly reject: (error: Error) => void;
  private readonly onRecord: ((index: number, metadata: RecordMetadata) => void) | undefined;
  private readonly onRecordError: ((index: number, error: Error) => void) | undefined;

  constructor(
    count: number,
    resolve: (metadata: RecordMetadata[]) => void,
    reject: (error: Error) => void,
    onRecord: ((index: number, metadata: RecordMetadata) => void) | undefined,
    onRecordError: ((index: number, error: Error) => void) | undefined,
  ) {
    this.results = new Array<RecordMetadata>(count);
    this.remaining = count;
    this.resolve = resolve;
    this.reject = reject;
    this.onRecord = onRecord;
    this.onRecordError = onRecordError;
  }

  done(slot: number, topic: string, partition: number, offset: bigint, timestamp: bigint): void {
    const metadata = { topic, partition, offset, timestamp };
    this.results[slot] = metadata;
    this.remaining--;
    if (this.onRecord !== undefined) {
      try {
        this.onRecord(slot, metadata);
      } catch (error) {
        // Not the producer's failure: the batch's promise says so, the other records go on.
        if (!this.failed) this.reject(error instanceof Error ? error : new Error(String(error)));
        this.failed = true;
      }
    }
    if (this.remaining === 0 && !this.failed) this.resolve(this.results);
  }

  fail(slot: number, error: Error): void {
    this.remaining--;
    this.onRecordError?.(slot, error);
    if (this.failed) return;
    this.failed = true;
    this.reject(error);
  }
}

/**
 * Brook's Kafka producer. `send` puts a record into a per-partition batch and resolves when
 * the broker acknowledged it (per `acks`); batches go out when full or after `lingerMs`, to
 * each partition's leader, with retries that keep per-partition order and, with idempotence
 * (the default), never write a record twice.
 */
export class Producer {
  private readonly config: ResolvedProducerConfig;
  private readonly cluster: Cluster;
  private readonly accumulator: RecordAccumulator;
  private readonly sender: Sender;
  /** With transactionalId: the transaction protocol's state and requests. */
  private readonly transactions: TransactionManager | undefined;
  private readonly partitioner = new DefaultPartitioner();
  /** Records waiting for metadata or buffer memory, in send order; while any wait, later ones queue behind. */
  private readonly waiting: Prepared[] = [];
  private pumping = false;
  /** The topic of the last record the partitioner placed, and ledPartitions for it (ledPartitionsOf). */
  private ledTopic = '';
  private ledOfTopic: (() => number[]) | undefined;
  private readonly idleWaiters: (() => void)[] = [];
  private memoryWaiter: (() => void) | undefined;
  private connecting: Promise<void> | undefined;
  private connected = false;
  private closing: Promise<void> | undefined;
  /** Backoffs while a topic's metadata is awaited; close() ends them. */
  private readonly timers: Timers;
  /** The cluster's: one clock for record timestamps, batch ages and every timer of this producer. */
  private readonly scheduler: Scheduler;

  constructor(options: ProducerOptions) {
    this.config = resolveProducerConfig(options);
    this.cluster = new Cluster({
      ...clusterConfigOf(this.config),
      ...(options.scheduler === undefined ? {} : { scheduler: options.scheduler }),
    });
    this.scheduler = this.cluster.scheduler;
    this.timers = new Timers(this.scheduler);
    this.accumulator = new RecordAccumulator(this.config.batchSize, (batch) => {
      const partitions = this.cluster.knownTopic(batch.topic)?.partitions.length ?? 0;
      this.partitioner.batchClosed(batch.topic, batch.partition, partitions, () => this.ledPartitions(batch.topic));
    }, this.scheduler);
    const { transactionalId } = this.config;
    this.transactions =
      transactionalId === undefined
        ? undefined
        : new TransactionManager(this.cluster, { transactionalId, transactionTimeoutMs: this.config.transactionTimeoutMs, retryBackoffMs: this.config.retryBackoffMs });
    this.sender = new Sender(
      this.cluster,
      this.accumulator,
      this.config,
      () => {
        const wake = this.memoryWaiter;
        if (wake !== undefined) {
          this.memoryWaiter = undefined;
          wake();
        }
      },
      this.transactions === undefined ? {} : { transactions: this.transactions },
    );
    this.transactions?.attach(this.sender);
  }

  /**
   * With transactionalId: takes the producer id and epoch for the id, fencing any older
   * producer with the same id and completing a transaction it left open. Once, before the
   * first transaction (a timeout may be retried by calling it again).
   */
  async initTransactions(): Promise<void> {
    const transactions = this.transactional();
    await this.ensureConnected();
    await transactions.initTransactions();
  }

  /** Starts a transaction: the records sent and offsets sent until commit or abort belong to it. */
  beginTransaction(): void {
    this.transactional().beginTransaction();
  }

  /**
   * Commits a consumer group's offsets in the transaction: they take effect only if it commits
   * (the consume-transform-produce loop). `offsets` are the next offsets to read.
   */
  sendOffsetsToTransaction(offsets: readonly TransactionOffset[], group: ConsumerGroupMetadata | string): Promise<void> {
    return this.transactional().sendOffsetsToTransaction(offsets, group);
  }

  /**
   * Sends every record of the transaction, then commits it. A TransactionError with code
   * ERR_TRANSACTION_ABORTABLE means abortTransaction() next; ERR_PRODUCER_FENCED or
   * ERR_TRANSACTION_FATAL mean close().
   */
  commitTransaction(): Promise<void> {
    return this.transactional().commitTransaction(() => this.flush());
  }

  /** Aborts the transaction: its records not yet sent fail, and read_committed consumers never see any of them. */
  abortTransaction(): Promise<void> {
    return this.transactional().abortTransaction((error) => {
      this.failWaiting(() => true, () => error);
    });
  }

  /**
   * Runs `body` in a transaction: begins, awaits it, commits, and resolves to its result. A
   * throw (from `body` or the commit) aborts the transaction and is rethrown; after fencing or
   * a fatal error nothing is aborted and the producer should be closed, as with Java's producer.
   */
  transaction<T>(body: (tx: this) => Promise<T>): Promise<T> {
    return this.transactional().runTransaction(
      () => body(this),
      () => this.commitTransaction(),
      () => this.abortTransaction(),
    );
  }

  private transactional(): TransactionManager {
    if (this.transactions === undefined) throw new ClientError(ClientErrorCode.INVALID_CONFIG, 'transactions need the producer option transactionalId');
    return this.transactions;
  }

  /** Whether idempotence is on (after defaults and options). */
  get idempotent(): boolean {
    return this.config.idempotent;
  }

  /** The producer id and epoch from InitProducerId; -1 without idempotence or before connect(). */
  get producerIdentity(): { readonly producerId: bigint; readonly producerEpoch: number } {
    return { producerId: this.sender.producerId, producerEpoch: this.sender.producerEpoch };
  }

  /** Bytes of records buffered or in flight, counted against bufferMemory. */
  get bufferedBytes(): number {
    return this.accumulator.bufferUsed;
  }

  /** Records whose send() waits for metadata or buffer memory. */
  get waitingRecords(): number {
    return this.waiting.length;
  }

  /**
   * Resolves when a send() would go straight into a batch, not queue behind records waiting
   * for metadata or buffer memory. A loop producing faster than the broker takes records
   * awaits this now and then (like a stream's 'drain'), so its own memory stays bounded.
   */
  waitForRoom(): Promise<void> {
    if (this.waiting.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Loads cluster metadata and, with idempotence, a producer id. Safe to call more than once. */
  connect(): Promise<void> {
    if (this.closing !== undefined) return Promise.reject(this.closedError());
    return this.ensureConnected();
  }

  private ensureConnected(): Promise<void> {
    if (this.connecting === undefined) {
      const attempt = (async () => {
        await this.cluster.connect();
        // A transactional producer's id comes from initTransactions(), with its transactional id.
        if (this.config.idempotent && this.transactions === undefined) await this.sender.initProducerId();
        this.connected = true;
      })();
      this.connecting = attempt;
      attempt.catch(() => {
        if (this.connecting === attempt) this.connecting = undefined;
      });
    }
    return this.connecting;
  }

  /** Sends one record; resolves with where it was written once acknowledged. */
  send(record: ProducerRecord): Promise<RecordMetadata> {
    return new Promise((resolve, reject) => {
      this.enqueue(record, new SingleSink(resolve, reject), 0);
    });
  }

  /**
   * Sends records in order; resolves with their metadata, in the same order, once all are
   * acknowledged, or rejects with the first failure. `onRecord`, when given, is called as each
   * record is acknowledged (also after another record of the batch failed), as Kafka's send
   * callback is, without a promise per record; `onRecordError` as each record fails with the
   * broker's (or the producer's) error, once the batch was handed over.
   */
  sendBatch(records: readonly ProducerRecord[], onRecord?: (index: number, metadata: RecordMetadata) => void, onRecordError?: (index: number, error: Error) => void): Promise<RecordMetadata[]> {
    if (records.length === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      const sink = new BatchSink(records.length, resolve, reject, onRecord, onRecordError);
      if (this.closing !== undefined) {
        reject(this.closedError());
        return;
      }
      try {
        this.transactions?.checkSend();
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
        return;
      }
      // All or nothing: a malformed record anywhere is refused before any record is produced.
      const prepared: Prepared[] = [];
      try {
        for (let i = 0; i < records.length; i++) prepared.push(this.prepare(records[i]!, sink, i));
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
        return;
      }
      for (const record of prepared) this.place(record);
    });
  }

  /** Sends everything buffered now, without waiting for linger, and resolves once all of it is answered. */
  async flush(): Promise<void> {
    this.sender.flushing++;
    this.sender.wake();
    try {
      await this.waitForRoom();
      await this.sender.waitFor(this.accumulator.open);
    } finally {
      this.sender.flushing--;
    }
  }

  /**
   * Flushes, then closes every connection and clears every timer (linger, retry backoff,
   * metadata refresh). Later sends reject with ERR_CLIENT_CLOSED. Idempotent.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      try {
        if (this.connecting !== undefined || this.waiting.length > 0) await this.flush();
      } finally {
        this.timers.clearAll();
        this.transactions?.close();
        this.sender.close(this.closedError());
        await this.cluster.close();
      }
    })();
    return this.closing;
  }

  private closedError(): ClientError {
    return new ClientError(ClientErrorCode.CLOSED, 'the producer is closed');
  }

  private enqueue(input: ProducerRecord, sink: RecordSink, slot: number): void {
    if (this.closing !== undefined) {
      sink.fail(slot, this.closedError());
      return;
    }
    let prepared: Prepared;
    try {
      this.transactions?.checkSend();
      prepared = this.prepare(input, sink, slot);
    } catch (error) {
      sink.fail(slot, error instanceof Error ? error : new Error(String(error)));
      return;
    }
    this.place(prepared);
  }

  /** Into a batch at once when nothing waits and the topic is known, else behind the waiting records. */
  private place(prepared: Prepared): void {
    if (this.waiting.length === 0 && this.connected) {
      const partitions = this.cluster.knownTopic(prepared.topic);
      const fits = partitions !== undefined && partitions.errorCode === ErrorCode.NONE && partitions.partitions.length > 0 && (prepared.partition ?? 0) < partitions.partitions.length;
      if (fits && this.hasRoom(prepared.size)) {
        this.append(prepared, partitions.partitions.length);
        return;
      }
    }
    this.waiting.push(waitingCopy(prepared));
    void this.pump();
  }

  private prepare(input: ProducerRecord, sink: RecordSink, slot: number): Prepared {
    if (typeof input.topic !== 'string' || input.topic === '') throw new ProducerError(ProducerErrorCode.INVALID_RECORD, 'a record needs a topic (a non-empty string)');
    const key = toBytes(input.key ?? null, 'key');
    const value = toBytes(input.value, 'value');
    let size = RECORD_OVERHEAD + (key?.length ?? 0) + (value?.length ?? 0);
    let headers: readonly RecordHeaderBytes[] | undefined;
    if (input.headers !== undefined) {
      // A list is read in place (no entry pairs per record): the common shape on a busy path.
      const list = Array.isArray(input.headers)
        ? (input.headers as readonly { readonly key: string; readonly value: RecordBytes }[])
        : Object.entries(input.headers as Readonly<Record<string, RecordBytes>>).map(([key, value]) => ({ key, value }));
      // The list itself while every value is already bytes (or null): it is encoded before
      // send returns, or copied if the record has to wait (waitingCopy).
      let converted: RecordHeaderBytes[] | undefined;
      for (let i = 0; i < list.length; i++) {
        const { key: k, value: v } = list[i]!;
        if (typeof k !== 'string') throw new ProducerError(ProducerErrorCode.INVALID_RECORD, 'header keys must be strings');
        if (converted === undefined && (v === null || Buffer.isBuffer(v))) {
          size += utf8Length(k) + (v?.length ?? 0) + HEADER_OVERHEAD;
          continue;
        }
        converted ??= (list as readonly RecordHeaderBytes[]).slice(0, i);
        const bytes = headerBytes(k, v);
        size += utf8Length(k) + (bytes?.length ?? 0) + HEADER_OVERHEAD;
        converted.push({ key: k, value: bytes });
      }
      headers = converted ?? (list as readonly RecordHeaderBytes[]);
    }
    const partition = input.partition;
    if (partition !== undefined && (!Number.isSafeInteger(partition) || partition < 0)) {
      throw new ProducerError(ProducerErrorCode.INVALID_RECORD, `partition must be an integer >= 0, not ${String(partition)}`);
    }
    if (size + BATCH_OVERHEAD > this.config.maxRequestSize || size + BATCH_OVERHEAD > this.config.bufferMemory) {
      const limit = Math.min(this.config.maxRequestSize, this.config.bufferMemory);
      throw kafkaError(ErrorCode.MESSAGE_TOO_LARGE, `a record of about ${size + BATCH_OVERHEAD} bytes for topic ${input.topic} is larger than the producer allows (${limit} bytes: maxRequestSize / bufferMemory)`);
    }
    const deadline = this.scheduler.now() + this.config.maxBlockMs;
    return { topic: input.topic, partition, key, value, headers, timestamp: toTimestamp(input.timestamp, this.scheduler), size, sink, slot, deadline };
  }

  /**
   * ledPartitions of `topic` as a function for the partitioner: the same one while records go
   * to the same topic, not a closure per record.
   */
  private ledPartitionsOf(topic: string): () => number[] {
    if (this.ledTopic !== topic || this.ledOfTopic === undefined) {
      this.ledTopic = topic;
      this.ledOfTopic = () => this.ledPartitions(topic);
    }
    return this.ledOfTopic;
  }

  /** The topic's partitions that have a leader now, per cached metadata. */
  private ledPartitions(topic: string): number[] {
    return (this.cluster.knownTopic(topic)?.partitions ?? []).filter((p) => p.leader >= 0).map((p) => p.partition);
  }

  private hasRoom(size: number): boolean {
    const used = this.accumulator.bufferUsed;
    return used === 0 || used + size + BATCH_OVERHEAD <= this.config.bufferMemory;
  }

  private append(prepared: Prepared, partitions: number): void {
    let partition = prepared.partition;
    if (partition === undefined) partition = this.partitioner.partition(prepared.topic, prepared.key, partitions, this.ledPartitionsOf(prepared.topic));
    else if (partition >= partitions) {
      prepared.sink.fail(prepared.slot, kafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `partition ${partition} of topic ${prepared.topic}, which has ${partitions} partition(s)`));
      return;
    }
    const p = prepared;
    this.accumulator.append(p.topic, partition, p.key, p.value, p.headers, p.timestamp, p.size, p.sink, p.slot);
    this.sender.wake();
  }

  /**
   * Works through records that wait for a connection, metadata or memory, strictly in order.
   * The head's attempt serves every record behind it of the same topic; when it fails, the
   * records it concerns whose maxBlockMs has passed fail, the others wait for the next attempt.
   */
  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    let backoff = this.config.retryBackoffMs;
    // Topics whose metadata was fetched again because a record named a partition or topic the
    // cache did not know (it may just have been created): once per topic, not per record.
    const refetched = new Set<string>();
    try {
      while (this.waiting.length > 0) {
        const head = this.waiting[0]!;
        let topicWide = false;
        try {
          await this.ensureConnected();
          topicWide = true;
          let partitions = await this.partitionCount(head.topic);
          if (head.partition !== undefined && head.partition >= partitions && !refetched.has(head.topic)) {
            refetched.add(head.topic);
            await this.cluster.refreshMetadata([head.topic]);
            partitions = await this.partitionCount(head.topic);
          }
          const room = await this.awaitRoom(head);
          this.waiting.shift();
          if (room) {
            this.append(head, partitions);
            this.appendWaitingOf(head.topic, partitions);
          } else head.sink.fail(head.slot, this.blockedTooLong(head, undefined));
          backoff = this.config.retryBackoffMs;
        } catch (error) {
          const cause = error instanceof Error ? error : new Error(String(error));
          // Waiting longer cannot help: a closed producer, a topic that does not exist.
          let final = this.closing !== undefined || !(cause instanceof ClientError && cause.retriable);
          if (isUnknownTopic(cause)) {
            final ||= refetched.has(head.topic);
            refetched.add(head.topic);
          }
          const now = this.scheduler.now();
          const concerned = (record: Prepared): boolean => !topicWide || record.topic === head.topic;
          this.failWaiting((record) => concerned(record) && (final || now >= record.deadline), (record) => (final ? cause : this.blockedTooLong(record, cause)));
          if (!final && this.waiting[0] === head) {
            await this.timers.sleep(Math.min(backoff, Math.max(0, head.deadline - this.scheduler.now())));
            backoff = Math.min(backoff * 2, 1000);
          }
        }
      }
    } finally {
      this.pumping = false;
      for (const resolve of this.idleWaiters.splice(0)) resolve();
    }
  }

  /**
   * Appends the waiting records behind a head just appended while they are of its topic, name
   * a partition it has and fit in memory: the head's checks hold for them, so they go in
   * without an await (and its microtasks) each. The first that does not qualify stops it.
   */
  private appendWaitingOf(topic: string, partitions: number): void {
    while (this.waiting.length > 0) {
      const next = this.waiting[0]!;
      if (next.topic !== topic || (next.partition !== undefined && next.partition >= partitions) || !this.hasRoom(next.size)) return;
      this.waiting.shift();
      this.append(next, partitions);
    }
  }

  /** Fails and removes the waiting records `which` selects, in order. */
  private failWaiting(which: (record: Prepared) => boolean, error: (record: Prepared) => Error): void {
    const failed: Prepared[] = [];
    for (let i = 0; i < this.waiting.length; ) {
      const record = this.waiting[i]!;
      if (which(record)) {
        failed.push(record);
        this.waiting.splice(i, 1);
      } else i++;
    }
    for (const record of failed) record.sink.fail(record.slot, error(record));
    // A record of a transaction that never got a batch dooms the transaction, as a failed batch does.
    if (failed.length > 0) this.transactions?.batchFailed(error(failed[0]!));
  }

  private blockedTooLong(record: Prepared, cause: Error | undefined): ClientError {
    return new ClientError(
      ClientErrorCode.TIMEOUT,
      `a record for topic ${record.topic} waited longer than maxBlockMs (${this.config.maxBlockMs} ms) for the cluster, the topic's metadata or buffer memory${cause === undefined ? '' : `: ${cause.message}`}`,
      { retriable: true, ...(cause === undefined ? {} : { cause }) },
    );
  }

  /** Waits until the record fits in bufferMemory; false once its deadline passed first (a broker that takes nothing). */
  private async awaitRoom(record: Prepared): Promise<boolean> {
    while (!this.hasRoom(record.size)) {
      if (this.closing !== undefined && this.sender.flushing === 0) throw this.closedError();
      const left = record.deadline - this.scheduler.now();
      if (left <= 0) return false;
      let timer: Timer | undefined;
      await new Promise<void>((resolve) => {
        this.memoryWaiter = resolve;
        timer = this.timers.set(resolve, left, { unref: true });
      });
      this.timers.clear(timer);
    }
    return true;
  }

  /**
   * The topic's partition count, creating the topic where the broker auto-creates: one
   * metadata request unless cached. Throws a KafkaError for an unknown topic, a retriable
   * error for one still being created.
   */
  private async partitionCount(topic: string): Promise<number> {
    const known = this.cluster.knownTopic(topic);
    if (known !== undefined && known.errorCode === ErrorCode.NONE && known.partitions.length > 0) return known.partitions.length;
    const partitions = await this.cluster.partitionsFor(topic, { allowAutoCreate: true });
    if (partitions.length > 0) return partitions.length;
    throw kafkaError(ErrorCode.LEADER_NOT_AVAILABLE, `metadata for topic ${topic}`);
  }
}

function isUnknownTopic(error: Error): boolean {
  return error instanceof KafkaError && error.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
}
