import { setTimeout as delay } from 'node:timers/promises';
import { ApiKey, ErrorCode } from '../core/protocol/index.ts';
import type { MetadataResponse } from '../core/protocol/index.ts';
import { Cluster } from './cluster.ts';
import type { ClusterOptions } from './cluster.ts';
import type { KafkaConnection } from './connection.ts';
import { CONSUMER_PROTOCOL_TYPE, decodeConsumerAssignment } from './consumer-protocol.ts';
import type { ConsumerAssignment } from './consumer-protocol.ts';
import { ClientError, ClientErrorCode, KafkaError, kafkaError, throwIfKafkaError } from './errors.ts';

// ---- public types ------------------------------------------------------------------------

export interface NewTopic {
  readonly topic: string;
  /** Default: the broker's num.partitions. */
  readonly numPartitions?: number;
  /** Default: the broker's default.replication.factor. */
  readonly replicationFactor?: number;
  /** Topic config overrides, e.g. `{ 'cleanup.policy': 'compact' }`. */
  readonly configs?: Readonly<Record<string, string>>;
}

export interface MutationOptions {
  /** Ask the broker to check the request without applying it. */
  readonly validateOnly?: boolean;
  /** How long the broker may take (sent in the request). Default: the cluster's request timeout. */
  readonly timeoutMs?: number;
}

export interface PartitionDescription {
  readonly partition: number;
  /** -1 while the partition has no leader. */
  readonly leader: number;
  readonly replicas: readonly number[];
  readonly isr: readonly number[];
}

export interface TopicDescription {
  readonly name: string;
  readonly internal: boolean;
  /** Sorted by partition. */
  readonly partitions: readonly PartitionDescription[];
  /** Only with `{ includeConfigs: true }`. */
  readonly configs?: readonly ConfigEntry[];
}

export type ConfigResourceType = 'topic' | 'broker';

/** Kafka's DescribeConfigsResponse.ConfigSource, by name. */
export const ConfigSource = {
  0: 'UNKNOWN',
  1: 'DYNAMIC_TOPIC_CONFIG',
  2: 'DYNAMIC_BROKER_CONFIG',
  3: 'DYNAMIC_DEFAULT_BROKER_CONFIG',
  4: 'STATIC_BROKER_CONFIG',
  5: 'DEFAULT_CONFIG',
  6: 'DYNAMIC_BROKER_LOGGER_CONFIG',
} as const;
export type ConfigSourceName = (typeof ConfigSource)[keyof typeof ConfigSource];

export interface ConfigEntry {
  readonly name: string;
  readonly value: string | null;
  readonly source: ConfigSourceName;
  readonly readOnly: boolean;
  readonly isDefault: boolean;
  readonly isSensitive: boolean;
}

export interface ConfigResource {
  readonly type: ConfigResourceType;
  /** A topic name, or a broker id ('' for the cluster-wide broker default). */
  readonly name: string;
}

export interface DescribeConfigsResource extends ConfigResource {
  /** Only these keys; default all. */
  readonly keys?: readonly string[];
}

export interface ConfigResourceEntries extends ConfigResource {
  readonly entries: readonly ConfigEntry[];
}

export type AlterConfigOpName = 'set' | 'delete' | 'append' | 'subtract';

export interface AlterConfigOp {
  readonly name: string;
  readonly op: AlterConfigOpName;
  /** Required for set, append and subtract. */
  readonly value?: string;
}

export interface AlterConfigsResource extends ConfigResource {
  readonly ops: readonly AlterConfigOp[];
}

export interface GroupListing {
  readonly groupId: string;
  readonly protocolType: string;
  /** Only with `{ includeState: true }`: Empty, Stable, PreparingRebalance, CompletingRebalance or Dead. */
  readonly state?: string;
}

export interface GroupMemberDescription {
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly clientId: string;
  readonly clientHost: string;
  /** The consumer-protocol assignment; null for other protocol types or unreadable bytes. */
  readonly assignment: ConsumerAssignment | null;
  readonly memberMetadata: Buffer;
  readonly memberAssignment: Buffer;
}

export interface GroupDescription {
  readonly groupId: string;
  /** Empty, Stable, PreparingRebalance, CompletingRebalance or Dead (Dead for a group that does not exist, as in Kafka). */
  readonly state: string;
  readonly protocolType: string;
  /** The chosen protocol, e.g. the assignor name `range`. */
  readonly protocol: string;
  readonly coordinator: number;
  readonly members: readonly GroupMemberDescription[];
}

