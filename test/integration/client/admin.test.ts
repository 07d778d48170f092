/**
 * client/admin: every Admin method against a real broker over TCP, including the errors a
 * user meets (an existing topic, an invalid config, an unknown topic, a group with members).
 */
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { Admin, ClientError, ClientErrorCode, KafkaError } from '../../../client/index.ts';
import { Cluster, encodeConsumerAssignment } from '../../../client/internal.ts';
import { ApiKey, ErrorCode, Writer } from '../../../core/protocol/index.ts';
import type { ErrorName } from '../../../core/protocol/index.ts';
import { startTestBroker } from '../../helpers/broker.ts';
import { WireClient } from '../../helpers/kafka-wire.ts';
import { produce, valuesBatch } from '../broker/records.ts';

const GROUPS = { groups: { initialRebalanceDelayMs: 0, minSessionTimeoutMs: 1000, offsetsTopicPartitions: 5 } };
const T0 = 1_700_000_000_000n;

interface Fixture {
  readonly admin: Admin;
  readonly wire: WireClient;
  readonly nodeId: number;
}

async function fixture(t: ExecutionContext, requestTimeoutMs = 10_000): Promise<Fixture> {
  const { port, bootstrap } = await startTestBroker(t, GROUPS);
  const admin = new Admin({ bootstrapServers: bootstrap, requestTimeoutMs });
  t.teardown(() => admin.close());
  await admin.connect();
  const wire = await WireClient.connect(port);
  t.teardown(() => {
    wire.close();
  });
  const nodeId = admin.cluster.brokerList()[0]?.nodeId;
  if (nodeId === undefined) throw new Error('the broker list is empty');
  return { admin, wire, nodeId };
}

/** Asserts a KafkaError with this error name and exact message. */
async function rejectsKafka(t: ExecutionContext, promise: Promise<unknown>, errorName: ErrorName, message: string): Promise<void> {
  const error = await t.throwsAsync(promise, { instanceOf: KafkaError });
  t.is(error.errorName, errorName);
  t.is(error.message, message);
}

test('createTopics, listTopics and describeTopics', async (t) => {
  const { admin, nodeId } = await fixture(t);
  await admin.createTopics([{ topic: 'orders', numPartitions: 3, replicationFactor: 1 }, { topic: 'audit' }]);
  await admin.createTopics([{ topic: 'dry-run', numPartitions: 2 }], { validateOnly: true });
  t.deepEqual(await admin.listTopics(), ['audit', 'orders']);

  const [orders, audit] = await admin.describeTopics(['orders', 'audit']);
  t.deepEqual(orders, {
    name: 'orders',
    internal: false,
    partitions: [0, 1, 2].map((partition) => ({ partition, leader: nodeId, replicas: [nodeId], isr: [nodeId] })),
  });
  // The broker's default num.partitions is 1.
  t.is(audit?.partitions.length, 1);
});

test('internal topics are listed only when asked', async (t) => {
  const { admin } = await fixture(t);
  await admin.createTopics([{ topic: 'orders' }]);
  // A group's first commit creates __consumer_offsets.
  await admin.commitOffsets('g', [{ topic: 'orders', partition: 0, offset: 0n }]);
  t.deepEqual(await admin.listTopics(), ['orders']);
  t.deepEqual(await admin.listTopics({ includeInternal: true }), ['__consumer_offsets', 'orders']);
  const [offsets] = await admin.describeTopics(['__consumer_offsets']);
  t.is(offsets?.internal, true);
  t.is(offsets?.partitions.length, 5);
});

