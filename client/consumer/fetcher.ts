import { ApiKey, ErrorCode } from '../../core/protocol/index.ts';
import { decodeRecordBatch } from '../../core/records/index.ts';
import type { Record } from '../../core/records/index.ts';
import type { Cluster } from '../cluster.ts';
import type { KafkaConnection } from '../connection.ts';
import { ClientError, STALE_METADATA_ERRORS, kafkaError } from '../errors.ts';
import { Timers } from '../timers.ts';
import { selectBatches } from './fetched-batches.ts';
import type { AbortedTransaction } from './fetched-batches.ts';
import { isolationLevelCode } from './offsets.ts';
import type { IsolationLevel } from './offsets.ts';

/** What the consumer knows of one assigned partition. */
export interface PartitionState {
  readonly topic: string;
  readonly partition: number;
  readonly key: string;
  /** The next offset to fetch; undefined until committed offsets or the reset policy decide it. */
  position: bigint | undefined;
  paused: boolean;
  /** Being revoked: nothing more is fetched or delivered from it. */
  revoking: boolean;
  /** Bumped by seek and pause: fetched data of an older epoch is dropped. */
  epoch: number;
  /** The next offset to be delivered to the application, where the state tracks it. */
  delivered?: bigint | undefined;
}

/** Records of one partition from one fetch, ready for the application. */
export interface FetchedBatch<S extends PartitionState = PartitionState> {
  /** The partition state the fetch was made for: a later assignment of the same partition is another state. */
  readonly state: S;
  readonly topic: string;
  readonly partition: number;
  readonly records: Record[];
  readonly highWatermark: bigint;
  /** The offset fetched from. */
  readonly fetchOffset: bigint;
  /** The position after this batch: the offset to commit once it is processed. */
  readonly nextOffset: bigint;
  readonly epoch: number;
  readonly bytes: number;
}

/** A fetched partition's data before its records are decoded: decoding waits until the application takes it. */
interface PendingBatch<S extends PartitionState> {
  readonly state: S;
  readonly topic: string;
  readonly partition: number;
  readonly raw: Buffer;
  /** Where the data batches to decode start in `raw`. */
  readonly positions: readonly number[];
  readonly highWatermark: bigint;
  readonly fetchOffset: bigint;
  readonly nextOffset: bigint;
  readonly epoch: number;
  readonly bytes: number;
}

export interface FetcherOptions {
  readonly clientId: string;
  readonly requestTimeoutMs: number;
  readonly isolationLevel: IsolationLevel;
  readonly maxBytes: number;
  readonly maxPartitionBytes: number;
  readonly maxWaitMs: number;
  readonly minBytes: number;
  readonly maxPrefetchBytes: number;
}

export interface FetcherHooks<S extends PartitionState> {
  /** The partitions the consumer wants fetched now. */
  partitions(): Iterable<S>;
  /** A fetch for this partition got OFFSET_OUT_OF_RANGE: the reset policy must pick a position. */
  outOfRange(state: S): void;
  /** New data is buffered. */
  ready(): void;
  /** An error the consumer cannot recover from by itself. */
  fail(error: Error): void;
}

const RETRY_BACKOFF_MS = 100;

/**
 * Fetches for the assigned partitions: at most one Fetch in flight per broker, each on a
 * connection of its own (a long poll never waits behind a JoinGroup), and no new fetch while
 * the buffered batches hold maxPrefetchBytes or more.
 */
export class Fetcher<S extends PartitionState> {
  private readonly cluster: Cluster;
  private readonly options: FetcherOptions;
  private readonly hooks: FetcherHooks<S>;
  private readonly queue: PendingBatch<S>[] = [];
  private queueHead = 0;
  private bufferedBytes = 0;
  private readonly inFlight = new Set<number>();
  private readonly connections = new Map<number, Promise<KafkaConnection>>();
  private readonly leaders = new Map<string, number>();
  /** Retries after a failed leader lookup: close() clears them. */
  private readonly retryTimers: Timers;
  private closed = false;

  constructor(cluster: Cluster, options: FetcherOptions, hooks: FetcherHooks<S>) {
    this.cluster = cluster;
    this.options = options;
    this.hooks = hooks;
    this.retryTimers = new Timers(cluster.scheduler);
  }

