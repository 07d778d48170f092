import type { Scheduler, Timer } from '../../core/base/index.ts';
import { ApiKey, ErrorCode, errorCodeInfo } from '../../core/protocol/index.ts';
import type { ProduceResponse, RequestInput, ResponseBody } from '../../core/protocol/index.ts';
import type { CompressionCodec } from '../../core/records/index.ts';
import { ClientError, ClientErrorCode, KafkaError, STALE_METADATA_ERRORS, throwIfKafkaError } from '../errors.ts';
import { Timers } from '../timers.ts';
import { OneWaySocket } from './one-way-socket.ts';
import type { OneWayWriter } from './one-way-socket.ts';
import { addSequence } from './record-accumulator.ts';
import type { PartitionQueue, ProducerBatch, RecordAccumulator } from './record-accumulator.ts';
import { takeBatches } from './take-batches.ts';

export interface SenderConfig {
  readonly acks: 0 | 1 | -1;
  readonly idempotent: boolean;
  readonly compression: CompressionCodec;
  readonly lingerMs: number;
  readonly retries: number;
  readonly retryBackoffMs: number;
  readonly deliveryTimeoutMs: number;
  readonly requestTimeoutMs: number;
  /** Produce requests in flight per broker connection. */
  readonly maxInFlight: number;
  readonly maxRequestSize: number;
}

/**
 * What the sender needs of a broker connection. The client's KafkaConnection is one; a test
 * double records the requests and answers them when the test says.
 */
export interface SenderConnection {
  readonly host: string;
  readonly port: number;
  readonly clientId: string;
  readonly isClosed: boolean;
  highestVersion(apiKey: ApiKey, minVersion?: number): Promise<number>;
  request<K extends ApiKey>(apiKey: K, apiVersion: number, body: RequestInput<K>): Promise<ResponseBody<K>>;
}

/**
 * What the sender needs of the cluster: leaders from cached metadata, a refresh when they
 * went stale, a connection per broker, and the scheduler its timers run on. The client's
 * Cluster is one; unit tests pass a double (as Kafka's SenderTest passes a MockClient), so
 * the sender runs on virtual time without sockets.
 */
export interface SenderCluster {
  readonly scheduler: Scheduler;
  knownTopic(topic: string): { readonly partitions: readonly { readonly partition: number; readonly leader: number }[] } | undefined;
  refreshMetadata(topics: readonly string[]): Promise<void>;
  connectionTo(nodeId: number): Promise<SenderConnection>;
  /** A connection to any live broker, for InitProducerId. */
  anyConnection(): Promise<SenderConnection>;
  /** Runs `attempt` again after retriable errors, within the request timeout. */
  retrying<T>(attempt: () => Promise<T>): Promise<T>;
}

/** Opens the socket acks=0 requests are written on; `signal` aborts a connect in progress. */
export type OneWayOpener = (connection: SenderConnection, timeoutMs: number, signal: AbortSignal) => Promise<OneWayWriter>;

/** What a transactional producer's sender asks of its transaction manager. */
export interface SenderTransactions {
  readonly transactionalId: string;
  /**
   * Whether the partition is part of the ongoing transaction. When it is not, the manager adds
   * it (with the other partitions waiting, in one AddPartitionsToTxn) and wakes the sender.
   */
  mayProduce(topic: string, partition: number): boolean;
  /** A batch failed for good: the transaction can no longer commit. */
  batchFailed(error: Error): void;
}

export interface SenderOptions {
  /** Default: a OneWaySocket to the connection's broker. Tests pass a double. */
  readonly openOneWay?: OneWayOpener;
  /** A transactional producer's manager; batches are then sent only to partitions it added. */
  readonly transactions?: SenderTransactions;
}

/** Produce v3 is the first to carry record batch v2 (and so producer ids and sequences). */
const PRODUCE_MIN_VERSION = 3;
const MAX_BACKOFF_MS = 1000;