test('createTopics reports the broker error per topic', async (t) => {
  const { admin } = await fixture(t);
  await admin.createTopics([{ topic: 'orders' }]);
  await rejectsKafka(
    t,
    admin.createTopics([{ topic: 'orders' }]),
    'TOPIC_ALREADY_EXISTS',
    "CreateTopics for topic 'orders': TOPIC_ALREADY_EXISTS (Kafka error 36): Topic 'orders' already exists.",
  );
  await rejectsKafka(
    t,
    admin.createTopics([{ topic: 'bad', configs: { 'retention.ms': 'soon' } }]),
    'INVALID_CONFIG',
    'CreateTopics for topic \'bad\': INVALID_CONFIG (Kafka error 40): Invalid value soon for configuration retention.ms: Not a number of type LONG',
  );
  await rejectsKafka(
    t,
    admin.createTopics([{ topic: 'bad', configs: { 'no.such.config': '1' } }]),
    'INVALID_CONFIG',
    "CreateTopics for topic 'bad': INVALID_CONFIG (Kafka error 40): Unknown topic config name: no.such.config",
  );
  await rejectsKafka(
    t,
    admin.createTopics([{ topic: 'bad', replicationFactor: 3 }]),
    'INVALID_REPLICATION_FACTOR',
    "CreateTopics for topic 'bad': INVALID_REPLICATION_FACTOR (Kafka error 38): Unable to replicate the partition 3 time(s): The target replication factor of 3 cannot be reached because only 1 broker(s) are registered.",
  );
  // The first failure is thrown; a good topic in the same request is still created (not atomic).
  await rejectsKafka(
    t,
    admin.createTopics([{ topic: 'good' }, { topic: 'orders' }]),
    'TOPIC_ALREADY_EXISTS',
    "CreateTopics for topic 'orders': TOPIC_ALREADY_EXISTS (Kafka error 36): Topic 'orders' already exists.",
  );
  t.deepEqual(await admin.listTopics(), ['good', 'orders']);
});

test('deleteTopics, and unknown topics fail at once with UNKNOWN_TOPIC_OR_PARTITION', async (t) => {
  // Were an unknown topic retried like other retriable errors, these calls would take the
  // whole request timeout (5 min) and the test would fail on its own deadline.
  t.timeout(60_000);
  const { admin } = await fixture(t, 300_000);
  await admin.createTopics([{ topic: 'a' }, { topic: 'b' }]);
  t.is((await admin.describeTopics(['a'])).length, 1);
  await admin.deleteTopics(['a']);
  t.deepEqual(await admin.listTopics(), ['b']);
  await rejectsKafka(t, admin.describeTopics(['a']), 'UNKNOWN_TOPIC_OR_PARTITION', "Metadata for topic 'a': UNKNOWN_TOPIC_OR_PARTITION (Kafka error 3): Topic 'a' does not exist.");
  await rejectsKafka(t, admin.deleteTopics(['a']), 'UNKNOWN_TOPIC_OR_PARTITION', "DeleteTopics for topic 'a': UNKNOWN_TOPIC_OR_PARTITION (Kafka error 3)");
  await rejectsKafka(t, admin.listOffsets([{ topic: 'a', partition: 0, timestamp: 'latest' }]), 'UNKNOWN_TOPIC_OR_PARTITION', "Metadata for topic 'a': UNKNOWN_TOPIC_OR_PARTITION (Kafka error 3): Topic 'a' does not exist.");
  await rejectsKafka(
    t,
    admin.listOffsets([{ topic: 'b', partition: 4, timestamp: 'latest' }]),
    'UNKNOWN_TOPIC_OR_PARTITION',
    "Metadata for b-4: UNKNOWN_TOPIC_OR_PARTITION (Kafka error 3): topic 'b' has 1 partitions",
  );
});

