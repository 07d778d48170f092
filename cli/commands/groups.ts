import { setTimeout as delay } from 'node:timers/promises';
import type { Command } from 'commander';
import {
  CONSUMER_PROTOCOL_TYPE,
  KafkaConnection,
  KafkaError,
  connectBootstrap,
  decodeConsumerAssignment,
  formatAddress,
  throwIfKafkaError,
} from '../../client/index.ts';
import type { BrokerAddress, ConnectionOptions } from '../../client/index.ts';
import { ApiKey, BrookError, ErrorCode } from '../../core/protocol/index.ts';
import type { DescribeGroupsResponse, MetadataResponse } from '../../core/protocol/index.ts';

/** Faults of `brook groups` that are the user's to fix, printed as one line by cli/main.ts. */
const GroupsErrorCode = {
  USAGE: 'ERR_GROUPS_USAGE',
  GROUP_NOT_FOUND: 'ERR_GROUP_NOT_FOUND',
  GROUP_NOT_EMPTY: 'ERR_GROUP_NOT_EMPTY',
  UNKNOWN_TOPIC: 'ERR_UNKNOWN_TOPIC',
} as const;
type GroupsErrorCode = (typeof GroupsErrorCode)[keyof typeof GroupsErrorCode];

function fault(code: GroupsErrorCode, message: string): BrookError {
  return new BrookError(code, message);
}

const DEFAULT_BOOTSTRAP = 'localhost:9092';
const DEFAULT_TIMEOUT_MS = 30_000;
const LATEST_TIMESTAMP = -1n;
const EARLIEST_TIMESTAMP = -2n;
const READ_UNCOMMITTED = 0;
const CONSUMER_REPLICA_ID = -1;
/** Groups that may have their offsets reset: nobody is consuming (Kafka's rule). */
const INACTIVE_STATES: readonly string[] = ['Empty', 'Dead'];
const REBALANCING_STATES: readonly string[] = ['PreparingRebalance', 'CompletingRebalance'];

type Format = 'text' | 'json';

interface CommonFlags {
  bootstrapServer: string;
  timeout: string;
  format: string;
}

interface ListFlags extends CommonFlags {
  state?: boolean;
}

interface ResetFlags extends CommonFlags {
  topic: string[];
  allTopics?: boolean;
  toEarliest?: boolean;
  toLatest?: boolean;
  toOffset?: string;
  toDatetime?: string;
  execute?: boolean;
  dryRun?: boolean;
}

interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

type GroupSummary = DescribeGroupsResponse['groups'][number];

const tpKey = (tp: TopicPartition): string => `${tp.topic}\u0000${tp.partition}`;
const byTopicPartition = (a: TopicPartition, b: TopicPartition): number => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition);

// ---- flags ---------------------------------------------------------------------------------

function parseFormat(value: string): Format {
  if (value === 'text' || value === 'json') return value;
  throw fault(GroupsErrorCode.USAGE, `--format must be text or json, not '${value}'`);
}

function parseTimeout(value: string): number {
  if (!/^[0-9]+$/.test(value) || Number(value) <= 0) throw fault(GroupsErrorCode.USAGE, `--timeout must be a positive number of milliseconds, not '${value}'`);
  return Number(value);
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** `topic` or `topic:0,2`: Kafka topic names cannot contain a colon. */
function parseTopicArgument(value: string): { topic: string; partitions: number[] | undefined } {
  const colon = value.indexOf(':');
  if (colon < 0) return { topic: value, partitions: undefined };
  const topic = value.slice(0, colon);
  const list = value.slice(colon + 1);
  if (topic === '' || !/^[0-9]+(,[0-9]+)*$/.test(list)) {
    throw fault(GroupsErrorCode.USAGE, `--topic '${value}' is not TOPIC or TOPIC:PARTITION[,PARTITION...]`);
  }
  return { topic, partitions: [...new Set(list.split(',').map(Number))] };
}

type ResetStrategy =
  | { readonly kind: 'earliest' }
  | { readonly kind: 'latest' }
  | { readonly kind: 'offset'; readonly offset: bigint }
  | { readonly kind: 'datetime'; readonly timestamp: bigint };

const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:?\d{2})?$/;

