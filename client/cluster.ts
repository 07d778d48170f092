import { systemScheduler } from '../core/base/index.ts';
import type { Scheduler, Timer } from '../core/base/index.ts';
import { ApiKey, ErrorCode, errorCodeInfo } from '../core/protocol/index.ts';
import type { MetadataResponse, RequestInput, ResponseBody } from '../core/protocol/index.ts';
import { parseBootstrap } from './bootstrap.ts';
import type { BrokerAddress } from './bootstrap.ts';
import { KafkaConnection } from './connection.ts';
import type { ConnectionOptions } from './connection.ts';
import { resolveClusterConfig } from './cluster-config.ts';
import type { ClusterConfig, ClusterConfigInput } from './cluster-config.ts';
import { ClientError, ClientErrorCode, kafkaError, throwIfKafkaError } from './errors.ts';
import { Timers } from './timers.ts';

/**
 * The JSON options (bootstrapServers, clientId, timeouts: declared with their defaults in
 * cluster-config.ts) and, here, the ones that are objects.
 */
export interface ClusterOptions extends ClusterConfigInput {
  /** Time and timers for timeouts, backoffs and refreshes; tests pass a VirtualScheduler. Default the system's. */
  readonly scheduler?: Scheduler;
  /**
   * Opens a connection to a broker; default a TCP connection (KafkaConnection.connect). Tests
   * pass one that answers over an in-memory stream, so the whole client runs without sockets.
   */
  readonly connect?: ConnectFunction;
}

/** How a Cluster opens a connection to a broker at `address`. */
export type ConnectFunction = (address: BrokerAddress, options: ConnectionOptions) => Promise<KafkaConnection>;

const tcpConnect: ConnectFunction = (address, options) => KafkaConnection.connect(address.host, address.port, options);

export interface BrokerInfo {
  readonly nodeId: number;
  readonly host: string;
  readonly port: number;
  readonly rack: string | null;
}

export interface PartitionInfo {
  readonly topic: string;
  readonly partition: number;
  /** -1 while the partition has no leader. */
  readonly leader: number;
  readonly leaderEpoch: number;
  readonly replicas: readonly number[];
  readonly isr: readonly number[];
  readonly errorCode: number;
}

export interface TopicMetadata {
  readonly name: string;
  readonly isInternal: boolean;
  readonly errorCode: number;
  readonly partitions: readonly PartitionInfo[];
}

/** Metadata v4+ carries allowAutoTopicCreation, so the client decides whether asking creates. */
const METADATA_MIN_VERSION = 4;
const MAX_BACKOFF_MS = 1000;
const MAX_TIMER_MS = 0x7fffffff;
const MIN_FAILURE_MEMORY_MS = 1000;

/**
 * What a client knows of a Kafka cluster: its brokers, topics and partition leaders, and
 * one pooled connection per broker. Any Kafka-protocol cluster works (Brook, Apache Kafka,
 * Redpanda): requests go where Kafka clients send them (the partition leader, the group
 * coordinator, the controller), each at the highest version both sides speak.
 */
export class Cluster {
  readonly clientId: string;
  /** The scheduler every timer of this client runs on: the producer's and consumer's parts share it. */
  readonly scheduler: Scheduler;
  private readonly options: ClusterOptions;
  /** The JSON options, validated, with their defaults. */
  private readonly config: ClusterConfig;
  private readonly bootstrap: BrokerAddress[];
  private readonly brokers = new Map<number, BrokerInfo>();
  private readonly topics = new Map<string, TopicMetadata>();
  private readonly connections = new Map<number, Promise<KafkaConnection>>();
  /** The pooled connections that are set up, for anyConnection to choose among without waiting. */
  private readonly open = new Map<number, KafkaConnection>();
  /** When connecting to each broker last failed; cleared by a success. */
  private readonly connectFailures = new Map<number, number>();
  /** The connectionTo lookup running for each broker, shared by concurrent callers. */
  private readonly lookups = new Map<number, Promise<KafkaConnection>>();
  private bootstrapConnection: Promise<KafkaConnection> | undefined;
  private controllerId = -1;
  private clusterIdValue: string | null = null;
  private metadataAt = 0;
  private refreshing: Promise<void> | undefined;
  /** Retry backoffs and the periodic refresh: close() clears them all. */
  private readonly timers: Timers;
  private refreshTimer: Timer | undefined;
  private closed = false;