test('createPartitions grows a topic and refuses to shrink it', async (t) => {
  const { admin } = await fixture(t);
  await admin.createTopics([{ topic: 'orders', numPartitions: 2 }]);
  await admin.createPartitions([{ topic: 'orders', count: 5 }], { validateOnly: true });
  t.is((await admin.describeTopics(['orders']))[0]?.partitions.length, 2);
  await admin.createPartitions([{ topic: 'orders', count: 5 }]);
  t.deepEqual(
    (await admin.describeTopics(['orders']))[0]?.partitions.map((p) => p.partition),
    [0, 1, 2, 3, 4],
  );
  const error = await t.throwsAsync(admin.createPartitions([{ topic: 'orders', count: 3 }]), { instanceOf: KafkaError });
  t.is(error.errorName, 'INVALID_PARTITIONS');
  t.regex(error.message, /^CreatePartitions for topic 'orders': INVALID_PARTITIONS \(Kafka error 37\): The topic orders currently has 5 partition\(s\); 3 would not be an increase\.$/);
  await rejectsKafka(
    t,
    admin.createPartitions([{ topic: 'nope', count: 3 }]),
    'UNKNOWN_TOPIC_OR_PARTITION',
    "CreatePartitions for topic 'nope': UNKNOWN_TOPIC_OR_PARTITION (Kafka error 3): The topic 'nope' does not exist.",
  );
});

test('describeConfigs shows source, readOnly and isDefault for topics and brokers', async (t) => {
  const { admin, nodeId } = await fixture(t);
  await admin.createTopics([{ topic: 'orders', configs: { 'retention.ms': '60000' } }]);
  const [topic] = await admin.describeConfigs([{ type: 'topic', name: 'orders', keys: ['retention.ms', 'cleanup.policy'] }]);
  t.is(topic?.type, 'topic');
  t.is(topic?.name, 'orders');
  t.deepEqual(
    [...(topic?.entries ?? [])].sort((a, b) => a.name.localeCompare(b.name)),
    [
      { name: 'cleanup.policy', value: 'delete', source: 'DEFAULT_CONFIG', readOnly: false, isDefault: true, isSensitive: false },
      { name: 'retention.ms', value: '60000', source: 'DYNAMIC_TOPIC_CONFIG', readOnly: false, isDefault: false, isSensitive: false },
    ],
  );
  const all = await admin.describeConfigs([{ type: 'topic', name: 'orders' }]);
  t.true((all[0]?.entries.length ?? 0) > 2);

  const [broker] = await admin.describeConfigs([{ type: 'broker', name: String(nodeId), keys: ['broker.id'] }]);
  t.deepEqual(broker?.entries, [{ name: 'broker.id', value: String(nodeId), source: 'STATIC_BROKER_CONFIG', readOnly: true, isDefault: false, isSensitive: false }]);

  await rejectsKafka(
    t,
    admin.describeConfigs([{ type: 'topic', name: 'nope' }]),
    'UNKNOWN_TOPIC_OR_PARTITION',
    "DescribeConfigs for topic 'nope': UNKNOWN_TOPIC_OR_PARTITION (Kafka error 3): The topic 'nope' does not exist.",
  );

  const [described] = await admin.describeTopics(['orders'], { includeConfigs: true });
  t.deepEqual(
    described?.configs?.filter((c) => !c.isDefault).map((c) => [c.name, c.value]),
    // The broker's every-append flush policy is Kafka's flush.messages=1, set by the broker.
    [
      ['flush.messages', '1'],
      ['retention.ms', '60000'],
    ],
  );
});