  /**
   * The next buffered batch still current, decoded, or undefined. `isCurrent` decides from the
   * state the fetch was made for and that state's epoch then.
   */
  take(isCurrent: (batch: { state: S; epoch: number }) => boolean): FetchedBatch<S> | undefined {
    while (this.queueHead < this.queue.length) {
      const batch = this.queue[this.queueHead]!;
      this.queueHead++;
      this.bufferedBytes -= batch.bytes;
      if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) {
        this.queue.splice(0, this.queueHead);
        this.queueHead = 0;
      }
      if (!isCurrent(batch)) continue;
      const records: Record[] = [];
      for (const pos of batch.positions) {
        for (const record of decodeRecordBatch(batch.raw, pos).records) if (record.offset >= batch.fetchOffset) records.push(record);
      }
      // Compaction may have left nothing at or after the fetch offset.
      if (records.length === 0) continue;
      this.kick();
      return {
        state: batch.state,
        topic: batch.topic,
        partition: batch.partition,
        records,
        highWatermark: batch.highWatermark,
        fetchOffset: batch.fetchOffset,
        nextOffset: batch.nextOffset,
        epoch: batch.epoch,
        bytes: batch.bytes,
      };
    }
    this.kick();
    return undefined;
  }

  /** Starts a fetch on every broker that leads a fetchable partition and has none in flight. */
  kick(): void {
    if (this.closed || this.bufferedBytes >= this.options.maxPrefetchBytes) return;
    const byLeader = new Map<number, S[]>();
    const unknownLeader: S[] = [];
    for (const state of this.hooks.partitions()) {
      if (state.paused || state.revoking || state.position === undefined) continue;
      const leader = this.leaders.get(state.key);
      if (leader === undefined) {
        unknownLeader.push(state);
        continue;
      }
      if (this.inFlight.has(leader)) continue;
      const list = byLeader.get(leader);
      if (list === undefined) byLeader.set(leader, [state]);
      else list.push(state);
    }
    for (const [leader, states] of byLeader) this.fetchFrom(leader, states);
    if (unknownLeader.length > 0) this.findLeaders(unknownLeader);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.retryTimers.clearAll();
    const all = [...this.connections.values()];
    this.connections.clear();
    await Promise.all(all.map((c) => c.then((conn) => conn.close()).catch(() => undefined)));
  }

  private findingLeaders = false;

  private findLeaders(states: S[]): void {
    if (this.findingLeaders) return;
    this.findingLeaders = true;
    void (async () => {
      try {
        for (const state of states) {
          this.leaders.set(state.key, await this.cluster.leaderFor(state.topic, state.partition));
        }
        this.findingLeaders = false;
        this.kick();
      } catch (error) {
        this.findingLeaders = false;
        if (error instanceof ClientError && error.retriable) this.retryLater();
        else this.hooks.fail(error instanceof Error ? error : new Error(String(error)));
      }
    })();
  }

  private retryLater(): void {
    if (this.closed) return;
    this.retryTimers.set(() => {
      this.kick();
    }, RETRY_BACKOFF_MS);
  }

  private connection(nodeId: number): Promise<KafkaConnection> {
    const existing = this.connections.get(nodeId);
    if (existing !== undefined) return existing;
    const broker = this.cluster.brokerList().find((b) => b.nodeId === nodeId);
    const connecting =
      broker === undefined
        ? this.cluster.refreshMetadata([]).then(() => {
            this.connections.delete(nodeId);
            return this.connection(nodeId);
          })
        : this.cluster.openConnection(broker);
    this.connections.set(nodeId, connecting);
    return connecting;
  }

  private fetchFrom(nodeId: number, states: S[]): void {
    this.inFlight.add(nodeId);
    const sent = states.map((s) => ({ state: s, offset: s.position ?? 0n, epoch: s.epoch }));
    void (async () => {
      let retry = false;
      try {
        const connection = await this.connection(nodeId);
        if (connection.isClosed) {
          this.connections.delete(nodeId);
          retry = true;
          return;
        }
        const topics = new Map<string, { partition: number; fetchOffset: bigint; partitionMaxBytes: number }[]>();
        for (const { state, offset } of sent) {
          const entry = { partition: state.partition, fetchOffset: offset, partitionMaxBytes: this.options.maxPartitionBytes };
          const list = topics.get(state.topic);
          if (list === undefined) topics.set(state.topic, [entry]);
          else list.push(entry);
        }
        const { response } = await this.cluster.send(
          connection,
          ApiKey.FETCH,
          {
            replicaId: -1,
            maxWaitMs: this.options.maxWaitMs,
            minBytes: this.options.minBytes,
            maxBytes: this.options.maxBytes,
            isolationLevel: isolationLevelCode(this.options.isolationLevel),
            sessionId: 0,
            sessionEpoch: -1,
            topics: [...topics].map(([topic, partitions]) => ({ topic, partitions })),
            forgottenTopicsData: [],
            rackId: '',
          },
          { minVersion: 4, maxVersion: 11, timeoutMs: this.options.maxWaitMs + this.options.requestTimeoutMs },
        );
        if (response.errorCode !== ErrorCode.NONE) throw kafkaError(response.errorCode, `Fetch from broker ${nodeId}`);
        let delivered = false;
        for (const topic of response.responses) {
          for (const p of topic.partitions) {
            const key = `${topic.topic}\u0000${p.partitionIndex}`;
            const request = sent.find((s) => s.state.key === key);
            if (request === undefined) continue;
            const { state, offset, epoch } = request;
            // Seeked, paused or revoked while the fetch was out: its data is stale.
            if (state.epoch !== epoch || state.position !== offset) continue;
            if (p.errorCode === ErrorCode.OFFSET_OUT_OF_RANGE) {
              state.position = undefined;
              this.hooks.outOfRange(state);
              continue;
            }
            if (STALE_METADATA_ERRORS.has(p.errorCode)) {
              this.leaders.delete(key);
              retry = true;
              continue;
            }
            if (p.errorCode !== ErrorCode.NONE) throw kafkaError(p.errorCode, `Fetch for ${topic.topic}-${p.partitionIndex}`);
            const batch = this.decode(state, offset, epoch, p.highWatermark, p.records, p.abortedTransactions);
            if (batch === undefined) continue;
            state.position = batch.nextOffset;
            if (batch.positions.length === 0) {
              // Nothing to deliver (transaction markers, aborted records): with nothing of the
              // partition waiting, its position moves past them, as a Kafka consumer's does.
              if (!this.queue.some((queued) => queued.state === state)) state.delivered = batch.nextOffset;
              continue;
            }
            this.queue.push(batch);
            this.bufferedBytes += batch.bytes;
            delivered = true;
          }
        }
        if (retry) await this.cluster.refreshMetadata([...topics.keys()]).catch(() => undefined);
        if (delivered) this.hooks.ready();
      } catch (error) {
        if (this.closed) return;
        if (error instanceof ClientError && error.retriable) {
          const connection = this.connections.get(nodeId);
          this.connections.delete(nodeId);
          void connection?.then((c) => c.close()).catch(() => undefined);
          for (const { state } of sent) this.leaders.delete(state.key);
          retry = true;
        } else {
          this.hooks.fail(error instanceof Error ? error : new Error(String(error)));
        }
      } finally {
        this.inFlight.delete(nodeId);
        if (retry) this.retryLater();
        else this.kick();
      }
    })();
  }

  /** One partition's fetched bytes as a pending batch: what selectBatches keeps of them, still undecoded. */
  private decode(
    state: S,
    fetchOffset: bigint,
    epoch: number,
    highWatermark: bigint,
    bytes: Buffer | null,
    aborted: readonly AbortedTransaction[] | null,
  ): PendingBatch<S> | undefined {
    if (bytes === null || bytes.length === 0) return undefined;
    const selected = selectBatches(bytes, fetchOffset, this.options.isolationLevel, aborted);
    if (selected === undefined) return undefined;
    const { positions, nextOffset } = selected;
    return { state, topic: state.topic, partition: state.partition, raw: bytes, positions, highWatermark, fetchOffset, nextOffset, epoch, bytes: selected.bytes };
  }
}