function parseStrategy(flags: ResetFlags): ResetStrategy {
  const chosen: ResetStrategy[] = [];
  if (flags.toEarliest === true) chosen.push({ kind: 'earliest' });
  if (flags.toLatest === true) chosen.push({ kind: 'latest' });
  if (flags.toOffset !== undefined) {
    if (!/^[0-9]+$/.test(flags.toOffset)) throw fault(GroupsErrorCode.USAGE, `--to-offset must be a non-negative whole number, not '${flags.toOffset}'`);
    chosen.push({ kind: 'offset', offset: BigInt(flags.toOffset) });
  }
  if (flags.toDatetime !== undefined) {
    const text = flags.toDatetime;
    // Without a zone the time is local, as in kafka-consumer-groups; +HHMM is read as +HH:MM.
    const millis = DATETIME.test(text) ? Date.parse(text.replace(/([+-]\d{2})(\d{2})$/, '$1:$2')) : Number.NaN;
    if (Number.isNaN(millis)) {
      throw fault(GroupsErrorCode.USAGE, `--to-datetime '${text}' is not a date-time like 2024-05-01T12:00:00.000 (local time) or 2024-05-01T10:00:00Z`);
    }
    chosen.push({ kind: 'datetime', timestamp: BigInt(millis) });
  }
  if (chosen.length !== 1) {
    throw fault(GroupsErrorCode.USAGE, 'give exactly one of --to-earliest, --to-latest, --to-offset N, --to-datetime ISO');
  }
  return chosen[0]!;
}

// ---- output --------------------------------------------------------------------------------

/** Columns padded to their widest cell, two spaces apart (cells never hold two spaces). */
function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.length ?? 0)));
  return [header, ...rows].map((cells) => cells.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ').trimEnd()).join('\n');
}

function printJson(value: unknown): void {
  console.log(JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? Number(v) : v), 2));
}

const dash = (value: string | bigint | number | null | undefined): string => (value === null || value === undefined || value === '' ? '-' : String(value));

// ---- the cluster ---------------------------------------------------------------------------

interface Coordinator {
  readonly nodeId: number;
  readonly address: BrokerAddress;
  readonly connection: KafkaConnection;
}

/**
 * The connections one command needs: the bootstrap broker, group coordinators and partition
 * leaders (any of which may be another broker in a real cluster), each opened once.
 */
class Cluster {
  private readonly connections = new Map<string, Promise<KafkaConnection>>();
  private readonly brokers = new Map<number, BrokerAddress>();
  private readonly coordinators = new Map<string, Coordinator>();
  private readonly bootstrap: KafkaConnection;
  private readonly options: ConnectionOptions;
  /** Retriable Kafka errors are retried until then. */
  readonly deadline: number;

  private constructor(bootstrap: KafkaConnection, options: ConnectionOptions, deadline: number) {
    this.bootstrap = bootstrap;
    this.options = options;
    this.deadline = deadline;
    this.connections.set(bootstrap.address, Promise.resolve(bootstrap));
  }

  static async open(flags: CommonFlags): Promise<Cluster> {
    const timeoutMs = parseTimeout(flags.timeout);
    const options: ConnectionOptions = { clientId: 'brook-groups', requestTimeoutMs: timeoutMs, connectTimeoutMs: Math.min(timeoutMs, 10_000) };
    const bootstrap = await connectBootstrap(flags.bootstrapServer, options);
    return new Cluster(bootstrap, options, Date.now() + timeoutMs);
  }

  connectTo(address: BrokerAddress): Promise<KafkaConnection> {
    const key = formatAddress(address);
    let connection = this.connections.get(key);
    if (connection === undefined) {
      connection = KafkaConnection.connect(address.host, address.port, this.options);
      this.connections.set(key, connection);
      // A failed connect is not cached, so a retry connects again.
      connection.catch(() => {
        if (this.connections.get(key) === connection) this.connections.delete(key);
      });
    }
    return connection;
  }

  async close(): Promise<void> {
    const opened = await Promise.allSettled([...this.connections.values()]);
    await Promise.all(opened.flatMap((o) => (o.status === 'fulfilled' ? [o.value.close()] : [])));
  }