test('alterConfigs sets, appends and deletes; invalid values get INVALID_CONFIG with the server message', async (t) => {
  const { admin } = await fixture(t);
  await admin.createTopics([{ topic: 'orders' }]);
  const overrides = async (): Promise<string[][]> =>
    ((await admin.describeConfigs([{ type: 'topic', name: 'orders' }]))[0]?.entries ?? [])
      .filter((e) => e.source === 'DYNAMIC_TOPIC_CONFIG')
      .map((e) => [e.name, e.value ?? 'null'])
      .sort((a, b) => (a[0] ?? '').localeCompare(b[0] ?? ''));

  await admin.alterConfigs([{ type: 'topic', name: 'orders', ops: [{ name: 'retention.ms', op: 'set', value: '1000' }] }], { validateOnly: true });
  t.deepEqual(await overrides(), []);
  await admin.alterConfigs([
    {
      type: 'topic',
      name: 'orders',
      ops: [
        { name: 'retention.ms', op: 'set', value: '1000' },
        { name: 'cleanup.policy', op: 'append', value: 'compact' },
      ],
    },
  ]);
  t.deepEqual(await overrides(), [
    // APPEND adds after what is there (the default, delete), and the list keeps that order, as in Kafka.
    ['cleanup.policy', 'delete,compact'],
    ['retention.ms', '1000'],
  ]);
  await admin.alterConfigs([{ type: 'topic', name: 'orders', ops: [{ name: 'retention.ms', op: 'delete' }] }]);
  t.deepEqual((await overrides()).map(([name]) => name), ['cleanup.policy']);

  await rejectsKafka(
    t,
    admin.alterConfigs([{ type: 'topic', name: 'orders', ops: [{ name: 'retention.ms', op: 'set', value: 'x' }] }]),
    'INVALID_CONFIG',
    'IncrementalAlterConfigs for topic \'orders\': INVALID_CONFIG (Kafka error 40): Invalid value x for configuration retention.ms: Not a number of type LONG',
  );
  await rejectsKafka(
    t,
    admin.alterConfigs([{ type: 'topic', name: 'nope', ops: [{ name: 'retention.ms', op: 'set', value: '1' }] }]),
    'UNKNOWN_TOPIC_OR_PARTITION',
    "IncrementalAlterConfigs for topic 'nope': UNKNOWN_TOPIC_OR_PARTITION (Kafka error 3): The topic 'nope' does not exist.",
  );
});

/** ConsumerProtocolSubscription v0: the topics a member wants. */
function subscription(topics: readonly string[]): Buffer {
  const w = new Writer();
  w.int16(0).arrayLength(topics.length);
  for (const topic of topics) w.string(topic);
  w.nullableBytes(null);
  return w.finish();
}

/** Makes `groupId` Stable with one member (client id `busy-client`) owning `partitions` of `topic`. Returns its member id. */
async function activeGroup(t: ExecutionContext, wire: WireClient, groupId: string, topic: string, partitions: number[]): Promise<string> {
  const join = await wire.request(
    ApiKey.JOIN_GROUP,
    3,
    {
      groupId,
      // Outlives the test: this member never heartbeats.
      sessionTimeoutMs: 600_000,
      rebalanceTimeoutMs: 600_000,
      memberId: '',
      protocolType: 'consumer',
      protocols: [{ name: 'range', metadata: subscription([topic]) }],
    },
    'busy-client',
  );
  t.is(join.errorCode, ErrorCode.NONE);
  const assignment = encodeConsumerAssignment({ topics: [{ topic, partitions }] });
  const sync = await wire.request(
    ApiKey.SYNC_GROUP,
    2,
    { groupId, generationId: join.generationId, memberId: join.memberId, assignments: [{ memberId: join.memberId, assignment }] },
    'busy-client',
  );
  t.is(sync.errorCode, ErrorCode.NONE);
  return join.memberId;
}

test('listGroups, describeGroups (assignments decoded) and deleteGroups', async (t) => {
  const { admin, wire, nodeId } = await fixture(t);
  await admin.createTopics([{ topic: 'orders', numPartitions: 2 }]);
  await admin.commitOffsets('idle', [{ topic: 'orders', partition: 0, offset: 1n }]);
  const memberId = await activeGroup(t, wire, 'busy', 'orders', [0, 1]);

  t.deepEqual(await admin.listGroups(), [
    { groupId: 'busy', protocolType: 'consumer' },
    { groupId: 'idle', protocolType: '' },
  ]);
  t.deepEqual(await admin.listGroups({ includeState: true }), [
    { groupId: 'busy', protocolType: 'consumer', state: 'Stable' },
    { groupId: 'idle', protocolType: '', state: 'Empty' },
  ]);

  const [busy, idle, none] = await admin.describeGroups(['busy', 'idle', 'none']);
  t.is(busy?.state, 'Stable');
  t.is(busy?.protocolType, 'consumer');
  t.is(busy?.protocol, 'range');
  t.is(busy?.coordinator, nodeId);
  t.is(busy?.members.length, 1);
  const member = busy?.members[0];
  t.is(member?.memberId, memberId);
  t.is(member?.clientId, 'busy-client');
  t.deepEqual(member?.assignment, { version: 0, topics: [{ topic: 'orders', partitions: [0, 1] }], userData: null });
  t.deepEqual(member?.memberMetadata, subscription(['orders']));
  t.is(idle?.state, 'Empty');
  t.deepEqual(idle?.members, []);
  // As in Kafka: a group that does not exist is described as Dead, not as an error.
  t.is(none?.state, 'Dead');

  await rejectsKafka(t, admin.deleteGroups(['busy']), 'NON_EMPTY_GROUP', "DeleteGroups for group 'busy': NON_EMPTY_GROUP (Kafka error 68)");
  await rejectsKafka(t, admin.deleteGroups(['none']), 'GROUP_ID_NOT_FOUND', "DeleteGroups for group 'none': GROUP_ID_NOT_FOUND (Kafka error 69)");
  await admin.deleteGroups(['idle']);
  t.deepEqual(await admin.listGroups(), [{ groupId: 'busy', protocolType: 'consumer' }]);
  t.deepEqual(await admin.fetchCommittedOffsets('idle'), []);
});