  constructor(options: ClusterOptions) {
    this.options = options;
    this.config = resolveClusterConfig(options);
    this.scheduler = options.scheduler ?? systemScheduler;
    this.timers = new Timers(this.scheduler);
    this.clientId = this.config.clientId;
    const servers = typeof this.config.bootstrapServers === 'string' ? [this.config.bootstrapServers] : this.config.bootstrapServers;
    this.bootstrap = servers.flatMap((s) => parseBootstrap(s));
    if (this.bootstrap.length === 0) throw new ClientError(ClientErrorCode.INVALID_BOOTSTRAP, 'no bootstrap servers given');
  }

  get clusterId(): string | null {
    return this.clusterIdValue;
  }

  get requestTimeoutMs(): number {
    return this.config.requestTimeoutMs;
  }

  get metadataMaxAgeMs(): number {
    return this.config.metadataMaxAgeMs;
  }

  /** Connects to a bootstrap server and loads the broker list. */
  async connect(): Promise<void> {
    await this.refreshMetadata([]);
  }

  brokerList(): BrokerInfo[] {
    return [...this.brokers.values()];
  }

  knownTopic(name: string): TopicMetadata | undefined {
    return this.topics.get(name);
  }

  /**
   * Refreshes metadata for `topics` (null: every topic; []: only brokers). Concurrent
   * callers share one refresh. With `allowAutoCreate`, asking for an unknown topic may
   * create it on brokers configured to (as producers do).
   */
  refreshMetadata(topics: readonly string[] | null, options: { allowAutoCreate?: boolean } = {}): Promise<void> {
    const refresh = this.fetchMetadata(topics, options.allowAutoCreate ?? false);
    // Concurrent refreshes for the broker list alone collapse into one.
    if (topics !== null && topics.length === 0) {
      this.refreshing ??= refresh.finally(() => {
        this.refreshing = undefined;
      });
      return this.refreshing;
    }
    return refresh;
  }