  /** Metadata for `topics` (null: every topic), without creating any; remembers the brokers. */
  async metadata(topics: readonly string[] | null): Promise<MetadataResponse> {
    // v4 is the first that can ask not to auto-create the topics it names.
    const version = await this.bootstrap.highestVersion(ApiKey.METADATA, 4);
    const response = await this.bootstrap.request(ApiKey.METADATA, version, {
      topics: topics === null ? null : topics.map((name) => ({ name })),
      allowAutoTopicCreation: false,
      includeClusterAuthorizedOperations: false,
      includeTopicAuthorizedOperations: false,
    });
    for (const b of response.brokers) this.brokers.set(b.nodeId, { host: b.host, port: b.port });
    return response;
  }

  async brokerConnection(nodeId: number): Promise<KafkaConnection> {
    if (!this.brokers.has(nodeId)) await this.metadata([]);
    const address = this.brokers.get(nodeId);
    if (address === undefined) throw fault(GroupsErrorCode.USAGE, `the cluster metadata names no broker ${nodeId}`);
    return this.connectTo(address);
  }

  /** Every broker of the cluster, by node id. */
  async allBrokers(): Promise<Map<number, BrokerAddress>> {
    await this.metadata([]);
    return new Map(this.brokers);
  }

  /** Runs `action` against the group's coordinator, finding it again if it moved, retrying retriable errors. */
  withCoordinator<T>(groupId: string, action: (coordinator: Coordinator) => Promise<T>): Promise<T> {
    return this.retrying(async () => {
      const coordinator = await this.coordinator(groupId);
      try {
        return await action(coordinator);
      } catch (error) {
        if (error instanceof KafkaError && (error.errorCode === ErrorCode.NOT_COORDINATOR || error.errorCode === ErrorCode.COORDINATOR_NOT_AVAILABLE)) {
          this.coordinators.delete(groupId);
        }
        throw error;
      }
    });
  }

  /** Retries `attempt` while it fails with a retriable Kafka error and the deadline allows. */
  async retrying<T>(attempt: () => Promise<T>): Promise<T> {
    let backoffMs = 100;
    for (;;) {
      try {
        return await attempt();
      } catch (error) {
        if (!(error instanceof KafkaError) || !error.retriable || Date.now() + backoffMs > this.deadline) throw error;
        await delay(backoffMs);
        backoffMs = Math.min(backoffMs * 2, 1000);
      }
    }
  }

  private async coordinator(groupId: string): Promise<Coordinator> {
    const known = this.coordinators.get(groupId);
    if (known !== undefined) return known;
    const version = await this.bootstrap.highestVersion(ApiKey.FIND_COORDINATOR);
    const response = await this.bootstrap.request(ApiKey.FIND_COORDINATOR, version, { key: groupId, keyType: 0 });
    throwIfKafkaError(response.errorCode, `FindCoordinator for group '${groupId}'`, response.errorMessage);
    const address = { host: response.host, port: response.port };
    const coordinator = { nodeId: response.nodeId, address, connection: await this.connectTo(address) };
    this.coordinators.set(groupId, coordinator);
    return coordinator;
  }
}

// ---- requests ------------------------------------------------------------------------------

async function describeGroup(connection: KafkaConnection, groupId: string): Promise<GroupSummary> {
  const version = await connection.highestVersion(ApiKey.DESCRIBE_GROUPS);
  const response = await connection.request(ApiKey.DESCRIBE_GROUPS, version, { groups: [groupId], includeAuthorizedOperations: false });
  const group = response.groups.find((g) => g.groupId === groupId);
  if (group === undefined) throw fault(GroupsErrorCode.GROUP_NOT_FOUND, `the coordinator at ${connection.address} did not describe group '${groupId}'`);
  throwIfKafkaError(group.errorCode, `DescribeGroups for group '${groupId}'`);
  return group;
}

/** Every committed offset of the group (OffsetFetch v2+ with null topics). */
async function committedOffsets(connection: KafkaConnection, groupId: string): Promise<Map<string, TopicPartition & { offset: bigint }>> {
  const version = await connection.highestVersion(ApiKey.OFFSET_FETCH, 2);
  const response = await connection.request(ApiKey.OFFSET_FETCH, version, { groupId, topics: null });
  throwIfKafkaError(response.errorCode, `OffsetFetch for group '${groupId}'`);
  const out = new Map<string, TopicPartition & { offset: bigint }>();
  for (const t of response.topics) {
    for (const p of t.partitions) {
      throwIfKafkaError(p.errorCode, `OffsetFetch for group '${groupId}', ${t.name}-${p.partitionIndex}`);
      if (p.committedOffset < 0n) continue;
      const tp = { topic: t.name, partition: p.partitionIndex };
      out.set(tpKey(tp), { ...tp, offset: p.committedOffset });
    }
  }
  return out;
}