test('listOffsets asks the leader for earliest, latest and by timestamp', async (t) => {
  const { admin, wire } = await fixture(t);
  await admin.createTopics([{ topic: 'orders', numPartitions: 2 }]);
  const p0 = await produce(wire, 'orders', 0, valuesBatch(['a', 'b', 'c', 'd'], { firstTimestamp: T0 }));
  t.is(p0.errorCode, ErrorCode.NONE);
  const offsets = await admin.listOffsets([
    { topic: 'orders', partition: 0, timestamp: 'earliest' },
    { topic: 'orders', partition: 0, timestamp: 'latest' },
    { topic: 'orders', partition: 1, timestamp: 'latest' },
    { topic: 'orders', partition: 0, timestamp: Number(T0) + 2 },
    { topic: 'orders', partition: 0, timestamp: Number(T0) + 100 },
  ]);
  t.deepEqual(
    offsets.map((o) => [o.topic, o.partition, o.offset]),
    [
      ['orders', 0, 0n],
      // The same partition twice in one call: each lookup gets its own answer.
      ['orders', 0, 4n],
      ['orders', 1, 0n],
      ['orders', 0, 2n],
      // No record is that new.
      ['orders', 0, -1n],
    ],
  );
  t.is(offsets[3]?.timestamp, T0 + 2n);
});

test('commitOffsets, fetchCommittedOffsets and resetOffsets for an Empty group', async (t) => {
  const { admin, wire } = await fixture(t);
  await admin.createTopics([{ topic: 'orders', numPartitions: 2 }, { topic: 'other' }]);
  t.is((await produce(wire, 'orders', 0, valuesBatch(['a', 'b', 'c', 'd', 'e'], { firstTimestamp: T0 }))).errorCode, ErrorCode.NONE);
  t.is((await produce(wire, 'orders', 1, valuesBatch(['x', 'y'], { firstTimestamp: T0 + 10n }))).errorCode, ErrorCode.NONE);

  await admin.commitOffsets('g', [
    { topic: 'orders', partition: 1, offset: 1n, metadata: 'm1' },
    { topic: 'other', partition: 0, offset: 0n },
  ]);
  t.deepEqual(await admin.fetchCommittedOffsets('g'), [
    { topic: 'orders', partition: 1, offset: 1n, metadata: 'm1' },
    { topic: 'other', partition: 0, offset: 0n, metadata: '' },
  ]);
  // Naming topics lists each of their partitions, -1n where nothing is committed.
  t.deepEqual(
    (await admin.fetchCommittedOffsets('g', ['orders'])).map((o) => [o.partition, o.offset]),
    [
      [0, -1n],
      [1, 1n],
    ],
  );
  await rejectsKafka(t, admin.fetchCommittedOffsets('g', ['nope']), 'UNKNOWN_TOPIC_OR_PARTITION', "Metadata for topic 'nope': UNKNOWN_TOPIC_OR_PARTITION (Kafka error 3): Topic 'nope' does not exist.");

  const orders = [
    { topic: 'orders', partition: 0 },
    { topic: 'orders', partition: 1 },
  ];
  const latest = await admin.resetOffsets('g', orders, 'latest');
  t.deepEqual(latest.map((o) => o.offset), [5n, 2n]);
  t.deepEqual((await admin.fetchCommittedOffsets('g', ['orders'])).map((o) => o.offset), [5n, 2n]);
  t.deepEqual((await admin.resetOffsets('g', orders, 'earliest')).map((o) => o.offset), [0n, 0n]);
  // By time: orders-0 has T0+3 at offset 3; orders-1 has nothing that new before T0+10, so
  // T0+11 is offset 1; T0+50 is past every record, so the log end.
  t.deepEqual((await admin.resetOffsets('g', [orders[0]!], Number(T0) + 3)).map((o) => o.offset), [3n]);
  t.deepEqual((await admin.resetOffsets('g', [orders[1]!], Number(T0) + 11)).map((o) => o.offset), [1n]);
  t.deepEqual((await admin.resetOffsets('g', [orders[1]!], Number(T0) + 50)).map((o) => o.offset), [2n]);
  t.deepEqual((await admin.fetchCommittedOffsets('g', ['orders'])).map((o) => o.offset), [3n, 2n]);
});

