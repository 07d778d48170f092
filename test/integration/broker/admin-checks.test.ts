import test from 'ava';
import type { ExecutionContext } from 'ava';
import { ApiKey, ErrorCode } from '../../../core/protocol/index.ts';
import { startTestBroker } from '../../helpers/broker.ts';
import { WireClient } from '../../helpers/kafka-wire.ts';

/*
 * The refusals an admin tool can provoke, each with the error code and message Kafka's
 * controller gives for the same input.
 */

const TOPIC = 2;

async function connect(t: ExecutionContext): Promise<WireClient> {
  const { port } = await startTestBroker(t);
  const client = await WireClient.connect(port);
  t.teardown(() => {
    client.close();
  });
  return client;
}

type Assignment = { partitionIndex: number; brokerIds: number[] };

async function createTopic(client: WireClient, name: string, numPartitions: number, replicationFactor = -1, assignments: Assignment[] = []): Promise<[number, string | null]> {
  const response = await client.request(ApiKey.CREATE_TOPICS, 4, {
    topics: [{ name, numPartitions, replicationFactor, assignments, configs: [] }],
    timeoutMs: 5000,
    validateOnly: false,
  });
  const result = response.topics[0];
  return [result?.errorCode ?? -1, result?.errorMessage ?? null];
}

async function createPartitions(client: WireClient, name: string, count: number, assignments: { brokerIds: number[] }[] | null = null): Promise<[number, string | null]> {
  const response = await client.request(ApiKey.CREATE_PARTITIONS, 1, { topics: [{ name, count, assignments }], timeoutMs: 5000, validateOnly: false });
  const result = response.results[0];
  return [result?.errorCode ?? -1, result?.errorMessage ?? null];
}

async function partitionCount(client: WireClient, name: string): Promise<number | undefined> {
  const metadata = await client.request(ApiKey.METADATA, 1, { topics: [{ name }] });
  const topic = metadata.topics[0];
  return topic?.errorCode === ErrorCode.NONE ? topic.partitions.length : undefined;
}

test('CreatePartitions checks manual assignments as Kafka does', async (t) => {
  const client = await connect(t);
  t.deepEqual(await createTopic(client, 'grow', 1), [ErrorCode.NONE, null]);
  const cases: [{ brokerIds: number[] }[], string][] = [
    [[{ brokerIds: [7] }], 'The manual partition assignment includes broker 7, but no such broker is registered.'],
    [[{ brokerIds: [0, 0] }], 'The manual partition assignment includes the broker 0 more than once.'],
    [[{ brokerIds: [] }], 'The manual partition assignment includes an empty replica list.'],
    [[{ brokerIds: [0] }, { brokerIds: [0] }], 'Attempted to add 1 additional partition(s), but only 2 assignment(s) were specified.'],
  ];
  for (const [assignments, message] of cases) {
    t.deepEqual(await createPartitions(client, 'grow', 2, assignments), [ErrorCode.INVALID_REPLICA_ASSIGNMENT, message], JSON.stringify(assignments));
  }
  t.is(await partitionCount(client, 'grow'), 1, 'nothing was added');
  t.deepEqual(await createPartitions(client, 'grow', 3, [{ brokerIds: [0] }, { brokerIds: [0] }]), [ErrorCode.NONE, null]);
  t.is(await partitionCount(client, 'grow'), 3);
});

test('CreatePartitions refuses counts that do not grow the topic, and unknown topics, in Kafka’s words', async (t) => {
  const client = await connect(t);
  await createTopic(client, 'three', 3);
  t.deepEqual(await createPartitions(client, 'three', 3), [ErrorCode.INVALID_PARTITIONS, 'Topic already has 3 partition(s).']);
  t.deepEqual(await createPartitions(client, 'three', 2), [ErrorCode.INVALID_PARTITIONS, 'The topic three currently has 3 partition(s); 2 would not be an increase.']);
  t.deepEqual(await createPartitions(client, 'three', -1), [ErrorCode.INVALID_PARTITIONS, 'The topic three currently has 3 partition(s); -1 would not be an increase.']);
  t.deepEqual(await createPartitions(client, 'absent', 4), [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "The topic 'absent' does not exist."]);
  const twice = await client.request(ApiKey.CREATE_PARTITIONS, 1, {
    topics: [
      { name: 'three', count: 4, assignments: null },
      { name: 'three', count: 5, assignments: null },
    ],
    timeoutMs: 5000,
    validateOnly: false,
  });
  t.deepEqual(twice.results.map((r) => [r.errorCode, r.errorMessage]), [[ErrorCode.INVALID_REQUEST, 'Duplicate topic name.'], [ErrorCode.INVALID_REQUEST, 'Duplicate topic name.']]);
  t.is(await partitionCount(client, 'three'), 3);
});