interface OffsetLookup {
  readonly offset: bigint;
  readonly errorCode: number;
}

/**
 * ListOffsets for each partition at `timestamp` (-1 latest, -2 earliest, else the first
 * offset at or after it), asked of each partition's leader.
 */
async function listOffsets(cluster: Cluster, partitions: readonly TopicPartition[], timestamp: bigint): Promise<Map<string, OffsetLookup>> {
  const out = new Map<string, OffsetLookup>();
  if (partitions.length === 0) return out;
  const metadata = await cluster.metadata([...new Set(partitions.map((p) => p.topic))]);
  const leaders = new Map<string, number>();
  for (const t of metadata.topics) for (const p of t.partitions) leaders.set(tpKey({ topic: t.name, partition: p.partitionIndex }), p.errorCode === ErrorCode.NONE ? p.leaderId : -1);
  const byLeader = new Map<number, TopicPartition[]>();
  for (const tp of partitions) {
    const topicError = metadata.topics.find((t) => t.name === tp.topic)?.errorCode ?? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
    const leader = leaders.get(tpKey(tp));
    if (topicError !== ErrorCode.NONE || leader === undefined || leader < 0) {
      out.set(tpKey(tp), { offset: -1n, errorCode: topicError !== ErrorCode.NONE ? topicError : leader === undefined ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : ErrorCode.LEADER_NOT_AVAILABLE });
      continue;
    }
    const list = byLeader.get(leader) ?? [];
    list.push(tp);
    byLeader.set(leader, list);
  }
  await Promise.all(
    [...byLeader].map(async ([leader, tps]) => {
      const connection = await cluster.brokerConnection(leader);
      const version = await connection.highestVersion(ApiKey.LIST_OFFSETS, 1);
      const topics = [...new Set(tps.map((tp) => tp.topic))].map((name) => ({
        name,
        partitions: tps.filter((tp) => tp.topic === name).map((tp) => ({ partitionIndex: tp.partition, currentLeaderEpoch: -1, timestamp, maxNumOffsets: 1 })),
      }));
      const response = await connection.request(ApiKey.LIST_OFFSETS, version, { replicaId: CONSUMER_REPLICA_ID, isolationLevel: READ_UNCOMMITTED, topics });
      for (const t of response.topics) {
        for (const p of t.partitions) out.set(tpKey({ topic: t.name, partition: p.partitionIndex }), { offset: p.offset, errorCode: p.errorCode });
      }
    }),
  );
  return out;
}

/** Like `listOffsets`, but every partition must have answered without error. */
async function requireOffsets(cluster: Cluster, partitions: readonly TopicPartition[], timestamp: bigint): Promise<Map<string, bigint>> {
  const found = await listOffsets(cluster, partitions, timestamp);
  const out = new Map<string, bigint>();
  for (const tp of partitions) {
    const lookup = found.get(tpKey(tp));
    if (lookup === undefined) throw fault(GroupsErrorCode.UNKNOWN_TOPIC, `no offset was returned for ${tp.topic}-${tp.partition}`);
    throwIfKafkaError(lookup.errorCode, `ListOffsets for ${tp.topic}-${tp.partition}`);
    out.set(tpKey(tp), lookup.offset);
  }
  return out;
}

function notFound(groupId: string): BrookError {
  return fault(GroupsErrorCode.GROUP_NOT_FOUND, `consumer group '${groupId}' does not exist`);
}

function active(groupId: string, state: string): BrookError {
  return fault(GroupsErrorCode.GROUP_NOT_EMPTY, `assignments can only be reset if the group '${groupId}' is inactive, but the current state is ${state}`);
}

/** Opens the cluster, runs the command, and always closes every connection. */
async function withCluster(flags: CommonFlags, run: (cluster: Cluster, format: Format) => Promise<void>): Promise<void> {
  const format = parseFormat(flags.format);
  const cluster = await Cluster.open(flags);
  try {
    await run(cluster, format);
  } finally {
    await cluster.close();
  }
}

