import { Cluster } from '../cluster.ts';
import { resolveAdminConfig } from './admin-config.ts';
import type { AdminOptions } from './admin-config.ts';
import * as configOps from './configs.ts';
import { AdminContext } from './context.ts';
import * as groupOps from './groups.ts';
import * as offsetOps from './offsets.ts';
import * as topicOps from './topics.ts';
import * as transactionOps from './transactions.ts';
import type {
  AlterConfigsResource,
  CommittedOffset,
  ConfigResourceEntries,
  DeleteRecordsRequest,
  DeletedRecords,
  DescribeConfigsResource,
  GroupDescription,
  GroupListing,
  ListOffsetsRequest,
  ListTransactionsOptions,
  ListedOffset,
  MutationOptions,
  NewTopic,
  OffsetToCommit,
  ResetOffset,
  ResetOffsetsOptions,
  ResetSpec,
  TopicDescription,
  TopicPartition,
  TransactionDescription,
  TransactionListing,
} from './types.ts';

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
  private readonly context: AdminContext;

  /**
   * Over an existing cluster (which the caller closes), or one made from `options` (closed by
   * `close()`), which are validated first: a bad option throws ERR_CLIENT_INVALID_CONFIG.
   */
  constructor(cluster: Cluster | AdminOptions) {
    this.ownsCluster = !(cluster instanceof Cluster);
    this.cluster = cluster instanceof Cluster ? cluster : new Cluster({ ...cluster, ...resolveAdminConfig(cluster) });
    this.context = new AdminContext(this.cluster);
  }

  /** Connects and loads the broker list; a failure to reach any bootstrap server surfaces here. */
  async connect(): Promise<void> {
    await this.cluster.connect();
  }

  /** Closes the cluster if this admin made it. Idempotent. */
  async close(): Promise<void> {
    if (this.context.closed) return;
    this.context.closed = true;
    if (this.ownsCluster) await this.cluster.close();
  }

  // ---- topics ----------------------------------------------------------------------------

  /** CreateTopics, sent to the controller; numPartitions and replicationFactor default to the broker's. */
  createTopics(topics: readonly NewTopic[], options: MutationOptions = {}): Promise<void> {
    return topicOps.createTopics(this.context, topics, options);
  }

  /** DeleteTopics, sent to the controller. */
  deleteTopics(names: readonly string[], options: Pick<MutationOptions, 'timeoutMs'> = {}): Promise<void> {
    return topicOps.deleteTopics(this.context, names, options);
  }

  /** Topic names, sorted; internal topics (`__consumer_offsets`) only with `includeInternal`. */
  listTopics(options: { includeInternal?: boolean } = {}): Promise<string[]> {
    return topicOps.listTopics(this.context, options);
  }

  /** Partitions (leader, replicas, ISR) of each topic, in the order named; throws for an unknown topic. */
  describeTopics(names: readonly string[], options: { includeConfigs?: boolean } = {}): Promise<TopicDescription[]> {
    return topicOps.describeTopics(this.context, names, options);
  }

  /** Raises each topic's partition count to `count` (Kafka never lowers one). */
  createPartitions(topics: readonly { topic: string; count: number }[], options: MutationOptions = {}): Promise<void> {
    return topicOps.createPartitions(this.context, topics, options);
  }

  // ---- configs ---------------------------------------------------------------------------

  /** Config entries of topics and brokers, in the order asked. */
  describeConfigs(resources: readonly DescribeConfigsResource[]): Promise<ConfigResourceEntries[]> {
    return configOps.describeConfigs(this.context, resources);
  }

  /** IncrementalAlterConfigs: each op sets, deletes (back to the default), appends to or subtracts from one key. */
  alterConfigs(resources: readonly AlterConfigsResource[], options: Pick<MutationOptions, 'validateOnly'> = {}): Promise<void> {
    return configOps.alterConfigs(this.context, resources, options);
  }

  // ---- groups ----------------------------------------------------------------------------

  /**
   * Every group of every broker, sorted by id. With `includeState`, each broker is also asked
   * (DescribeGroups) for the state of the groups it listed, which it coordinates.
   */
  listGroups(options: { includeState?: boolean } = {}): Promise<GroupListing[]> {
    return groupOps.listGroups(this.context, options);
  }

  /** Each group's state and members, with consumer-protocol assignments decoded, in the order named. */
  describeGroups(groupIds: readonly string[]): Promise<GroupDescription[]> {
    return groupOps.describeGroups(this.context, groupIds);
  }

  /** Deletes empty groups and their offsets: NON_EMPTY_GROUP for a group with members, GROUP_ID_NOT_FOUND for none. */
  deleteGroups(groupIds: readonly string[]): Promise<void> {
    return groupOps.deleteGroups(this.context, groupIds);
  }

  // ---- transactions ------------------------------------------------------------------------

  /**
   * Every transactional id of every broker (ListTransactions, KIP-664), sorted, optionally
   * only those in the given states or of the given producer ids. Brokers before Kafka 3.0
   * lack the API: the call then throws ERR_CLIENT_UNSUPPORTED_VERSION.
   */
  listTransactions(options: ListTransactionsOptions = {}): Promise<TransactionListing[]> {
    return transactionOps.listTransactions(this.context, options);
  }

  /**
   * Each transactional id's state, producer, timeout and open partitions, asked of its
   * transaction coordinator (DescribeTransactions), in the order named; an id the
   * coordinator does not know throws TRANSACTIONAL_ID_NOT_FOUND.
   */
  describeTransactions(transactionalIds: readonly string[]): Promise<TransactionDescription[]> {
    return transactionOps.describeTransactions(this.context, transactionalIds);
  }

  // ---- offsets ---------------------------------------------------------------------------

  /**
   * ListOffsets, asked of each partition's leader; results in the order asked. A partition
   * named more than once (say earliest and latest) goes in separate requests, since a
   * response cannot tell two answers for one partition apart.
   */
  listOffsets(requests: readonly ListOffsetsRequest[]): Promise<ListedOffset[]> {
    return offsetOps.listOffsets(this.context, requests);
  }

  /**
   * The group's committed offsets, sorted by topic and partition. Without `topics`, every
   * partition the group has committed for; with them, every partition of those topics
   * (offset -1n where none is committed).
   */
  fetchCommittedOffsets(groupId: string, topics?: readonly string[]): Promise<CommittedOffset[]> {
    return offsetOps.fetchCommittedOffsets(this.context, groupId, topics);
  }

  /**
   * Commits offsets for a group from outside its generation (generation -1, no member id),
   * as kafka-consumer-groups does. Kafka accepts this only while the group is Empty (or does
   * not exist yet); for a group with members the broker answers UNKNOWN_MEMBER_ID.
   */
  commitOffsets(groupId: string, offsets: readonly OffsetToCommit[]): Promise<void> {
    return offsetOps.commitOffsets(this.context, groupId, offsets);
  }

  /**
   * Moves an Empty group's committed offsets for `partitions` to `to`: the earliest or latest
   * offset; the first offset at or after a time (the log end where no record is that new);
   * or `{ offset }`, moved into each partition's log (to its earliest offset or log end, as
   * kafka-consumer-groups does; `clampedFrom` then holds the offset asked for). Returns the new
   * offsets in the order asked; with `dryRun` they are only worked out, not committed.
   */
  resetOffsets(groupId: string, partitions: readonly TopicPartition[], to: ResetSpec, options: ResetOffsetsOptions = {}): Promise<ResetOffset[]> {
    return offsetOps.resetOffsets(this.context, groupId, partitions, to, options);
  }

  /** Deletes records before each offset, asked of each partition's leader; returns the new low watermarks in the order asked. */
  deleteRecords(requests: readonly DeleteRecordsRequest[], options: Pick<MutationOptions, 'timeoutMs'> = {}): Promise<DeletedRecords[]> {
    return offsetOps.deleteRecords(this.context, requests, options);
  }
}