  /** The topic's partitions, from fresh enough metadata; throws a KafkaError for an unknown or broken topic. */
  async partitionsFor(topic: string, options: { allowAutoCreate?: boolean } = {}): Promise<readonly PartitionInfo[]> {
    let known = this.topics.get(topic);
    if (known === undefined || known.errorCode !== ErrorCode.NONE || this.stale()) {
      await this.refreshMetadata([topic], options);
      known = this.topics.get(topic);
    }
    if (known === undefined) throw kafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `metadata for topic ${topic}`);
    throwIfKafkaError(known.errorCode, `metadata for topic ${topic}`);
    return known.partitions;
  }

  /** The node id leading a partition, refreshing metadata once if it is unknown. */
  async leaderFor(topic: string, partition: number): Promise<number> {
    const find = (): number | undefined => this.topics.get(topic)?.partitions.find((p) => p.partition === partition)?.leader;
    let leader = find();
    if (leader === undefined || leader < 0) {
      await this.refreshMetadata([topic]);
      leader = find();
    }
    if (leader === undefined) throw kafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `leader of ${topic}-${partition}`);
    if (leader < 0) throw kafkaError(ErrorCode.LEADER_NOT_AVAILABLE, `leader of ${topic}-${partition}`);
    return leader;
  }

  /**
   * The pooled connection to a broker; a closed one is replaced on the next call. Concurrent
   * callers for one broker share one lookup, so they get (and the pool keeps) one connection.
   */
  connectionTo(nodeId: number): Promise<KafkaConnection> {
    if (this.closed) return Promise.reject(new ClientError(ClientErrorCode.CLOSED, 'the client is closed'));
    const running = this.lookups.get(nodeId);
    if (running !== undefined) return running;
    const lookup = this.lookupConnection(nodeId).finally(() => {
      if (this.lookups.get(nodeId) === lookup) this.lookups.delete(nodeId);
    });
    this.lookups.set(nodeId, lookup);
    return lookup;
  }

  /**
   * A connection to any live broker, the least loaded first (Kafka's least-loaded node): an
   * open pooled connection with the fewest requests in flight, else a broker not failed
   * recently, else one that did (longest ago first), else a bootstrap server. A broker that is
   * down so costs a metadata refresh its connect timeout once, not every time.
   */
  async anyConnection(): Promise<KafkaConnection> {
    this.ensureOpen();
    const live = [...this.open]
      .filter(([nodeId, connection]) => this.brokers.has(nodeId) && !connection.isClosed)
      .sort(([, a], [, b]) => a.inFlight - b.inFlight);
    if (live.length > 0) return live[0]![1];
    const since = this.scheduler.now() - this.failureMemoryMs();
    const failedAt = (nodeId: number): number => this.connectFailures.get(nodeId) ?? -Infinity;
    const fresh = [...this.brokers.keys()].filter((nodeId) => failedAt(nodeId) <= since);
    const recent = [...this.brokers.keys()].filter((nodeId) => failedAt(nodeId) > since).sort((a, b) => failedAt(a) - failedAt(b));
    for (const nodeId of [...fresh, ...recent]) {
      try {
        return await this.connectionTo(nodeId);
      } catch {
        // Try the next broker.
      }
    }
    return this.bootstrapConnectionOpen();
  }

  /** The controller, where admin requests (CreateTopics, DeleteTopics, CreatePartitions) go. */
  async controller(): Promise<KafkaConnection> {
    if (this.controllerId < 0) await this.refreshMetadata([]);
    if (this.controllerId < 0) return this.anyConnection();
    return this.connectionTo(this.controllerId);
  }

  /** The coordinator of a consumer group (keyType 0) or transactional id (1), found with FindCoordinator. */
  async coordinator(key: string, keyType = 0): Promise<{ nodeId: number; connection: KafkaConnection }> {
    return this.retrying(async () => {
      const connection = await this.anyConnection();
      const version = await connection.highestVersion(ApiKey.FIND_COORDINATOR);
      const response = await connection.request(ApiKey.FIND_COORDINATOR, version, { key, keyType });
      throwIfKafkaError(response.errorCode, `FindCoordinator for ${key}`, response.errorMessage);
      if (!this.brokers.has(response.nodeId)) {
        this.brokers.set(response.nodeId, { nodeId: response.nodeId, host: response.host, port: response.port, rack: null });
      }
      return { nodeId: response.nodeId, connection: await this.connectionTo(response.nodeId) };
    });
  }

  /**
   * Sends a request to a broker at the highest version both sides speak (at least
   * `minVersion`); `body` may depend on the version chosen.
   */
  async send<K extends ApiKey>(
    connection: KafkaConnection,
    apiKey: K,
    body: RequestInput<K> | ((version: number) => RequestInput<K>),
    options: { minVersion?: number; maxVersion?: number; timeoutMs?: number } = {},
  ): Promise<{ version: number; response: ResponseBody<K> }> {
    let version = await connection.highestVersion(apiKey, options.minVersion ?? 0);
    if (options.maxVersion !== undefined) version = Math.min(version, options.maxVersion);
    const input = typeof body === 'function' ? body(version) : body;
    const response = await connection.request(apiKey, version, input, options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs });
    return { version, response };
  }

  /**
   * Runs `attempt` until it succeeds, retrying retriable errors (with backoff, fresh
   * metadata and a fresh connection) until the request timeout has passed.
   */
  async retrying<T>(attempt: () => Promise<T>): Promise<T> {
    const deadline = this.scheduler.now() + this.requestTimeoutMs;
    let backoff = this.config.retryBackoffMs;
    for (;;) {
      try {
        return await attempt();
      } catch (error) {
        const retriable = error instanceof ClientError && error.retriable;
        if (!retriable || this.closed || this.scheduler.now() + backoff > deadline) throw error;
        // close() ends the sleep early; the next attempt then fails as closed.
        await this.timers.sleep(backoff);
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
        await this.refreshMetadata([]).catch(() => undefined);
      }
    }
  }

  /** Closes every connection and clears every timer. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.timers.clearAll();
    this.refreshTimer = undefined;
    const all = [...this.connections.values()];
    if (this.bootstrapConnection !== undefined) all.push(this.bootstrapConnection);
    this.connections.clear();
    this.open.clear();
    await Promise.all(all.map((c) => c.then((conn) => conn.close()).catch(() => undefined)));
  }

  private stale(): boolean {
    return this.scheduler.now() - this.metadataAt > this.metadataMaxAgeMs;
  }

  /**
   * Arms the next periodic refresh, metadataMaxAgeMs after the last one (whatever asked for
   * it). It asks for every topic known, so a client writing to a topic sees partitions added
   * to it. A failed refresh is tried again a period later; errors in requests refresh sooner.
   */
  private scheduleRefresh(): void {
    if (this.closed) return;
    this.timers.clear(this.refreshTimer);
    this.refreshTimer = this.timers.set(
      () => {
        this.refreshTimer = undefined;
        this.refreshMetadata([...this.topics.keys()]).catch(() => {
          this.scheduleRefresh();
        });
      },
      // setTimeout takes at most 2^31-1 ms (a larger delay would fire at once).
      Math.min(this.metadataMaxAgeMs, MAX_TIMER_MS),
      { unref: true },
    );
  }

  /**
   * A Metadata request of its own (null: every topic), answered as the broker sees it now; the
   * cache is left as it is. For callers that must not read the cache (it keeps a deleted
   * topic a while) or must see a topic's errors.
   */
  async requestMetadata(topics: readonly string[] | null, allowAutoCreate = false): Promise<MetadataResponse> {
    const connection = await this.anyConnection();
    const { response } = await this.send(
      connection,
      ApiKey.METADATA,
      {
        topics: topics === null ? null : topics.map((name) => ({ name })),
        allowAutoTopicCreation: allowAutoCreate,
        includeClusterAuthorizedOperations: false,
        includeTopicAuthorizedOperations: false,
      },
      { minVersion: METADATA_MIN_VERSION },
    );
    return response;
  }

  private async fetchMetadata(topics: readonly string[] | null, allowAutoCreate: boolean): Promise<void> {
    const response = await this.requestMetadata(topics, allowAutoCreate);
    this.brokers.clear();
    for (const b of response.brokers) this.brokers.set(b.nodeId, { nodeId: b.nodeId, host: b.host, port: b.port, rack: b.rack });
    this.controllerId = response.controllerId;
    this.clusterIdValue = response.clusterId;
    for (const t of response.topics) {
      // A retriable error (LEADER_NOT_AVAILABLE while a topic is being created) keeps what was known.
      if (t.errorCode !== ErrorCode.NONE && errorCodeInfo(t.errorCode).retriable && this.topics.has(t.name)) continue;
      this.topics.set(t.name, {
        name: t.name,
        isInternal: t.isInternal,
        errorCode: t.errorCode,
        partitions: t.partitions
          .map((p) => ({
            topic: t.name,
            partition: p.partitionIndex,
            leader: p.leaderId,
            leaderEpoch: p.leaderEpoch,
            replicas: p.replicaNodes,
            isr: p.isrNodes,
            errorCode: p.errorCode,
          }))
          .sort((a, b) => a.partition - b.partition),
      });
    }
    if (topics === null) {
      const present = new Set(response.topics.map((t) => t.name));
      for (const name of [...this.topics.keys()]) if (!present.has(name)) this.topics.delete(name);
    }
    this.metadataAt = this.scheduler.now();
    this.scheduleRefresh();
  }

  private async lookupConnection(nodeId: number): Promise<KafkaConnection> {
    for (;;) {
      this.ensureOpen();
      const existing = this.connections.get(nodeId);
      if (existing !== undefined) {
        const connection = await existing.catch(() => undefined);
        if (connection !== undefined && !connection.isClosed) return connection;
        // Only the entry seen may go: close() or a failed connect may have changed the pool meanwhile.
        if (this.connections.get(nodeId) === existing) {
          this.connections.delete(nodeId);
          this.open.delete(nodeId);
        }
        continue;
      }
      let broker = this.brokers.get(nodeId);
      if (broker === undefined) {
        await this.refreshMetadata([]);
        broker = this.brokers.get(nodeId);
      }
      if (broker === undefined) throw new ClientError(ClientErrorCode.CONNECT, `broker ${nodeId} is not in the cluster's metadata`, { retriable: true });
      // Closed while awaiting metadata: a connection opened now would outlive close().
      this.ensureOpen();
      if (this.connections.has(nodeId)) continue;
      const connecting = this.openConnection(broker);
      this.connections.set(nodeId, connecting);
      this.open.delete(nodeId);
      connecting.then(
        (connection) => {
          this.connectFailures.delete(nodeId);
          if (this.connections.get(nodeId) === connecting) this.open.set(nodeId, connection);
        },
        () => {
          this.connectFailures.set(nodeId, this.scheduler.now());
          if (this.connections.get(nodeId) === connecting) this.connections.delete(nodeId);
        },
      );
      return connecting;
    }
  }

  private bootstrapConnectionOpen(): Promise<KafkaConnection> {
    // Reached after awaits (other brokers failing first): nothing new is opened once closed.
    if (this.closed) return Promise.reject(new ClientError(ClientErrorCode.CLOSED, 'the client is closed'));
    const current = this.bootstrapConnection;
    if (current !== undefined) {
      return current.then(
        (connection) => {
          if (!connection.isClosed) return connection;
          this.bootstrapConnection = undefined;
          return this.bootstrapConnectionOpen();
        },
        () => {
          this.bootstrapConnection = undefined;
          return this.bootstrapConnectionOpen();
        },
      );
    }
    const opened = (async () => {
      const failures: string[] = [];
      for (const address of this.bootstrap) {
        this.ensureOpen();
        try {
          return await this.openConnection(address);
        } catch (error) {
          failures.push(error instanceof Error ? error.message : String(error));
        }
      }
      throw new ClientError(ClientErrorCode.CONNECT, `no bootstrap server could be reached: ${failures.join('; ')}`, { retriable: true });
    })();
    this.bootstrapConnection = opened;
    return opened;
  }

  /**
   * A new connection to `address`, outside the pool (the caller closes it), set up as the
   * pool's are: same client id, timeouts, scheduler and way of connecting. For a consumer's
   * fetches, which must not queue behind other requests.
   */
  openConnection(address: BrokerAddress): Promise<KafkaConnection> {
    return (this.options.connect ?? tcpConnect)({ host: address.host, port: address.port }, this.connectionOptions());
  }

  /** A broker whose connect failed is tried after the others for as long as one attempt may take. */
  private failureMemoryMs(): number {
    return Math.max(MIN_FAILURE_MEMORY_MS, this.config.connectTimeoutMs);
  }

  private connectionOptions(): ConnectionOptions {
    return {
      clientId: this.clientId,
      requestTimeoutMs: this.requestTimeoutMs,
      scheduler: this.scheduler,
      connectTimeoutMs: this.config.connectTimeoutMs,
    };
  }

  private ensureOpen(): void {
    if (this.closed) throw new ClientError(ClientErrorCode.CLOSED, 'the client is closed');
  }
}