/** One broker the sender talks to: the pooled connection (and, for acks=0, a one-way socket). */
interface Link {
  readonly nodeId: number;
  connection: SenderConnection | undefined;
  oneWay: OneWayWriter | undefined;
  version: number;
  connecting: boolean;
  inFlight: number;
  /** Where the next request starts among the broker's ready partitions (see `takeBatches`). */
  drainFrom: number;
}

interface FlushWaiter {
  readonly remaining: Set<ProducerBatch>;
  readonly resolve: () => void;
}

/**
 * Takes ready batches from the accumulator and sends them to partition leaders: one Produce
 * request per broker carries at most one batch per partition and at most `maxRequestSize`
 * bytes (`takeBatches`), with up to `maxInFlight` requests pipelined per connection. Per partition, batches are sent in order and at most
 * `perPartitionLimit` are in flight (1 when retries without idempotence could reorder).
 * A retried batch goes back to the front of its partition's queue, and nothing more of that
 * partition is sent until everything in flight is answered, so order holds across retries.
 */
export class Sender {
  /** Set by the producer after InitProducerId. */
  producerId = -1n;
  producerEpoch = -1;
  /** flush() in progress: every batch is ready regardless of linger. */
  flushing = 0;
  private readonly cluster: SenderCluster;
  private readonly scheduler: Scheduler;
  private readonly openOneWay: OneWayOpener;
  private readonly accumulator: RecordAccumulator;
  private readonly config: SenderConfig;
  private readonly perPartitionLimit: number;
  private readonly transactions: SenderTransactions | undefined;
  private readonly links = new Map<number, Link>();
  private readonly flushWaiters = new Set<FlushWaiter>();
  private readonly onSettled: () => void;
  private drainScheduled: NodeJS.Immediate | undefined;
  /** Backoffs of connects and metadata refreshes, cleared by close(). */
  private readonly timers: Timers;
  /** Aborted by close(): acks=0 sockets still connecting. */
  private readonly closeSignal = new AbortController();
  private timer: Timer | undefined;
  private timerAt = Number.POSITIVE_INFINITY;
  private refreshing = false;
  private refreshAgain = false;
  /** A sequenced batch failed for good: sequences restart under a new producer id once nothing is in flight. */
  private resetPending = false;
  private resetting = false;
  /** After a failed reset: when to ask for a producer id again, and the backoff before the next. */
  private resetRetryAt = 0;
  private resetBackoffMs = 0;
  private totalInFlight = 0;
  private closed = false;

  constructor(cluster: SenderCluster, accumulator: RecordAccumulator, config: SenderConfig, onSettled: () => void, options: SenderOptions = {}) {
    this.cluster = cluster;
    this.scheduler = cluster.scheduler;
    this.timers = new Timers(this.scheduler);
    this.openOneWay =
      options.openOneWay ??
      ((connection, timeoutMs, signal) => OneWaySocket.connect(connection.host, connection.port, connection.clientId, timeoutMs, signal, this.scheduler));
    this.accumulator = accumulator;
    this.config = config;
    this.onSettled = onSettled;
    this.perPartitionLimit = config.idempotent || config.retries === 0 ? config.maxInFlight : 1;
    this.transactions = options.transactions;
  }

  /**
   * A sequenced batch failed for good, so the broker's next expected sequence is unknown. A
   * transactional producer does not renumber on its own: the transaction must be aborted
   * first, and then the manager takes a new epoch (restartSequences).
   */
  get sequencesLost(): boolean {
    return this.resetPending;
  }

  /** Batches in flight, across brokers. */
  get inFlight(): number {
    return this.totalInFlight;
  }

  /**
   * Fails every batch not yet sent (an aborted transaction's): they would be discarded by the
   * abort anyway, and sending them first would only delay it.
   */
  failUnsent(error: Error): void {
    for (const queue of this.accumulator.partitions.values()) {
      for (const batch of queue.queue.splice(0)) this.finish(queue, batch, error);
    }
  }

  /** Resolves once nothing is in flight. */
  waitForInFlight(): Promise<void> {
    const inFlight: ProducerBatch[] = [];
    for (const queue of this.accumulator.partitions.values()) inFlight.push(...queue.inFlight);
    return this.waitFor(inFlight);
  }