test('resetOffsets to an offset moves it into each log, and a dry run commits nothing', async (t) => {
  const { admin, wire } = await fixture(t);
  await admin.createTopics([{ topic: 'orders', numPartitions: 2 }]);
  t.is((await produce(wire, 'orders', 0, valuesBatch(['a', 'b', 'c', 'd', 'e']))).errorCode, ErrorCode.NONE);
  t.is((await produce(wire, 'orders', 1, valuesBatch(['x', 'y']))).errorCode, ErrorCode.NONE);
  // orders-0 now holds offsets 3 and 4 (log end 5); orders-1 offsets 0 and 1 (log end 2).
  await admin.deleteRecords([{ topic: 'orders', partition: 0, offset: 3n }]);
  await admin.commitOffsets('g', [
    { topic: 'orders', partition: 0, offset: 4n },
    { topic: 'orders', partition: 1, offset: 1n },
  ]);
  const orders = [
    { topic: 'orders', partition: 0 },
    { topic: 'orders', partition: 1 },
  ];
  const committed = async (): Promise<bigint[]> => (await admin.fetchCommittedOffsets('g', ['orders'])).map((o) => o.offset);

  // 1 is below orders-0's earliest offset, and inside orders-1's log.
  t.deepEqual(await admin.resetOffsets('g', orders, { offset: 1n }, { dryRun: true }), [
    { topic: 'orders', partition: 0, offset: 3n, clampedFrom: 1n, metadata: '' },
    { topic: 'orders', partition: 1, offset: 1n, metadata: '' },
  ]);
  t.deepEqual(await committed(), [4n, 1n]);
  t.deepEqual((await admin.resetOffsets('g', orders, 'earliest', { dryRun: true })).map((o) => o.offset), [3n, 0n]);
  t.deepEqual(await committed(), [4n, 1n]);

  // 4 is past orders-1's log end.
  t.deepEqual(await admin.resetOffsets('g', orders, { offset: 4n }), [
    { topic: 'orders', partition: 0, offset: 4n, metadata: '' },
    { topic: 'orders', partition: 1, offset: 2n, clampedFrom: 4n, metadata: '' },
  ]);
  t.deepEqual(await committed(), [4n, 2n]);
  t.deepEqual((await admin.resetOffsets('g', orders, { offset: 0n })).map((o) => [o.offset, o.clampedFrom]), [
    [3n, 0n],
    [0n, undefined],
  ]);
  t.deepEqual(await committed(), [3n, 0n]);
  await rejectsKafka(
    t,
    admin.resetOffsets('g', [{ topic: 'nope', partition: 0 }], { offset: 0n }, { dryRun: true }),
    'UNKNOWN_TOPIC_OR_PARTITION',
    "Metadata for topic 'nope': UNKNOWN_TOPIC_OR_PARTITION (Kafka error 3): Topic 'nope' does not exist.",
  );
});