export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

/** `earliest`, `latest`, or a time in ms since the epoch (the first offset whose timestamp is at or after it). */
export type OffsetSpec = 'earliest' | 'latest' | number;

/** Where `resetOffsets` moves a group: an `OffsetSpec`, or one offset for every partition (moved into each log's range). */
export type ResetSpec = OffsetSpec | { readonly offset: bigint };

export interface ResetOffsetsOptions {
  /** Work out the new offsets without committing them. */
  readonly dryRun?: boolean;
}

export interface ListOffsetsRequest extends TopicPartition {
  readonly timestamp: OffsetSpec;
}

export interface ListedOffset extends TopicPartition {
  /** -1n when no record has a timestamp at or after the one asked for. */
  readonly offset: bigint;
  readonly timestamp: bigint;
}

export interface CommittedOffset extends TopicPartition {
  /** -1n when the group has no committed offset for the partition. */
  readonly offset: bigint;
  readonly metadata: string | null;
}

export interface ResetOffset extends CommittedOffset {
  /**
   * With `{ offset }`: the offset asked for, when it lay outside the partition's log and
   * `offset` is the nearer end (the earliest or the log end offset) instead.
   */
  readonly clampedFrom?: bigint;
}

export interface OffsetToCommit extends TopicPartition {
  readonly offset: bigint;
  readonly metadata?: string;
}

export interface DeleteRecordsRequest extends TopicPartition {
  /** Delete every record before this offset; -1n means up to the high watermark. */
  readonly offset: bigint;
}

export interface DeletedRecords extends TopicPartition {
  readonly lowWatermark: bigint;
}

// ---- wire constants ----------------------------------------------------------------------

const RESOURCE_TYPE: Readonly<Record<ConfigResourceType, number>> = { topic: 2, broker: 4 };
const ALTER_OP: Readonly<Record<AlterConfigOpName, number>> = { set: 0, delete: 1, append: 2, subtract: 3 };
const LATEST = -1n;
const EARLIEST = -2n;
const CONSUMER_REPLICA_ID = -1;
const READ_UNCOMMITTED = 0;
/** Metadata v4 is the first that can ask without auto-creating the topics it names. */
const METADATA_MIN_VERSION = 4;
const MAX_BACKOFF_MS = 1000;

/** A new offset worked out by `resetOffsets`, before it is committed. */
type PlannedOffset = TopicPartition & { readonly offset: bigint; readonly clampedFrom?: bigint };

const tpKey = (tp: TopicPartition): string => `${tp.topic}\u0000${tp.partition}`;
const byTopicPartition = (a: TopicPartition, b: TopicPartition): number => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition);
const quoted = (name: string): string => `'${name}'`;

function groupBy<T, K>(items: readonly T[], key: (item: T) => K): Map<K, T[]> {
  const out = new Map<K, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list === undefined) out.set(k, [item]);
    else list.push(item);
  }
  return out;
}

/** `[{topic, partition, ...}]` as the wire's `[{name, partitions: [...]}]`. */
function byTopic<T extends TopicPartition, P>(items: readonly T[], partition: (item: T) => P): { name: string; partitions: P[] }[] {
  return [...groupBy(items, (i) => i.topic)].map(([name, list]) => ({ name, partitions: list.map(partition) }));
}

function sourceName(code: number): ConfigSourceName {
  return Object.hasOwn(ConfigSource, code) ? ConfigSource[code as keyof typeof ConfigSource] : 'UNKNOWN';
}