// ---- commands ------------------------------------------------------------------------------

async function listGroups(cluster: Cluster, format: Format, withState: boolean): Promise<void> {
  const brokers = await cluster.allBrokers();
  const found: { group: string; protocolType: string; state?: string }[] = [];
  await Promise.all(
    [...brokers.keys()].map(async (nodeId) => {
      const connection = await cluster.brokerConnection(nodeId);
      const listed = await cluster.retrying(async () => {
        const version = await connection.highestVersion(ApiKey.LIST_GROUPS);
        const response = await connection.request(ApiKey.LIST_GROUPS, version, {});
        throwIfKafkaError(response.errorCode, `ListGroups on ${connection.address}`);
        // Like kafka-consumer-groups: consumer groups, and groups that only store offsets.
        return response.groups.filter((g) => g.protocolType === CONSUMER_PROTOCOL_TYPE || g.protocolType === '');
      });
      const states = new Map<string, string>();
      if (withState && listed.length > 0) {
        const version = await connection.highestVersion(ApiKey.DESCRIBE_GROUPS);
        const described = await connection.request(ApiKey.DESCRIBE_GROUPS, version, { groups: listed.map((g) => g.groupId), includeAuthorizedOperations: false });
        for (const g of described.groups) states.set(g.groupId, g.errorCode === ErrorCode.NONE ? g.groupState : 'Unknown');
      }
      for (const g of listed) {
        found.push({ group: g.groupId, protocolType: g.protocolType, ...(withState ? { state: states.get(g.groupId) ?? 'Unknown' } : {}) });
      }
    }),
  );
  found.sort((a, b) => (a.group < b.group ? -1 : a.group > b.group ? 1 : 0));
  if (format === 'json') printJson(found);
  else if (withState) {
    if (found.length > 0) console.log(table(['GROUP', 'STATE'], found.map((g) => [g.group, g.state ?? 'Unknown'])));
  } else for (const g of found) console.log(g.group);
}

async function describe(cluster: Cluster, format: Format, groupId: string): Promise<void> {
  const { coordinator, group, committed } = await cluster.withCoordinator(groupId, async (c) => {
    const [summary, offsets] = await Promise.all([describeGroup(c.connection, groupId), committedOffsets(c.connection, groupId)]);
    return { coordinator: c, group: summary, committed: offsets };
  });
  if (group.groupState === 'Dead') throw notFound(groupId);

  const isConsumer = group.protocolType === CONSUMER_PROTOCOL_TYPE;
  const members = group.members.map((m) => ({
    memberId: m.memberId,
    groupInstanceId: m.groupInstanceId,
    clientId: m.clientId,
    host: m.clientHost,
    assignment: isConsumer
      ? decodeConsumerAssignment(m.memberAssignment)
          .topics.flatMap(({ topic, partitions }) => partitions.map((partition) => ({ topic, partition })))
          .sort(byTopicPartition)
      : [],
  }));
  const owner = new Map<string, (typeof members)[number]>();
  const partitions = new Map<string, TopicPartition>();
  for (const m of members) {
    for (const tp of m.assignment) {
      owner.set(tpKey(tp), m);
      partitions.set(tpKey(tp), tp);
    }
  }
  for (const [key, c] of committed) partitions.set(key, { topic: c.topic, partition: c.partition });
  const sorted = [...partitions.values()].sort(byTopicPartition);
  const ends = await listOffsets(cluster, sorted, LATEST_TIMESTAMP);
  const offsets = sorted.map((tp) => {
    const current = committed.get(tpKey(tp))?.offset ?? null;
    const end = ends.get(tpKey(tp));
    const logEnd = end !== undefined && end.errorCode === ErrorCode.NONE && end.offset >= 0n ? end.offset : null;
    const m = owner.get(tpKey(tp));
    return {
      topic: tp.topic,
      partition: tp.partition,
      currentOffset: current,
      logEndOffset: logEnd,
      lag: current !== null && logEnd !== null ? logEnd - current : null,
      memberId: m?.memberId ?? null,
      host: m?.host ?? null,
      clientId: m?.clientId ?? null,
    };
  });

  if (format === 'json') {
    printJson({
      group: groupId,
      state: group.groupState,
      protocolType: group.protocolType,
      assignmentStrategy: group.protocolData,
      coordinator: { id: coordinator.nodeId, host: coordinator.address.host, port: coordinator.address.port },
      members,
      offsets,
    });
    return;
  }
  const lines: string[] = [
    table(
      ['GROUP', 'COORDINATOR (ID)', 'ASSIGNMENT-STRATEGY', 'STATE', '#MEMBERS'],
      [[groupId, `${formatAddress(coordinator.address)} (${coordinator.nodeId})`, dash(group.protocolData), group.groupState, String(members.length)]],
    ),
    '',
  ];
  if (members.length === 0) lines.push(`Consumer group '${groupId}' has no active members.`, '');
  if (REBALANCING_STATES.includes(group.groupState)) lines.push(`Warning: consumer group '${groupId}' is rebalancing.`, '');
  const rows = offsets.map((o) => [groupId, o.topic, String(o.partition), dash(o.currentOffset), dash(o.logEndOffset), dash(o.lag), dash(o.memberId), dash(o.host), dash(o.clientId)]);
  for (const m of members) if (m.assignment.length === 0) rows.push([groupId, '-', '-', '-', '-', '-', dash(m.memberId), dash(m.host), dash(m.clientId)]);
  if (rows.length > 0) lines.push(table(['GROUP', 'TOPIC', 'PARTITION', 'CURRENT-OFFSET', 'LOG-END-OFFSET', 'LAG', 'CONSUMER-ID', 'HOST', 'CLIENT-ID'], rows));
  console.log(lines.join('\n').trimEnd());
}