test('CreateTopics refuses counts, replication factors and assignments as Kafka does', async (t) => {
  const client = await connect(t);
  const nonPositive = 'Number of partitions was set to an invalid non-positive value.';
  t.deepEqual(await createTopic(client, 'p0', 0), [ErrorCode.INVALID_PARTITIONS, nonPositive]);
  t.deepEqual(await createTopic(client, 'p-2', -2), [ErrorCode.INVALID_PARTITIONS, nonPositive]);
  t.deepEqual(await createTopic(client, 'rf0', 1, 0), [ErrorCode.INVALID_REPLICATION_FACTOR, 'Replication factor must be larger than 0, or -1 to use the default value.']);
  t.deepEqual(await createTopic(client, 'rf3', 1, 3), [
    ErrorCode.INVALID_REPLICATION_FACTOR,
    'Unable to replicate the partition 3 time(s): The target replication factor of 3 cannot be reached because only 1 broker(s) are registered.',
  ]);
  const assigned = (assignments: Assignment[], numPartitions = -1, replicationFactor = -1): Promise<[number, string | null]> =>
    createTopic(client, 'assigned', numPartitions, replicationFactor, assignments);
  t.deepEqual(await assigned([{ partitionIndex: 0, brokerIds: [0] }], 1), [ErrorCode.INVALID_REQUEST, 'A manual partition assignment was specified, but numPartitions was not set to -1.']);
  t.deepEqual(await assigned([{ partitionIndex: 0, brokerIds: [0] }], -1, 1), [ErrorCode.INVALID_REQUEST, 'A manual partition assignment was specified, but replication factor was not set to -1.']);
  t.deepEqual(await assigned([{ partitionIndex: 0, brokerIds: [3] }]), [ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'The manual partition assignment includes broker 3, but no such broker is registered.']);
  t.deepEqual(await assigned([{ partitionIndex: 0, brokerIds: [0, 0] }]), [ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'The manual partition assignment includes the broker 0 more than once.']);
  t.deepEqual(
    await assigned([
      { partitionIndex: 0, brokerIds: [0] },
      { partitionIndex: 0, brokerIds: [0] },
    ]),
    [ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'Found multiple manual partition assignments for partition 0'],
  );
  t.deepEqual(await assigned([{ partitionIndex: 1, brokerIds: [0] }]), [ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'partitions should be a consecutive 0-based integer sequence']);
  t.deepEqual(await assigned([{ partitionIndex: 1, brokerIds: [0] }, { partitionIndex: 0, brokerIds: [0] }]), [ErrorCode.NONE, null], 'any order, as long as 0..n-1');
  t.is(await partitionCount(client, 'assigned'), 2);
  const metadata = await client.request(ApiKey.METADATA, 1, { topics: null });
  t.deepEqual(metadata.topics.map((topic) => topic.name), ['assigned']);
});

test('config requests about a topic that does not exist, or cannot, are refused as Kafka refuses them', async (t) => {
  const client = await connect(t);
  const describe = await client.request(ApiKey.DESCRIBE_CONFIGS, 2, {
    resources: [
      { resourceType: TOPIC, resourceName: 'absent', configurationKeys: null },
      { resourceType: TOPIC, resourceName: 'bad/name', configurationKeys: null },
    ],
    includeSynonyms: false,
  });
  t.deepEqual(
    describe.results.map((r) => [r.errorCode, r.errorMessage?.startsWith('Topic name') ?? false]),
    [
      [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, false],
      [ErrorCode.INVALID_TOPIC_EXCEPTION, true],
    ],
  );
  t.is(describe.results[0]?.errorMessage, "The topic 'absent' does not exist.");
  const names = ['absent', '', 'a'.repeat(250)];
  const alter = await client.request(ApiKey.ALTER_CONFIGS, 1, {
    resources: names.map((resourceName) => ({ resourceType: TOPIC, resourceName, configs: [{ name: 'retention.ms', value: '1' }] })),
    validateOnly: false,
  });
  const incremental = await client.request(ApiKey.INCREMENTAL_ALTER_CONFIGS, 1, {
    resources: names.map((resourceName) => ({ resourceType: TOPIC, resourceName, configs: [{ name: 'retention.ms', configOperation: 0, value: '1' }] })),
    validateOnly: false,
  });
  for (const [api, responses] of [['AlterConfigs', alter.responses], ['IncrementalAlterConfigs', incremental.responses]] as const) {
    t.deepEqual(
      responses.map((r) => [r.errorCode, r.errorMessage?.slice(0, 26)]),
      [
        [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "The topic 'absent' does no"],
        [ErrorCode.INVALID_REQUEST, 'Default topic resources ar'],
        [ErrorCode.INVALID_TOPIC_EXCEPTION, 'Topic name is illegal: it '],
      ],
      api,
    );
  }
  const metadata = await client.request(ApiKey.METADATA, 1, { topics: null });
  t.deepEqual(metadata.topics, [], 'nothing was auto-created');
});

test('DeleteTopics answers UNKNOWN_TOPIC_OR_PARTITION for a topic that does not exist', async (t) => {
  const client = await connect(t);
  await createTopic(client, 'present', 1);
  const response = await client.request(ApiKey.DELETE_TOPICS, 3, { topicNames: ['absent', 'present'], timeoutMs: 5000 });
  t.deepEqual(response.responses.map((r) => [r.name, r.errorCode]), [['absent', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION], ['present', ErrorCode.NONE]]);
});