  /**
   * Takes a new producer id and epoch (from `init`, a transactional producer's InitProducerId)
   * and renumbers the waiting batches from sequence 0.
   */
  async restartSequences(init: () => Promise<{ producerId: bigint; producerEpoch: number }>): Promise<void> {
    const { producerId, producerEpoch } = await init();
    this.producerId = producerId;
    this.producerEpoch = producerEpoch;
    this.resetPending = false;
    this.renumber();
    this.wake();
  }

  /** Asks InitProducerId for a producer id and epoch (idempotence without transactions). */
  async initProducerId(): Promise<void> {
    await this.cluster.retrying(async () => {
      const connection = await this.cluster.anyConnection();
      const version = Math.min(await connection.highestVersion(ApiKey.INIT_PRODUCER_ID), 1);
      const response = await connection.request(ApiKey.INIT_PRODUCER_ID, version, { transactionalId: null, transactionTimeoutMs: 60_000 });
      throwIfKafkaError(response.errorCode, 'InitProducerId', null);
      this.producerId = response.producerId;
      this.producerEpoch = response.producerEpoch;
    });
  }

  /** Drains soon (once per turn of the event loop, however many callers ask). */
  wake(): void {
    if (this.drainScheduled !== undefined || this.closed) return;
    this.drainScheduled = setImmediate(() => {
      this.drainScheduled = undefined;
      this.drain();
    });
  }