interface ResetRequest {
  readonly strategy: ResetStrategy;
  /** Topics (and maybe partitions) to reset; undefined for --all-topics. */
  readonly wanted: readonly { topic: string; partitions: number[] | undefined }[] | undefined;
  readonly execute: boolean;
}

/** Checks the reset flags before anything connects. */
function parseReset(flags: ResetFlags): ResetRequest {
  const strategy = parseStrategy(flags);
  const wanted = flags.topic.map(parseTopicArgument);
  if ((wanted.length > 0) === (flags.allTopics === true)) throw fault(GroupsErrorCode.USAGE, 'name the partitions to reset: --topic TOPIC[:P,P...] (repeatable) or --all-topics');
  if (flags.execute === true && flags.dryRun === true) throw fault(GroupsErrorCode.USAGE, '--execute and --dry-run cannot be used together');
  return { strategy, wanted: flags.allTopics === true ? undefined : wanted, execute: flags.execute === true };
}

async function resetOffsets(cluster: Cluster, format: Format, groupId: string, request: ResetRequest): Promise<void> {
  const { strategy, wanted, execute } = request;

  const { group, committed } = await cluster.withCoordinator(groupId, async (c) => {
    const [summary, offsets] = await Promise.all([describeGroup(c.connection, groupId), committedOffsets(c.connection, groupId)]);
    return { group: summary, committed: offsets };
  });
  if (!INACTIVE_STATES.includes(group.groupState)) throw active(groupId, group.groupState);

  let partitions: TopicPartition[];
  if (wanted === undefined) {
    partitions = [...committed.values()].map(({ topic, partition }) => ({ topic, partition }));
    if (partitions.length === 0) throw fault(GroupsErrorCode.USAGE, `consumer group '${groupId}' has no committed offsets; name the partitions with --topic`);
  } else {
    const metadata = await cluster.metadata([...new Set(wanted.map((w) => w.topic))]);
    const selected = new Map<string, TopicPartition>();
    for (const w of wanted) {
      const topic = metadata.topics.find((t) => t.name === w.topic);
      if (topic === undefined || topic.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) throw fault(GroupsErrorCode.UNKNOWN_TOPIC, `topic '${w.topic}' does not exist`);
      throwIfKafkaError(topic.errorCode, `Metadata for topic '${w.topic}'`);
      const count = topic.partitions.length;
      for (const partition of w.partitions ?? topic.partitions.map((p) => p.partitionIndex)) {
        if (partition >= count) throw fault(GroupsErrorCode.UNKNOWN_TOPIC, `topic '${w.topic}' has no partition ${partition} (it has ${count})`);
        selected.set(tpKey({ topic: w.topic, partition }), { topic: w.topic, partition });
      }
    }
    partitions = [...selected.values()];
  }
  partitions.sort(byTopicPartition);

  const targets = await targetOffsets(cluster, partitions, strategy);
  const plan = partitions.map((tp) => ({ topic: tp.topic, partition: tp.partition, newOffset: targets.get(tpKey(tp))! }));

  if (execute) await commit(cluster, groupId, plan);
  if (format === 'json') printJson({ group: groupId, executed: execute, offsets: plan });
  else console.log(table(['GROUP', 'TOPIC', 'PARTITION', 'NEW-OFFSET'], plan.map((p) => [groupId, p.topic, String(p.partition), String(p.newOffset)])));
  if (!execute) console.error('Dry run: no offsets were changed. Add --execute to commit them.');
}