test('commitOffsets and resetOffsets are refused while the group has members', async (t) => {
  const { admin, wire } = await fixture(t);
  await admin.createTopics([{ topic: 'orders' }]);
  await activeGroup(t, wire, 'busy', 'orders', [0]);
  const message =
    "OffsetCommit for group 'busy', orders-0: UNKNOWN_MEMBER_ID (Kafka error 25): offsets can be reset only while the group is Empty; stop its consumers first";
  await rejectsKafka(t, admin.commitOffsets('busy', [{ topic: 'orders', partition: 0, offset: 0n }]), 'UNKNOWN_MEMBER_ID', message);
  await rejectsKafka(t, admin.resetOffsets('busy', [{ topic: 'orders', partition: 0 }], 'earliest'), 'UNKNOWN_MEMBER_ID', message);
  t.deepEqual(await admin.fetchCommittedOffsets('busy'), []);
});

test('deleteRecords moves the low watermark that ListOffsets earliest reports', async (t) => {
  const { admin, wire } = await fixture(t);
  await admin.createTopics([{ topic: 'orders', numPartitions: 2 }, { topic: 'compacted', configs: { 'cleanup.policy': 'compact' } }]);
  t.is((await produce(wire, 'orders', 0, valuesBatch(['a', 'b', 'c', 'd']))).errorCode, ErrorCode.NONE);
  t.is((await produce(wire, 'orders', 1, valuesBatch(['x', 'y']))).errorCode, ErrorCode.NONE);

  const deleted = await admin.deleteRecords([
    { topic: 'orders', partition: 0, offset: 3n },
    { topic: 'orders', partition: 1, offset: -1n },
  ]);
  t.deepEqual(deleted, [
    { topic: 'orders', partition: 0, lowWatermark: 3n },
    { topic: 'orders', partition: 1, lowWatermark: 2n },
  ]);
  t.deepEqual(
    (
      await admin.listOffsets([
        { topic: 'orders', partition: 0, timestamp: 'earliest' },
        { topic: 'orders', partition: 1, timestamp: 'earliest' },
      ])
    ).map((o) => o.offset),
    [3n, 2n],
  );
  await rejectsKafka(t, admin.deleteRecords([{ topic: 'orders', partition: 0, offset: 9n }]), 'OFFSET_OUT_OF_RANGE', 'DeleteRecords for orders-0: OFFSET_OUT_OF_RANGE (Kafka error 1)');
  await rejectsKafka(t, admin.deleteRecords([{ topic: 'compacted', partition: 0, offset: 0n }]), 'POLICY_VIOLATION', 'DeleteRecords for compacted-0: POLICY_VIOLATION (Kafka error 44)');
  await rejectsKafka(t, admin.deleteRecords([{ topic: 'nope', partition: 0, offset: 0n }]), 'UNKNOWN_TOPIC_OR_PARTITION', "Metadata for topic 'nope': UNKNOWN_TOPIC_OR_PARTITION (Kafka error 3): Topic 'nope' does not exist.");
});

test('close is idempotent and only closes a cluster the admin made', async (t) => {
  const { bootstrap } = await startTestBroker(t, GROUPS);
  const owner = new Admin({ bootstrapServers: bootstrap });
  t.deepEqual(await owner.listTopics(), []);
  await owner.close();
  await owner.close();
  const closed = await t.throwsAsync(owner.listTopics(), { instanceOf: ClientError });
  t.is(closed.code, ClientErrorCode.CLOSED);

  const cluster = new Cluster({ bootstrapServers: bootstrap });
  t.teardown(() => cluster.close());
  const admin = new Admin(cluster);
  await admin.createTopics([{ topic: 'a' }]);
  await admin.close();
  // The caller's cluster still works.
  t.deepEqual(await new Admin(cluster).listTopics(), ['a']);
});