  /** Resolves once every batch open now is answered or given up. */
  waitFor(batches: Iterable<ProducerBatch>): Promise<void> {
    const remaining = new Set<ProducerBatch>();
    for (const batch of batches) if (!batch.settled) remaining.add(batch);
    if (remaining.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.flushWaiters.add({ remaining, resolve });
    });
  }

  /** Stops sending; every unfinished batch fails with `error`; sockets of acks=0 are closed; no timer is left. */
  close(error: Error): void {
    this.closed = true;
    this.scheduler.clearTimeout(this.timer);
    this.timer = undefined;
    clearImmediate(this.drainScheduled);
    this.drainScheduled = undefined;
    this.timers.clearAll();
    this.closeSignal.abort();
    for (const queue of this.accumulator.partitions.values()) {
      for (const batch of [...queue.queue, ...queue.inFlight]) this.finish(queue, batch, error);
      queue.queue.length = 0;
      queue.inFlight.length = 0;
    }
    for (const link of this.links.values()) link.oneWay?.close();
    this.links.clear();
  }

  private drain(): void {
    if (this.closed) return;
    const now = this.scheduler.now();
    let wakeAt = Number.POSITIVE_INFINITY;
    let needMetadata = false;
    const byLeader = new Map<number, PartitionQueue[]>();
    for (const queue of this.accumulator.partitions.values()) {
      this.expire(queue, now);
      if (this.config.acks === 0) for (const batch of queue.inFlight) wakeAt = Math.min(wakeAt, batch.createdAt + this.config.deliveryTimeoutMs);
      const head = queue.queue[0];
      if (head === undefined) continue;
      // Expired on time even while nothing else wakes the sender (a broker that does not come back).
      wakeAt = Math.min(wakeAt, head.createdAt + this.config.deliveryTimeoutMs);
      if (!this.mayGo(queue, now)) {
        if (head.retryAt > now) wakeAt = Math.min(wakeAt, head.retryAt);
        continue;
      }
      if (!this.isReady(queue, head, now)) {
        wakeAt = Math.min(wakeAt, head.createdAt + this.config.lingerMs);
        continue;
      }
      if (this.transactions !== undefined && !this.transactions.mayProduce(queue.topic, queue.partition)) continue;
      const leader = this.leaderOf(queue);
      if (leader < 0) {
        needMetadata = true;
        wakeAt = Math.min(wakeAt, now + this.config.retryBackoffMs);
        continue;
      }
      let group = byLeader.get(leader);
      if (group === undefined) byLeader.set(leader, (group = []));
      group.push(queue);
    }
    // A transactional producer's manager resets sequences once the transaction is aborted.
    if (this.resetPending && this.totalInFlight === 0 && this.transactions === undefined) {
      if (now >= this.resetRetryAt) void this.resetSequences();
      else wakeAt = Math.min(wakeAt, this.resetRetryAt);
    }
    for (const [nodeId, queues] of byLeader) this.sendTo(nodeId, queues, now);
    if (needMetadata) this.refreshMetadata();
    if (wakeAt !== Number.POSITIVE_INFINITY) this.wakeAt(wakeAt);
  }

  /** Gives up batches waiting longer than deliveryTimeoutMs (a broker down for good). */
  private expire(queue: PartitionQueue, now: number): void {
    // acks=0: nothing answers a write the broker does not read; it ends at its deadline too.
    if (this.config.acks === 0) {
      for (const batch of [...queue.inFlight]) {
        if (now - batch.createdAt >= this.config.deliveryTimeoutMs) this.finish(queue, batch, this.expired(batch));
      }
    }
    while (queue.queue.length > 0) {
      const head = queue.queue[0]!;
      if (now - head.createdAt < this.config.deliveryTimeoutMs) return;
      queue.queue.shift();
      // Unknown whether an earlier attempt was written: sequences restart.
      if (head.baseSequence >= 0) this.resetPending = true;
      this.finish(queue, head, this.expired(head));
    }
  }

  private expired(batch: ProducerBatch): ClientError {
    return new ClientError(
      ClientErrorCode.TIMEOUT,
      `${batch.count} record(s) for ${batch.topic}-${batch.partition} expired: not acknowledged within deliveryTimeoutMs (${this.config.deliveryTimeoutMs} ms)`,
      { retriable: true },
    );
  }

  /** Whether the partition may send its head batch now (ordering, in-flight limits, backoff). */
  private mayGo(queue: PartitionQueue, now: number): boolean {
    if (this.resetPending || this.resetting) return false;
    if (queue.retrying) {
      if (queue.inFlight.length > 0) return false;
      queue.retrying = false;
    }
    if (queue.inFlight.length >= this.perPartitionLimit) return false;
    const head = queue.queue[0];
    if (head === undefined || head.retryAt > now) return false;
    // A batch sent before (a retry, a piece of a split batch) goes alone, as in Kafka's
    // producer: pipelined behind another resend that the broker refuses again, it could be
    // written out of order by a broker that holds no sequence state for this producer yet.
    return head.sentOrder < 0 || queue.inFlight.length === 0;
  }

  private isReady(queue: PartitionQueue, head: ProducerBatch, now: number): boolean {
    return head.closed || queue.queue.length > 1 || this.flushing > 0 || now - head.createdAt >= this.config.lingerMs;
  }

  private leaderOf(queue: PartitionQueue): number {
    const partitions = this.cluster.knownTopic(queue.topic)?.partitions;
    const info = partitions?.[queue.partition];
    if (info?.partition === queue.partition) return info.leader;
    return partitions?.find((p) => p.partition === queue.partition)?.leader ?? -1;
  }

  private wakeAt(at: number): void {
    if (this.timer !== undefined && this.timerAt <= at) return;
    this.scheduler.clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = this.scheduler.setTimeout(
      () => {
        this.timer = undefined;
        this.timerAt = Number.POSITIVE_INFINITY;
        this.drain();
      },
      Math.max(0, at - this.scheduler.now()),
    );
  }

  private link(nodeId: number): Link {
    let link = this.links.get(nodeId);
    if (link === undefined) {
      link = { nodeId, connection: undefined, oneWay: undefined, version: -1, connecting: false, inFlight: 0, drainFrom: 0 };
      this.links.set(nodeId, link);
    }
    return link;
  }

  private usable(link: Link): boolean {
    if (link.connection === undefined || link.connection.isClosed) return false;
    return this.config.acks !== 0 || (link.oneWay !== undefined && !link.oneWay.isClosed);
  }

  private connect(link: Link): void {
    if (link.connecting) return;
    link.connecting = true;
    void (async () => {
      try {
        const connection = await this.cluster.connectionTo(link.nodeId);
        link.version = await connection.highestVersion(ApiKey.PRODUCE, PRODUCE_MIN_VERSION);
        if (this.config.acks === 0 && (link.oneWay === undefined || link.oneWay.isClosed)) {
          const oneWay = await this.openOneWay(connection, this.config.requestTimeoutMs, this.closeSignal.signal);
          // Closed while connecting: close() no longer knows this link.
          if (this.closed) oneWay.close();
          else link.oneWay = oneWay;
        }
        link.connection = connection;
        link.connecting = false;
        this.wake();
      } catch {
        // Retried on a later drain, after a backoff and a metadata refresh (the broker may have moved).
        this.refreshMetadata();
        this.timers.set(
          () => {
            link.connecting = false;
            this.wake();
          },
          this.config.retryBackoffMs,
          { unref: true },
        );
      }
    })();
  }

  private sendTo(nodeId: number, queues: PartitionQueue[], now: number): void {
    const link = this.link(nodeId);
    if (!this.usable(link)) {
      this.connect(link);
      return;
    }
    const { idempotent, compression } = this.config;
    const stamp = { idempotent, compression, producerId: this.producerId, producerEpoch: this.producerEpoch, transactional: this.transactions !== undefined };
    const mayGo = (queue: PartitionQueue): boolean => this.mayGo(queue, now) && this.isReady(queue, queue.queue[0]!, now);
    while (link.inFlight < this.config.maxInFlight) {
      const taken = takeBatches(this.accumulator, queues, link.drainFrom, this.config.maxRequestSize, mayGo, stamp);
      link.drainFrom = taken.next;
      if (taken.batches.length === 0) return;
      this.produce(link, taken.batches, taken.encoded);
    }
  }

  private produce(link: Link, batches: ProducerBatch[], encoded: Buffer[]): void {
    const topics = new Map<string, { index: number; records: Buffer }[]>();
    for (let i = 0; i < batches.length; i++) {
      const batch = batches[i]!;
      let partitions = topics.get(batch.topic);
      if (partitions === undefined) topics.set(batch.topic, (partitions = []));
      partitions.push({ index: batch.partition, records: encoded[i]! });
    }
    const body: RequestInput<typeof ApiKey.PRODUCE> = {
      transactionalId: this.transactions?.transactionalId ?? null,
      acks: this.config.acks,
      timeoutMs: this.config.requestTimeoutMs,
      topicData: [...topics].map(([name, partitionData]) => ({ name, partitionData })),
    };
    link.inFlight++;
    this.totalInFlight++;
    const settle = (): void => {
      link.inFlight--;
      this.totalInFlight--;
    };
    if (this.config.acks === 0) {
      link.oneWay!.write(link.version, body, (error) => {
        settle();
        // Some may have expired while the write waited.
        const open = batches.filter((batch) => !batch.settled);
        if (error === undefined) for (const batch of open) this.succeed(batch, -1n, -1n);
        else this.requestFailed(open, error);
        this.wake();
      });
      return;
    }
    link.connection!.request(ApiKey.PRODUCE, link.version, body).then(
      (response) => {
        settle();
        this.answered(batches, response);
        this.wake();
      },
      (error: unknown) => {
        settle();
        this.requestFailed(batches, error instanceof Error ? error : new Error(String(error)));
        this.wake();
      },
    );
  }

  private answered(batches: ProducerBatch[], response: ProduceResponse): void {
    const results = new Map<string, ProduceResponse['responses'][number]['partitionResponses'][number]>();
    for (const topic of response.responses) for (const p of topic.partitionResponses) results.set(`${topic.name}\u0000${p.index}`, p);
    for (const batch of batches) {
      const result = results.get(`${batch.topic}\u0000${batch.partition}`);
      if (result === undefined) {
        this.failed(batch, new ClientError(ClientErrorCode.PROTOCOL, `the Produce response has no answer for ${batch.topic}-${batch.partition}`, { retriable: true }));
        continue;
      }
      if (result.errorCode === ErrorCode.NONE || result.errorCode === ErrorCode.DUPLICATE_SEQUENCE_NUMBER) {
        this.succeed(batch, result.baseOffset, result.logAppendTimeMs);
        continue;
      }
      if (result.errorCode === ErrorCode.MESSAGE_TOO_LARGE) {
        this.tooLarge(batch, result.errorMessage);
        continue;
      }
      const error = new KafkaError(result.errorCode, `Produce to ${batch.topic}-${batch.partition}`, result.errorMessage);
      if (STALE_METADATA_ERRORS.has(result.errorCode)) this.refreshMetadata();
      if (result.errorCode === ErrorCode.UNKNOWN_PRODUCER_ID && batch.baseSequence >= 0) {
        // The broker no longer knows this producer (its state expired with the log): as Kafka's
        // producer does, take a new producer id, renumber and resend.
        this.resetPending = true;
        this.failed(batch, error, true);
        continue;
      }
      this.failed(batch, error, result.errorCode === ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER && this.outOfOrderExpected(batch));
    }
  }

  /**
   * The batch is over the topic's max.message.bytes. As Kafka's producer does, a batch of
   * several records is split (the broker wrote none of it) and its pieces go back to the
   * front of the partition's queue, keeping its sequences; a record alone too large fails.
   */
  private tooLarge(batch: ProducerBatch, serverMessage: string | null): void {
    const queue = this.accumulator.queueFor(batch.topic, batch.partition);
    removeFrom(queue.inFlight, batch);
    if (batch.settled) return;
    const bytes = batch.encoded?.length ?? batch.bytes;
    if (batch.count > 1 && !this.closed) {
      const pieces = this.accumulator.split(batch);
      for (const waiter of this.flushWaiters) {
        if (waiter.remaining.delete(batch)) for (const piece of pieces) waiter.remaining.add(piece);
      }
      this.requeue(queue, pieces);
      this.wake();
      return;
    }
    const error = new KafkaError(
      ErrorCode.MESSAGE_TOO_LARGE,
      `Produce to ${batch.topic}-${batch.partition}: a record of ${bytes} bytes (as a batch of its own) is larger than the topic's max.message.bytes; raise max.message.bytes on the topic (or message.max.bytes on the broker), or send smaller records`,
      serverMessage,
    );
    // The broker did not take it: the next batches' sequences would leave a gap.
    if (this.config.idempotent && batch.baseSequence >= 0) this.resetPending = true;
    this.finish(queue, batch, error);
  }

  /** Puts batches back in front of everything sent after them; the partition waits for its in-flight batches. */
  private requeue(queue: PartitionQueue, batches: ProducerBatch[]): void {
    const first = batches[0]!;
    let at = 0;
    while (at < queue.queue.length && queue.queue[at]!.sentOrder >= 0 && queue.queue[at]!.sentOrder < first.sentOrder) at++;
    queue.queue.splice(at, 0, ...batches);
    queue.retrying = true;
  }

  /** The broker saw a gap because an earlier batch of this partition failed or is being retried. */
  private outOfOrderExpected(batch: ProducerBatch): boolean {
    if (batch.resequenced || this.resetPending) return true;
    const queue = this.accumulator.queueFor(batch.topic, batch.partition);
    return queue.retrying || queue.inFlight.some((b) => b !== batch && b.sentOrder < batch.sentOrder) || queue.queue.some((b) => b.baseSequence >= 0);
  }

  private requestFailed(batches: ProducerBatch[], error: Error): void {
    this.refreshMetadata();
    for (const batch of batches) this.failed(batch, error);
  }

  private succeed(batch: ProducerBatch, baseOffset: bigint, logAppendTime: bigint): void {
    const queue = this.accumulator.queueFor(batch.topic, batch.partition);
    removeFrom(queue.inFlight, batch);
    batch.succeed(baseOffset, logAppendTime);
    this.released(batch);
  }

  /** Retries a failed attempt when the error allows and time remains; otherwise fails its records. */
  private failed(batch: ProducerBatch, error: Error, forceRetriable = false): void {
    const queue = this.accumulator.queueFor(batch.topic, batch.partition);
    removeFrom(queue.inFlight, batch);
    if (batch.settled) return;
    const retriable = forceRetriable || (error instanceof ClientError && error.retriable) || (error instanceof KafkaError && errorCodeInfo(error.errorCode).retriable);
    const now = this.scheduler.now();
    if (!this.closed && retriable && batch.attempts < this.config.retries && now - batch.createdAt < this.config.deliveryTimeoutMs) {
      batch.attempts++;
      batch.resequenced = false;
      batch.retryAt = now + Math.min(this.config.retryBackoffMs * 2 ** (batch.attempts - 1), MAX_BACKOFF_MS);
      this.requeue(queue, [batch]);
      this.wakeAt(batch.retryAt);
      return;
    }
    // The broker did not take this batch (or may have): the next batches' sequences would leave a gap.
    if (this.config.idempotent && batch.baseSequence >= 0) this.resetPending = true;
    this.finish(queue, batch, error);
  }

  private finish(queue: PartitionQueue, batch: ProducerBatch, error: Error): void {
    removeFrom(queue.inFlight, batch);
    const failedNow = !batch.settled;
    batch.fail(error);
    this.released(batch);
    if (failedNow && !this.closed) this.transactions?.batchFailed(error);
  }

  private released(batch: ProducerBatch): void {
    this.accumulator.release(batch);
    if (this.flushWaiters.size > 0) {
      for (const waiter of this.flushWaiters) {
        waiter.remaining.delete(batch);
        if (waiter.remaining.size === 0) {
          this.flushWaiters.delete(waiter);
          waiter.resolve();
        }
      }
    }
    this.onSettled();
  }

  /**
   * After a sequenced batch failed for good, the broker's next expected sequence is unknown
   * to us: take a new producer id (sequences restart at 0) and renumber waiting batches.
   */
  private async resetSequences(): Promise<void> {
    if (this.resetting) return;
    this.resetting = true;
    this.resetPending = false;
    try {
      await this.initProducerId();
      this.renumber();
      this.resetBackoffMs = 0;
    } catch {
      // Sending under the old producer id would only hit OUT_OF_ORDER_SEQUENCE_NUMBER again:
      // ask again after a backoff. Waiting batches fail at their own deadlines (expire).
      this.resetPending = true;
      this.resetBackoffMs = Math.min(Math.max(this.resetBackoffMs * 2, this.config.retryBackoffMs, 1), MAX_BACKOFF_MS);
      this.resetRetryAt = this.scheduler.now() + this.resetBackoffMs;
      if (!this.closed) this.wakeAt(this.resetRetryAt);
    } finally {
      this.resetting = false;
      this.wake();
    }
  }

  /** Sequences restart at 0 under a new producer id or epoch: waiting batches that had one are renumbered. */
  private renumber(): void {
    for (const queue of this.accumulator.partitions.values()) {
      queue.nextSequence = 0;
      queue.retrying = false;
      for (const batch of queue.queue) {
        if (batch.baseSequence < 0) continue;
        batch.baseSequence = queue.nextSequence;
        queue.nextSequence = addSequence(queue.nextSequence, batch.count);
        batch.encoded = undefined;
      }
    }
  }

  /** Refreshes metadata of every topic the producer writes to; concurrent asks collapse. */
  private refreshMetadata(): void {
    if (this.closed) return;
    if (this.refreshing) {
      this.refreshAgain = true;
      return;
    }
    this.refreshing = true;
    const topics = [...new Set([...this.accumulator.partitions.values()].map((q) => q.topic))];
    this.cluster
      .refreshMetadata(topics)
      .catch(() => undefined)
      .finally(() => {
        this.timers.set(
          () => {
            this.refreshing = false;
            if (this.refreshAgain) {
              this.refreshAgain = false;
              this.refreshMetadata();
            }
            this.wake();
          },
          this.config.retryBackoffMs,
          { unref: true },
        );
      });
  }
}

function removeFrom(list: ProducerBatch[], batch: ProducerBatch): void {
  const at = list.indexOf(batch);
  if (at >= 0) list.splice(at, 1);
}