async function targetOffsets(cluster: Cluster, partitions: readonly TopicPartition[], strategy: ResetStrategy): Promise<Map<string, bigint>> {
  switch (strategy.kind) {
    case 'earliest':
      return requireOffsets(cluster, partitions, EARLIEST_TIMESTAMP);
    case 'latest':
      return requireOffsets(cluster, partitions, LATEST_TIMESTAMP);
    case 'offset': {
      // Like kafka-consumer-groups: an offset outside the log is moved to its nearest end.
      const [earliest, latest] = await Promise.all([requireOffsets(cluster, partitions, EARLIEST_TIMESTAMP), requireOffsets(cluster, partitions, LATEST_TIMESTAMP)]);
      const out = new Map<string, bigint>();
      for (const tp of partitions) {
        const key = tpKey(tp);
        const low = earliest.get(key)!;
        const high = latest.get(key)!;
        let offset = strategy.offset;
        if (offset < low) {
          console.error(`New offset ${offset} is lower than the earliest offset of ${tp.topic}-${tp.partition}; using ${low}.`);
          offset = low;
        } else if (offset > high) {
          console.error(`New offset ${offset} is higher than the latest offset of ${tp.topic}-${tp.partition}; using ${high}.`);
          offset = high;
        }
        out.set(key, offset);
      }
      return out;
    }
    case 'datetime': {
      const found = await listOffsets(cluster, partitions, strategy.timestamp);
      const out = new Map<string, bigint>();
      const missing: TopicPartition[] = [];
      for (const tp of partitions) {
        const lookup = found.get(tpKey(tp));
        if (lookup === undefined) throw fault(GroupsErrorCode.UNKNOWN_TOPIC, `no offset was returned for ${tp.topic}-${tp.partition}`);
        throwIfKafkaError(lookup.errorCode, `ListOffsets for ${tp.topic}-${tp.partition}`);
        // No record at or after the time: the consumer starts at the end, as in Kafka.
        if (lookup.offset < 0n) missing.push(tp);
        else out.set(tpKey(tp), lookup.offset);
      }
      for (const [key, offset] of await requireOffsets(cluster, missing, LATEST_TIMESTAMP)) out.set(key, offset);
      return out;
    }
  }
}

/** OffsetCommit outside any generation (-1, no member id): Kafka accepts it only for an Empty group. */
async function commit(cluster: Cluster, groupId: string, plan: readonly (TopicPartition & { newOffset: bigint })[]): Promise<void> {
  const topics = [...new Set(plan.map((p) => p.topic))].map((name) => ({
    name,
    partitions: plan
      .filter((p) => p.topic === name)
      .map((p) => ({ partitionIndex: p.partition, committedOffset: p.newOffset, committedLeaderEpoch: -1, commitTimestamp: -1n, committedMetadata: '' })),
  }));
  await cluster.withCoordinator(groupId, async ({ connection }) => {
    const version = await connection.highestVersion(ApiKey.OFFSET_COMMIT, 2);
    const response = await connection.request(ApiKey.OFFSET_COMMIT, version, {
      groupId,
      generationIdOrMemberEpoch: -1,
      memberId: '',
      groupInstanceId: null,
      retentionTimeMs: -1n,
      topics,
    });
    for (const t of response.topics) {
      for (const p of t.partitions) {
        // The group gained a member between the check and the commit.
        if (p.errorCode === ErrorCode.UNKNOWN_MEMBER_ID || p.errorCode === ErrorCode.ILLEGAL_GENERATION || p.errorCode === ErrorCode.REBALANCE_IN_PROGRESS) {
          const now = await describeGroup(connection, groupId);
          throw active(groupId, now.groupState);
        }
        throwIfKafkaError(p.errorCode, `OffsetCommit for group '${groupId}', ${t.name}-${p.partitionIndex}`);
      }
    }
  });
}