/** Transient faults worth another try. An unknown topic is final for an admin client (Kafka's admin also fails fast). */
function transient(error: unknown): boolean {
  if (!(error instanceof ClientError) || !error.retriable) return false;
  return !(error instanceof KafkaError && error.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
}

/**
 * Kafka's admin operations over a `Cluster`: topics, partitions, configs, consumer groups
 * and their offsets. Requests go where Kafka's AdminClient sends them: topic changes to the
 * controller, group operations to each group's coordinator, ListOffsets and DeleteRecords to
 * each partition's leader.
 *
 * Errors: a method resolves only if every resource it names succeeded; otherwise it throws a
 * `KafkaError` for the first failed resource (in the order given), whose message names the
 * request and the resource, then Kafka's error name and the broker's message, e.g.
 * `CreateTopics for topic 'orders': TOPIC_ALREADY_EXISTS (Kafka error 36): Topic 'orders' already exists.`
 * Kafka's admin requests are not atomic across resources: the others may have been applied.
 * Reads and group operations retry transient errors (a coordinator still loading, a
 * connection that failed) until the cluster's request timeout; topic and config changes are
 * sent once, since a retry after a lost answer could report a change as a failure.
 */
export class Admin {
  readonly cluster: Cluster;
  private readonly ownsCluster: boolean;
  private closed = false;

  /** Over an existing cluster (which the caller closes), or one made from `options` (closed by `close()`). */
  constructor(cluster: Cluster | ClusterOptions) {
    this.ownsCluster = !(cluster instanceof Cluster);
    this.cluster = cluster instanceof Cluster ? cluster : new Cluster(cluster);
  }

  /** Connects and loads the broker list; a failure to reach any bootstrap server surfaces here. */
  async connect(): Promise<void> {
    await this.cluster.connect();
  }

  /** Closes the cluster if this admin made it. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.ownsCluster) await this.cluster.close();
  }

  // ---- topics ------------------------------------------------------------------------------

  async createTopics(topics: readonly NewTopic[], options: MutationOptions = {}): Promise<void> {
    this.ensureOpen();
    if (topics.length === 0) return;
    const connection = await this.cluster.controller();
    const { response } = await this.cluster.send(connection, ApiKey.CREATE_TOPICS, {
      topics: topics.map((t) => ({
        name: t.topic,
        numPartitions: t.numPartitions ?? -1,
        replicationFactor: t.replicationFactor ?? -1,
        assignments: [],
        configs: Object.entries(t.configs ?? {}).map(([name, value]) => ({ name, value })),
      })),
      timeoutMs: this.brokerTimeout(options),
      validateOnly: options.validateOnly ?? false,
    }, { minVersion: options.validateOnly === true ? 1 : 0 });
    for (const t of topics) {
      const result = response.topics.find((r) => r.name === t.topic);
      if (result === undefined) throw missing('CreateTopics', 'topic', t.topic);
      throwIfKafkaError(result.errorCode, `CreateTopics for topic ${quoted(t.topic)}`, result.errorMessage);
    }
  }

  async deleteTopics(names: readonly string[], options: Pick<MutationOptions, 'timeoutMs'> = {}): Promise<void> {
    this.ensureOpen();
    if (names.length === 0) return;
    const connection = await this.cluster.controller();
    const { response } = await this.cluster.send(connection, ApiKey.DELETE_TOPICS, { topicNames: names, timeoutMs: this.brokerTimeout(options) });
    for (const name of names) {
      const result = response.responses.find((r) => r.name === name);
      if (result === undefined) throw missing('DeleteTopics', 'topic', name);
      throwIfKafkaError(result.errorCode, `DeleteTopics for topic ${quoted(name)}`);
    }
  }

  /** Topic names, sorted; internal topics (`__consumer_offsets`) only with `includeInternal`. */
  async listTopics(options: { includeInternal?: boolean } = {}): Promise<string[]> {
    this.ensureOpen();
    const metadata = await this.retry(() => this.metadata(null));
    return metadata.topics
      .filter((t) => t.errorCode === ErrorCode.NONE && (options.includeInternal === true || !t.isInternal))
      .map((t) => t.name)
      .sort();
  }

  /** Partitions (leader, replicas, ISR) of each topic, in the order named; throws for an unknown topic. */
  async describeTopics(names: readonly string[], options: { includeConfigs?: boolean } = {}): Promise<TopicDescription[]> {
    this.ensureOpen();
    if (names.length === 0) return [];
    const metadata = await this.retry(async () => {
      const response = await this.metadata(names);
      for (const name of names) {
        const topic = response.topics.find((t) => t.name === name);
        if (topic === undefined) throw missing('Metadata', 'topic', name);
        throwIfTopicError(topic.errorCode, name);
      }
      return response;
    });
    const configs = options.includeConfigs === true ? await this.describeConfigs(names.map((name) => ({ type: 'topic', name }))) : undefined;
    return names.map((name, i) => {
      const topic = metadata.topics.find((t) => t.name === name)!;
      const description: TopicDescription = {
        name,
        internal: topic.isInternal,
        partitions: topic.partitions
          .map((p) => ({ partition: p.partitionIndex, leader: p.leaderId, replicas: p.replicaNodes, isr: p.isrNodes }))
          .sort((a, b) => a.partition - b.partition),
      };
      const entries = configs?.[i]?.entries;
      return entries === undefined ? description : { ...description, configs: entries };
    });
  }

  /** Raises each topic's partition count to `count` (Kafka never lowers one). */
  async createPartitions(topics: readonly { topic: string; count: number }[], options: MutationOptions = {}): Promise<void> {
    this.ensureOpen();
    if (topics.length === 0) return;
    const connection = await this.cluster.controller();
    const { response } = await this.cluster.send(connection, ApiKey.CREATE_PARTITIONS, {
      topics: topics.map((t) => ({ name: t.topic, count: t.count, assignments: null })),
      timeoutMs: this.brokerTimeout(options),
      validateOnly: options.validateOnly ?? false,
    });
    for (const t of topics) {
      const result = response.results.find((r) => r.name === t.topic);
      if (result === undefined) throw missing('CreatePartitions', 'topic', t.topic);
      throwIfKafkaError(result.errorCode, `CreatePartitions for topic ${quoted(t.topic)}`, result.errorMessage);
    }
  }

  // ---- configs -----------------------------------------------------------------------------

  /** Config entries of topics and brokers, in the order asked. */
  async describeConfigs(resources: readonly DescribeConfigsResource[]): Promise<ConfigResourceEntries[]> {
    this.ensureOpen();
    if (resources.length === 0) return [];
    return this.retry(async () => {
      const connection = await this.configConnection(resources);
      const { version, response } = await this.cluster.send(connection, ApiKey.DESCRIBE_CONFIGS, {
        resources: resources.map((r) => ({ resourceType: RESOURCE_TYPE[r.type], resourceName: r.name, configurationKeys: r.keys ?? null })),
        includeSynonyms: false,
      });
      return resources.map((r) => {
        const result = response.results.find((x) => x.resourceType === RESOURCE_TYPE[r.type] && x.resourceName === r.name);
        if (result === undefined) throw missing('DescribeConfigs', r.type, r.name);
        throwIfKafkaError(result.errorCode, `DescribeConfigs for ${r.type} ${quoted(r.name)}`, result.errorMessage);
        const entries = result.configs.map((c): ConfigEntry => {
          // v0 has isDefault and no source; v1+ has the source, and isDefault follows from it.
          const source = version === 0 ? (c.isDefault ? 'DEFAULT_CONFIG' : 'UNKNOWN') : sourceName(c.configSource);
          return { name: c.name, value: c.value, source, readOnly: c.readOnly, isDefault: version === 0 ? c.isDefault : source === 'DEFAULT_CONFIG', isSensitive: c.isSensitive };
        });
        return { type: r.type, name: r.name, entries };
      });
    });
  }

  /** IncrementalAlterConfigs: each op sets, deletes (back to the default), appends to or subtracts from one key. */
  async alterConfigs(resources: readonly AlterConfigsResource[], options: Pick<MutationOptions, 'validateOnly'> = {}): Promise<void> {
    this.ensureOpen();
    if (resources.length === 0) return;
    const connection = await this.configConnection(resources);
    const { response } = await this.cluster.send(connection, ApiKey.INCREMENTAL_ALTER_CONFIGS, {
      resources: resources.map((r) => ({
        resourceType: RESOURCE_TYPE[r.type],
        resourceName: r.name,
        configs: r.ops.map((o) => ({ name: o.name, configOperation: ALTER_OP[o.op], value: o.value ?? null })),
      })),
      validateOnly: options.validateOnly ?? false,
    });
    for (const r of resources) {
      const result = response.responses.find((x) => x.resourceType === RESOURCE_TYPE[r.type] && x.resourceName === r.name);
      if (result === undefined) throw missing('IncrementalAlterConfigs', r.type, r.name);
      throwIfKafkaError(result.errorCode, `IncrementalAlterConfigs for ${r.type} ${quoted(r.name)}`, result.errorMessage);
    }
  }

  // ---- groups ------------------------------------------------------------------------------

  /**
   * Every group of every broker, sorted by id. With `includeState`, each broker is also asked
   * (DescribeGroups) for the state of the groups it listed, which it coordinates.
   */
  async listGroups(options: { includeState?: boolean } = {}): Promise<GroupListing[]> {
    this.ensureOpen();
    await this.retry(() => this.cluster.refreshMetadata([]));
    const brokers = this.cluster.brokerList();
    const lists = await Promise.all(
      brokers.map((b) =>
        this.retry(async (): Promise<GroupListing[]> => {
          const connection = await this.cluster.connectionTo(b.nodeId);
          const { response } = await this.cluster.send(connection, ApiKey.LIST_GROUPS, {});
          throwIfKafkaError(response.errorCode, `ListGroups on broker ${b.nodeId}`);
          const listed = response.groups.map((g) => ({ groupId: g.groupId, protocolType: g.protocolType }));
          if (options.includeState !== true || listed.length === 0) return listed;
          const described = await this.cluster.send(connection, ApiKey.DESCRIBE_GROUPS, { groups: listed.map((g) => g.groupId), includeAuthorizedOperations: false });
          const states = new Map<string, string>();
          for (const g of described.response.groups) {
            const error = g.errorCode === ErrorCode.NONE ? undefined : kafkaError(g.errorCode, `DescribeGroups for group ${quoted(g.groupId)}`);
            // A coordinator still loading (or a group that moved) is asked again; a lasting error leaves the state unknown.
            if (error?.retriable === true) throw error;
            states.set(g.groupId, error === undefined ? g.groupState : 'Unknown');
          }
          return listed.map((g) => ({ ...g, state: states.get(g.groupId) ?? 'Unknown' }));
        }),
      ),
    );
    return lists.flat().sort((a, b) => (a.groupId < b.groupId ? -1 : a.groupId > b.groupId ? 1 : 0));
  }

  /** Each group's state and members, with consumer-protocol assignments decoded, in the order named. */
  async describeGroups(groupIds: readonly string[]): Promise<GroupDescription[]> {
    this.ensureOpen();
    return Promise.all(
      groupIds.map((groupId) =>
        this.retry(async () => {
          const { nodeId, connection } = await this.cluster.coordinator(groupId);
          const { response } = await this.cluster.send(connection, ApiKey.DESCRIBE_GROUPS, { groups: [groupId], includeAuthorizedOperations: false });
          const group = response.groups.find((g) => g.groupId === groupId);
          if (group === undefined) throw missing('DescribeGroups', 'group', groupId);
          throwIfKafkaError(group.errorCode, `DescribeGroups for group ${quoted(groupId)}`);
          const consumer = group.protocolType === CONSUMER_PROTOCOL_TYPE;
          return {
            groupId,
            state: group.groupState,
            protocolType: group.protocolType,
            protocol: group.protocolData,
            coordinator: nodeId,
            members: group.members.map((m) => ({
              memberId: m.memberId,
              groupInstanceId: m.groupInstanceId,
              clientId: m.clientId,
              clientHost: m.clientHost,
              assignment: consumer ? readAssignment(m.memberAssignment) : null,
              memberMetadata: m.memberMetadata,
              memberAssignment: m.memberAssignment,
            })),
          };
        }),
      ),
    );
  }

  /** Deletes empty groups and their offsets: NON_EMPTY_GROUP for a group with members, GROUP_ID_NOT_FOUND for none. */
  async deleteGroups(groupIds: readonly string[]): Promise<void> {
    this.ensureOpen();
    const results = await Promise.all(
      groupIds.map((groupId) =>
        this.retry(async () => {
          const { connection } = await this.cluster.coordinator(groupId);
          const { response } = await this.cluster.send(connection, ApiKey.DELETE_GROUPS, { groupsNames: [groupId] });
          const result = response.results.find((r) => r.groupId === groupId);
          if (result === undefined) throw missing('DeleteGroups', 'group', groupId);
          const error = result.errorCode === ErrorCode.NONE ? undefined : kafkaError(result.errorCode, `DeleteGroups for group ${quoted(groupId)}`);
          // A retriable code (coordinator loading) is retried; a final one is reported in order below.
          if (error?.retriable === true) throw error;
          return error;
        }),
      ),
    );
    const failed = results.find((e) => e !== undefined);
    if (failed !== undefined) throw failed;
  }

  // ---- offsets -----------------------------------------------------------------------------

  /**
   * ListOffsets, asked of each partition's leader; results in the order asked. A partition
   * named more than once (say earliest and latest) goes in separate requests, since a
   * response cannot tell two answers for one partition apart.
   */
  async listOffsets(requests: readonly ListOffsetsRequest[]): Promise<ListedOffset[]> {
    this.ensureOpen();
    if (requests.length === 0) return [];
    const seen = new Map<string, number>();
    const rounds = groupBy(
      requests.map((request, index) => {
        const round = seen.get(tpKey(request)) ?? 0;
        seen.set(tpKey(request), round + 1);
        return { request, index, round };
      }),
      (item) => item.round,
    );
    return this.retry(async () => {
      const leaders = await this.leaders(requests);
      const results: ListedOffset[] = [];
      const sends = [...rounds.values()].flatMap((round) =>
        [...groupBy(round, (item) => leaders.get(tpKey(item.request))!)].map(async ([leader, items]) => {
          const connection = await this.cluster.connectionTo(leader);
          const { response } = await this.cluster.send(
            connection,
            ApiKey.LIST_OFFSETS,
            {
              replicaId: CONSUMER_REPLICA_ID,
              isolationLevel: READ_UNCOMMITTED,
              topics: byTopic(
                items.map((item) => item.request),
                (r) => ({ partitionIndex: r.partition, currentLeaderEpoch: -1, timestamp: offsetSpec(r.timestamp) }),
              ),
            },
            { minVersion: 1 },
          );
          for (const { request, index } of items) {
            const p = response.topics.find((t) => t.name === request.topic)?.partitions.find((x) => x.partitionIndex === request.partition);
            if (p === undefined) throw missing('ListOffsets', 'partition', `${request.topic}-${request.partition}`);
            throwIfKafkaError(p.errorCode, `ListOffsets for ${request.topic}-${request.partition}`);
            results[index] = { topic: request.topic, partition: request.partition, offset: p.offset, timestamp: p.timestamp };
          }
        }),
      );
      await Promise.all(sends);
      return results;
    });
  }

  /**
   * The group's committed offsets, sorted by topic and partition. Without `topics`, every
   * partition the group has committed for; with them, every partition of those topics
   * (offset -1n where none is committed).
   */
  async fetchCommittedOffsets(groupId: string, topics?: readonly string[]): Promise<CommittedOffset[]> {
    this.ensureOpen();
    let wanted: { name: string; partitionIndexes: number[] }[] | null = null;
    if (topics !== undefined) {
      const described = await this.describeTopics(topics);
      wanted = described.map((t) => ({ name: t.name, partitionIndexes: t.partitions.map((p) => p.partition) }));
    }
    return this.retry(async () => {
      const { connection } = await this.cluster.coordinator(groupId);
      const { response } = await this.cluster.send(connection, ApiKey.OFFSET_FETCH, { groupId, topics: wanted }, { minVersion: wanted === null ? 2 : 1 });
      throwIfKafkaError(response.errorCode, `OffsetFetch for group ${quoted(groupId)}`);
      const out: CommittedOffset[] = [];
      for (const t of response.topics) {
        for (const p of t.partitions) {
          throwIfKafkaError(p.errorCode, `OffsetFetch for group ${quoted(groupId)}, ${t.name}-${p.partitionIndex}`);
          if (wanted === null && p.committedOffset < 0n) continue;
          out.push({ topic: t.name, partition: p.partitionIndex, offset: p.committedOffset, metadata: p.metadata });
        }
      }
      return out.sort(byTopicPartition);
    });
  }

  /**
   * Commits offsets for a group from outside its generation (generation -1, no member id),
   * as kafka-consumer-groups does. Kafka accepts this only while the group is Empty (or does
   * not exist yet); for a group with members the broker answers UNKNOWN_MEMBER_ID.
   */
  async commitOffsets(groupId: string, offsets: readonly OffsetToCommit[]): Promise<void> {
    this.ensureOpen();
    if (offsets.length === 0) return;
    await this.retry(async () => {
      const { connection } = await this.cluster.coordinator(groupId);
      const { response } = await this.cluster.send(connection, ApiKey.OFFSET_COMMIT, {
        groupId,
        generationIdOrMemberEpoch: -1,
        memberId: '',
        groupInstanceId: null,
        retentionTimeMs: -1n,
        topics: byTopic(offsets, (o) => ({ partitionIndex: o.partition, committedOffset: o.offset, committedLeaderEpoch: -1, committedMetadata: o.metadata ?? '' })),
      });
      for (const o of offsets) {
        const code = response.topics.find((t) => t.name === o.topic)?.partitions.find((p) => p.partitionIndex === o.partition)?.errorCode;
        if (code === undefined) throw missing('OffsetCommit', 'partition', `${o.topic}-${o.partition}`);
        const context = `OffsetCommit for group ${quoted(groupId)}, ${o.topic}-${o.partition}`;
        if (code === ErrorCode.UNKNOWN_MEMBER_ID || code === ErrorCode.ILLEGAL_GENERATION) {
          throw kafkaError(code, context, 'offsets can be reset only while the group is Empty; stop its consumers first');
        }
        throwIfKafkaError(code, context);
      }
    });
  }

  /**
   * Moves an Empty group's committed offsets for `partitions` to `to`: the earliest or latest
   * offset; the first offset at or after a time (the log end where no record is that new);
   * or `{ offset }`, moved into each partition's log (to its earliest offset or log end, as
   * kafka-consumer-groups does; `clampedFrom` then holds the offset asked for). Returns the new
   * offsets in the order asked; with `dryRun` they are only worked out, not committed.
   */
  async resetOffsets(groupId: string, partitions: readonly TopicPartition[], to: ResetSpec, options: ResetOffsetsOptions = {}): Promise<ResetOffset[]> {
    this.ensureOpen();
    if (partitions.length === 0) return [];
    const plan = typeof to === 'object' ? await this.clampedOffsets(partitions, to.offset) : await this.offsetsAt(partitions, to);
    if (options.dryRun !== true) await this.commitOffsets(groupId, plan);
    return plan.map((p) => ({ ...p, metadata: '' }));
  }

  /** Deletes records before each offset, asked of each partition's leader; returns the new low watermarks in the order asked. */
  async deleteRecords(requests: readonly DeleteRecordsRequest[], options: Pick<MutationOptions, 'timeoutMs'> = {}): Promise<DeletedRecords[]> {
    this.ensureOpen();
    if (requests.length === 0) return [];
    const leaders = await this.retry(() => this.leaders(requests));
    const out = new Map<string, DeletedRecords>();
    await Promise.all(
      [...groupBy(requests, (r) => leaders.get(tpKey(r))!)].map(async ([leader, list]) => {
        const connection = await this.cluster.connectionTo(leader);
        const { response } = await this.cluster.send(connection, ApiKey.DELETE_RECORDS, {
          topics: byTopic(list, (r) => ({ partitionIndex: r.partition, offset: r.offset })),
          timeoutMs: this.brokerTimeout(options),
        });
        for (const t of response.topics) {
          for (const p of t.partitions) {
            out.set(tpKey({ topic: t.name, partition: p.partitionIndex }), { topic: t.name, partition: p.partitionIndex, lowWatermark: p.lowWatermark });
            throwIfKafkaError(p.errorCode, `DeleteRecords for ${t.name}-${p.partitionIndex}`);
          }
        }
      }),
    );
    return requests.map((r) => {
      const result = out.get(tpKey(r));
      if (result === undefined) throw missing('DeleteRecords', 'partition', `${r.topic}-${r.partition}`);
      return result;
    });
  }

  // ---- helpers -----------------------------------------------------------------------------

  /** The offset `to` names in each partition; the log end where no record is as new as a time asked for. */
  private async offsetsAt(partitions: readonly TopicPartition[], to: OffsetSpec): Promise<PlannedOffset[]> {
    const listed = await this.listOffsets(partitions.map((tp) => ({ topic: tp.topic, partition: tp.partition, timestamp: to })));
    const tooNew = listed.filter((l) => l.offset < 0n);
    const ends = new Map((await this.listOffsets(tooNew.map((l) => ({ topic: l.topic, partition: l.partition, timestamp: 'latest' })))).map((l) => [tpKey(l), l.offset]));
    return listed.map((l) => ({ topic: l.topic, partition: l.partition, offset: l.offset < 0n ? (ends.get(tpKey(l)) ?? l.offset) : l.offset }));
  }

  /** `offset` in each partition, moved to the nearer end of its log when outside it. */
  private async clampedOffsets(partitions: readonly TopicPartition[], offset: bigint): Promise<PlannedOffset[]> {
    const bounds = await this.listOffsets(
      partitions.flatMap((tp): ListOffsetsRequest[] => [
        { topic: tp.topic, partition: tp.partition, timestamp: 'earliest' },
        { topic: tp.topic, partition: tp.partition, timestamp: 'latest' },
      ]),
    );
    return partitions.map(({ topic, partition }, i) => {
      const low = bounds[2 * i]!.offset;
      const high = bounds[2 * i + 1]!.offset;
      if (offset < low) return { topic, partition, offset: low, clampedFrom: offset };
      if (offset > high) return { topic, partition, offset: high, clampedFrom: offset };
      return { topic, partition, offset };
    });
  }

  /** A fresh Metadata response (the cluster's cache keeps deleted topics a while), never auto-creating. */
  private async metadata(topics: readonly string[] | null): Promise<MetadataResponse> {
    const connection = await this.cluster.anyConnection();
    const { response } = await this.cluster.send(
      connection,
      ApiKey.METADATA,
      {
        topics: topics === null ? null : topics.map((name) => ({ name })),
        allowAutoTopicCreation: false,
        includeClusterAuthorizedOperations: false,
        includeTopicAuthorizedOperations: false,
      },
      { minVersion: METADATA_MIN_VERSION },
    );
    return response;
  }

  /** The leader of each partition, from fresh metadata; throws for an unknown topic or partition. */
  private async leaders(partitions: readonly TopicPartition[]): Promise<Map<string, number>> {
    const metadata = await this.metadata([...new Set(partitions.map((p) => p.topic))]);
    const out = new Map<string, number>();
    for (const tp of partitions) {
      const topic = metadata.topics.find((t) => t.name === tp.topic);
      if (topic === undefined) throw missing('Metadata', 'topic', tp.topic);
      throwIfTopicError(topic.errorCode, tp.topic);
      const partition = topic.partitions.find((p) => p.partitionIndex === tp.partition);
      if (partition === undefined) throw kafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Metadata for ${tp.topic}-${tp.partition}`, `topic '${tp.topic}' has ${topic.partitions.length} partitions`);
      throwIfKafkaError(partition.errorCode, `Metadata for ${tp.topic}-${tp.partition}`);
      if (partition.leaderId < 0) throw kafkaError(ErrorCode.LEADER_NOT_AVAILABLE, `Metadata for ${tp.topic}-${tp.partition}`);
      out.set(tpKey(tp), partition.leaderId);
    }
    return out;
  }

  /** Broker resources go to that broker; topic resources to any broker. */
  private async configConnection(resources: readonly ConfigResource[]): Promise<KafkaConnection> {
    const broker = resources.find((r) => r.type === 'broker' && r.name !== '');
    if (broker !== undefined && /^[0-9]+$/.test(broker.name)) {
      await this.cluster.refreshMetadata([]);
      const nodeId = Number(broker.name);
      if (this.cluster.brokerList().some((b) => b.nodeId === nodeId)) return this.cluster.connectionTo(nodeId);
    }
    return this.cluster.anyConnection();
  }

  /** The cluster's own close leaves a bootstrap server reachable, so the admin checks for itself. */
  private ensureOpen(): void {
    if (this.closed) throw new ClientError(ClientErrorCode.CLOSED, 'the admin client is closed');
  }

  private brokerTimeout(options: { timeoutMs?: number }): number {
    return options.timeoutMs ?? this.cluster.requestTimeoutMs;
  }

  private async retry<T>(attempt: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + this.cluster.requestTimeoutMs;
    let backoff = 100;
    for (;;) {
      try {
        return await attempt();
      } catch (error) {
        if (this.closed || !transient(error) || Date.now() + backoff > deadline) throw error;
        await delay(backoff);
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
      }
    }
  }
}

function offsetSpec(spec: OffsetSpec): bigint {
  if (spec === 'earliest') return EARLIEST;
  if (spec === 'latest') return LATEST;
  // A caller's mistake, not a fault of the cluster.
  if (!Number.isSafeInteger(spec) || spec < 0) throw new RangeError(`a ListOffsets timestamp must be 'earliest', 'latest' or ms since the epoch, not ${String(spec)}`);
  return BigInt(spec);
}

/** Metadata carries no error message, so an unknown topic gets the words a broker would use. */
function throwIfTopicError(errorCode: number, topic: string): void {
  throwIfKafkaError(errorCode, `Metadata for topic ${quoted(topic)}`, errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION ? `Topic ${quoted(topic)} does not exist.` : null);
}

function readAssignment(bytes: Buffer): ConsumerAssignment | null {
  try {
    return decodeConsumerAssignment(bytes);
  } catch {
    return null;
  }
}

/** A response that left out a resource the request named: the broker's fault. */
function missing(api: string, kind: string, name: string): ClientError {
  return new ClientError(ClientErrorCode.PROTOCOL, `${api}: the broker's response left out ${kind} ${quoted(name)}`);
}