async function deleteGroup(cluster: Cluster, format: Format, groupId: string): Promise<void> {
  const errorCode = await cluster.withCoordinator(groupId, async ({ connection }) => {
    const version = await connection.highestVersion(ApiKey.DELETE_GROUPS);
    const response = await connection.request(ApiKey.DELETE_GROUPS, version, { groupsNames: [groupId] });
    const result = response.results.find((r) => r.groupId === groupId);
    if (result === undefined) throw fault(GroupsErrorCode.GROUP_NOT_FOUND, `the coordinator at ${connection.address} did not answer for group '${groupId}'`);
    if (result.errorCode !== ErrorCode.GROUP_ID_NOT_FOUND && result.errorCode !== ErrorCode.NON_EMPTY_GROUP) {
      throwIfKafkaError(result.errorCode, `DeleteGroups for group '${groupId}'`);
    }
    return result.errorCode;
  });
  if (errorCode === ErrorCode.GROUP_ID_NOT_FOUND) throw notFound(groupId);
  if (errorCode === ErrorCode.NON_EMPTY_GROUP) throw fault(GroupsErrorCode.GROUP_NOT_EMPTY, `consumer group '${groupId}' cannot be deleted: it has active members`);
  if (format === 'json') printJson({ group: groupId, deleted: true });
  else console.log(`Deletion of requested consumer groups ('${groupId}') was successful.`);
}

// ---- registration --------------------------------------------------------------------------

function withCommonOptions(command: Command): Command {
  return command
    .option('--bootstrap-server <servers>', 'broker(s) to connect to, host:port[,host:port...]', DEFAULT_BOOTSTRAP)
    .option('--timeout <ms>', 'how long to wait for the cluster, in milliseconds', String(DEFAULT_TIMEOUT_MS))
    .option('--format <format>', 'text or json', 'text');
}

export function registerGroups(program: Command): void {
  const groups = program.command('groups').description('list, describe, reset and delete consumer groups (like kafka-consumer-groups)');

  withCommonOptions(groups.command('list').description('list consumer groups'))
    .option('--state', 'also show each group\'s state')
    .action((flags: ListFlags) =>
      withCluster(flags, (cluster, format) => listGroups(cluster, format, flags.state === true)),
    );

  withCommonOptions(groups.command('describe').description('show a group\'s state, members, committed offsets and lag').argument('<group>'))
    .action((groupId: string, flags: CommonFlags) => withCluster(flags, (cluster, format) => describe(cluster, format, groupId)));

  withCommonOptions(
    groups
      .command('reset-offsets')
      .description('plan (by default) or --execute a reset of an inactive group\'s committed offsets')
      .argument('<group>'),
  )
    .option('--topic <topic>', 'topic to reset, or TOPIC:P,P for some partitions (repeatable)', collect, [])
    .option('--all-topics', 'reset every partition the group has committed offsets for')
    .option('--to-earliest', 'to the earliest offset of each partition')
    .option('--to-latest', 'to the log end offset of each partition')
    .option('--to-offset <offset>', 'to this offset (moved into the log if outside it)')
    .option('--to-datetime <iso>', 'to the first offset at or after this time, e.g. 2024-05-01T12:00:00.000 (local) or ...Z')
    .option('--execute', 'commit the new offsets (without it, only print them)')
    .option('--dry-run', 'only print the new offsets (the default)')
    .action((groupId: string, flags: ResetFlags) => {
      const request = parseReset(flags);
      return withCluster(flags, (cluster, format) => resetOffsets(cluster, format, groupId, request));
    });

  withCommonOptions(groups.command('delete').description('delete an empty group and its committed offsets').argument('<group>'))
    .action((groupId: string, flags: CommonFlags) => withCluster(flags, (cluster, format) => deleteGroup(cluster, format, groupId)));
}
