import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { ApiKey, ErrorCode } from '../../../core/protocol/index.ts';
import type { MetadataResponse } from '../../../core/protocol/index.ts';
import { testBatch } from '../../helpers/batches.ts';
import { startTestBroker } from '../../helpers/broker.ts';
import { decodeAll } from '../../helpers/decode-all.ts';
import { WireClient } from '../../helpers/kafka-wire.ts';
import { waitFor } from '../../helpers/wait-for.ts';

/*
 * Topic management over the wire: Metadata (and auto-creation), CreateTopics, DeleteTopics,
 * CreatePartitions and DeleteRecords against a real broker, as a Kafka client sees them.
 */

type TopicMetadata = MetadataResponse['topics'][number];

const EARLIEST = -2n;
const LATEST = -1n;
const INVALID_NAMES = ['', '.', '..', 'x'.repeat(250), 'bad name', 'a/b'];

async function connect(t: ExecutionContext, port: number): Promise<WireClient> {
  const client = await WireClient.connect(port);
  t.teardown(() => {
    client.close();
  });
  return client;
}

/** Metadata for `names` (null: every topic). From v4 on, `allowAutoTopicCreation` is sent as given. */
async function metadata(client: WireClient, version: number, names: readonly string[] | null, allowAutoTopicCreation = true): Promise<MetadataResponse> {
  return client.request(ApiKey.METADATA, version, {
    topics: names === null ? null : names.map((name) => ({ name })),
    allowAutoTopicCreation,
  });
}

/** The one topic entry for `name`, asking with v8 and auto-creation off so the question has no side effect. */
async function describeTopic(client: WireClient, name: string): Promise<TopicMetadata> {
  const response = await metadata(client, 8, [name], false);
  const topic = response.topics.find((entry) => entry.name === name);
  if (topic === undefined) throw new Error(`Metadata did not mention ${name}`);
  return topic;
}

function sortedNames(response: MetadataResponse): string[] {
  return response.topics.map((topic) => topic.name).sort();
}

function partitionIndexes(topic: TopicMetadata): number[] {
  return topic.partitions.map((p) => p.partitionIndex).sort((a, b) => a - b);
}

async function createTopic(
  client: WireClient,
  name: string,
  numPartitions: number,
  configs: readonly { name: string; value: string | null }[] = [],
): Promise<{ errorCode: number; errorMessage: string | null }> {
  const response = await client.request(ApiKey.CREATE_TOPICS, 4, {
    topics: [{ name, numPartitions, replicationFactor: 1, assignments: [], configs }],
    timeoutMs: 5000,
    validateOnly: false,
  });
  const result = response.topics[0];
  if (result === undefined) throw new Error(`CreateTopics answered nothing for ${name}`);
  return result;
}

async function mustCreateTopic(client: WireClient, name: string, numPartitions: number, configs: readonly { name: string; value: string | null }[] = []): Promise<void> {
  const result = await createTopic(client, name, numPartitions, configs);
  if (result.errorCode !== ErrorCode.NONE) throw new Error(`creating ${name} failed with ${result.errorCode}: ${result.errorMessage ?? ''}`);
}

/**
 * acks=all: the broker answers once the records are durable, which is also when they become
 * visible (the high watermark), so the fetches and ListOffsets that follow see them.
 */
async function produce(client: WireClient, topic: string, partition: number, records: Buffer, version = 7): Promise<{ errorCode: number; baseOffset: bigint }> {
  const response = await client.request(ApiKey.PRODUCE, version, {
    transactionalId: null,
    acks: -1,
    timeoutMs: 5000,
    topicData: [{ name: topic, partitionData: [{ index: partition, records }] }],
  });
  const result = response.responses[0]?.partitionResponses[0];
  if (result === undefined) throw new Error(`Produce answered nothing for ${topic}-${partition}`);
  return result;
}

async function listOffset(client: WireClient, topic: string, partition: number, timestamp: bigint): Promise<{ errorCode: number; offset: bigint }> {
  const response = await client.request(ApiKey.LIST_OFFSETS, 1, {
    replicaId: -1,
    topics: [{ name: topic, partitions: [{ partitionIndex: partition, timestamp }] }],
  });
  const result = response.topics[0]?.partitions[0];
  if (result === undefined) throw new Error(`ListOffsets answered nothing for ${topic}-${partition}`);
  return result;
}

async function fetch(client: WireClient, topic: string, partition: number, fetchOffset: bigint): Promise<{ errorCode: number; highWatermark: bigint; logStartOffset: bigint; records: Buffer | null }> {
  const response = await client.request(ApiKey.FETCH, 5, {
    replicaId: -1,
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes: 1_048_576,
    isolationLevel: 0,
    topics: [{ topic, partitions: [{ partition, fetchOffset, logStartOffset: -1n, partitionMaxBytes: 1_048_576 }] }],
  });
  const result = response.responses[0]?.partitions[0];
  if (result === undefined) throw new Error(`Fetch answered nothing for ${topic}-${partition}`);
  return result;
}

function partitionDirs(dataDir: string, topic: string): string[] {
  return fs
    .readdirSync(dataDir)
    .filter((entry) => entry.startsWith(`${topic}-`) && /^\d+$/.test(entry.slice(topic.length + 1)))
    .sort();
}

/** No topic in Metadata and no directory in the data dir: a refused name left no trace. */
async function assertNothingCreated(t: ExecutionContext, client: WireClient, dataDir: string): Promise<void> {
  t.deepEqual((await metadata(client, 1, null)).topics, [], 'nothing was created');
  t.deepEqual(
    fs.readdirSync(dataDir).filter((entry) => fs.statSync(path.join(dataDir, entry)).isDirectory()),
    [],
    'no partition directory was made',
  );
}

function describeName(name: string): string {
  return name.length > 20 ? `a ${name.length}-character name` : JSON.stringify(name);
}

// ---------------------------------------------------------------- Metadata

test('Metadata v0..v8 describes the one broker, the controller, the cluster id and every partition it leads', async (t) => {
  const { port } = await startTestBroker(t);
  const client = await connect(t, port);
  await mustCreateTopic(client, 'orders', 3);

  for (let v = 0; v <= 8; v++) {
    const response = await metadata(client, v, ['orders']);
    t.deepEqual(response.brokers, [{ nodeId: 0, host: '127.0.0.1', port, rack: null }], `v${v} brokers`);
    t.is(response.controllerId, v >= 1 ? 0 : -1, `v${v} controllerId`);
    if (v >= 2) {
      t.is(typeof response.clusterId, 'string', `v${v} clusterId`);
      t.not(response.clusterId, '', `v${v} clusterId`);
    } else {
      t.is(response.clusterId, null, `v${v} has no clusterId field`);
    }
    t.is(response.topics.length, 1, `v${v} topics`);
    const topic = response.topics[0]!;
    t.is(topic.name, 'orders', `v${v}`);
    t.is(topic.errorCode, ErrorCode.NONE, `v${v}`);
    t.is(topic.isInternal, false, `v${v}`);
    const partitions = [...topic.partitions].sort((a, b) => a.partitionIndex - b.partitionIndex);
    t.deepEqual(
      partitions,
      [0, 1, 2].map((p) => ({
        errorCode: ErrorCode.NONE,
        partitionIndex: p,
        leaderId: 0,
        leaderEpoch: v >= 7 ? 0 : -1,
        replicaNodes: [0],
        isrNodes: [0],
        offlineReplicas: [],
      })),
      `v${v} partitions`,
    );
  }
});

test('Metadata names the advertised host and port, not the address the broker binds to', async (t) => {
  const { port } = await startTestBroker(t, { advertisedHost: 'brook.example.invalid', advertisedPort: 19092 });
  const client = await connect(t, port);
  for (const v of [0, 1, 4, 8]) {
    // v0 has no null list: [] asks for every topic there.
    const response = await metadata(client, v, v === 0 ? [] : null);
    t.deepEqual(
      response.brokers.map(({ nodeId, host, port: advertised }) => ({ nodeId, host, port: advertised })),
      [{ nodeId: 0, host: 'brook.example.invalid', port: 19092 }],
      `v${v}`,
    );
  }
});

test('the cluster id stays the same across a restart', async (t) => {
  const first = await startTestBroker(t);
  const before = await metadata(await connect(t, first.port), 2, null);
  t.regex(before.clusterId ?? '', /^[A-Za-z0-9_-]{22}$/);

  const second = await first.restart();
  const after = await metadata(await connect(t, second.port), 8, null);
  t.is(after.clusterId, before.clusterId);
});

test('Metadata v0 with an empty topic list returns every topic; v1+ returns every topic for null and none for []', async (t) => {
  const { port } = await startTestBroker(t);
  const client = await connect(t, port);
  await mustCreateTopic(client, 'alpha', 1);
  await mustCreateTopic(client, 'beta', 2);

  const v0 = await metadata(client, 0, []);
  t.deepEqual(sortedNames(v0), ['alpha', 'beta'], 'v0 []');
  t.deepEqual(partitionIndexes(v0.topics.find((topic) => topic.name === 'beta')!), [0, 1]);

  for (let v = 1; v <= 8; v++) {
    t.deepEqual(sortedNames(await metadata(client, v, null)), ['alpha', 'beta'], `v${v} null`);
    const none = await metadata(client, v, []);
    t.deepEqual(none.topics, [], `v${v} []`);
    t.is(none.brokers.length, 1, `v${v} [] still lists the broker`);
  }
  // Asking for every topic never creates one.
  t.deepEqual(sortedNames(await metadata(client, 1, null)), ['alpha', 'beta']);
});

// ---------------------------------------------------------------- auto-creation

test('Metadata v0-v3 auto-creates an unknown topic with the broker’s numPartitions', async (t) => {
  const { port } = await startTestBroker(t, { numPartitions: 3 });
  const client = await connect(t, port);
  for (let v = 0; v <= 3; v++) {
    const name = `auto-v${v}`;
    // allowAutoTopicCreation does not exist before v4: these versions always allow it.
    const response = await metadata(client, v, [name], false);
    t.is(response.topics.length, 1, `v${v}`);
    t.is(response.topics[0]!.errorCode, ErrorCode.NONE, `v${v}`);
    t.deepEqual(partitionIndexes(response.topics[0]!), [0, 1, 2], `v${v} answer`);
    const described = await describeTopic(client, name);
    t.is(described.errorCode, ErrorCode.NONE, `v${v} created`);
    t.deepEqual(partitionIndexes(described), [0, 1, 2], `v${v} created`);
  }
});

test('Metadata v4+ auto-creates only when allowAutoTopicCreation is true', async (t) => {
  const { port } = await startTestBroker(t, { numPartitions: 3 });
  const client = await connect(t, port);
  for (let v = 4; v <= 8; v++) {
    const refused = await metadata(client, v, [`not-created-v${v}`], false);
    t.deepEqual(
      refused.topics.map((topic) => ({ name: topic.name, errorCode: topic.errorCode, partitions: topic.partitions })),
      [{ name: `not-created-v${v}`, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, partitions: [] }],
      `v${v} allowAutoTopicCreation=false`,
    );

    const created = await metadata(client, v, [`created-v${v}`], true);
    t.is(created.topics[0]?.errorCode, ErrorCode.NONE, `v${v} allowAutoTopicCreation=true`);
    t.deepEqual(partitionIndexes(created.topics[0]!), [0, 1, 2], `v${v}`);
  }
  const all = await metadata(client, 8, null);
  t.deepEqual(sortedNames(all), ['created-v4', 'created-v5', 'created-v6', 'created-v7', 'created-v8']);
});

test('a broker with autoCreateTopics false creates nothing through Metadata or Produce', async (t) => {
  const { port } = await startTestBroker(t, { numPartitions: 3, autoCreateTopics: false });
  const client = await connect(t, port);
  for (let v = 0; v <= 8; v++) {
    const response = await metadata(client, v, [`ghost-v${v}`], true);
    t.deepEqual(
      response.topics.map((topic) => [topic.name, topic.errorCode]),
      [[`ghost-v${v}`, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]],
      `v${v}`,
    );
  }
  const produced = await produce(client, 'ghost-produce', 0, testBatch());
  t.is(produced.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  t.deepEqual((await metadata(client, 1, null)).topics, []);
});

test('Produce to an unknown topic auto-creates it with numPartitions', async (t) => {
  const { port } = await startTestBroker(t, { numPartitions: 3 });
  const client = await connect(t, port);
  for (let v = 3; v <= 8; v++) {
    const name = `produced-v${v}`;
    const result = await produce(client, name, 0, testBatch({ count: 2 }), v);
    t.deepEqual(result.errorCode, ErrorCode.NONE, `Produce v${v}`);
    t.is(result.baseOffset, 0n, `Produce v${v}`);
    const described = await describeTopic(client, name);
    t.deepEqual(partitionIndexes(described), [0, 1, 2], `Produce v${v}`);
    t.deepEqual(await listOffset(client, name, 0, LATEST), { partitionIndex: 0, errorCode: ErrorCode.NONE, oldStyleOffsets: [], timestamp: -1n, offset: 2n, leaderEpoch: -1 });
  }
});

// ---------------------------------------------------------------- topic names

test('Metadata auto-creation refuses invalid topic names with INVALID_TOPIC_EXCEPTION', async (t) => {
  const { port, dataDir } = await startTestBroker(t);
  const client = await connect(t, port);
  for (const v of [1, 3, 4, 8]) {
    for (const name of INVALID_NAMES) {
      const response = await metadata(client, v, [name], true);
      t.deepEqual(
        response.topics.map((topic) => ({ name: topic.name, errorCode: topic.errorCode, partitions: topic.partitions })),
        [{ name, errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION, partitions: [] }],
        `v${v} ${describeName(name)}`,
      );
    }
  }
  await assertNothingCreated(t, client, dataDir);
});

// Kafka validates the name even when it will not create the topic (KafkaApis.getTopicMetadata).
test('Metadata without auto-creation still answers INVALID_TOPIC_EXCEPTION for an invalid name', async (t) => {
  const { port } = await startTestBroker(t);
  const client = await connect(t, port);
  for (const name of INVALID_NAMES) {
    const response = await metadata(client, 8, [name], false);
    t.deepEqual(
      response.topics.map((topic) => [topic.name, topic.errorCode]),
      [[name, ErrorCode.INVALID_TOPIC_EXCEPTION]],
      describeName(name),
    );
  }
  const valid = await metadata(client, 8, ['valid-but-absent'], false);
  t.is(valid.topics[0]?.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
});

test('CreateTopics v0..v4 refuses invalid topic names with INVALID_TOPIC_EXCEPTION', async (t) => {
  const { port, dataDir } = await startTestBroker(t);
  const client = await connect(t, port);
  for (let v = 0; v <= 4; v++) {
    for (const name of INVALID_NAMES) {
      const response = await client.request(ApiKey.CREATE_TOPICS, v, {
        topics: [{ name, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }],
        timeoutMs: 5000,
      });
      t.is(response.topics.length, 1);
      const result = response.topics[0]!;
      t.is(result.name, name, `v${v} ${describeName(name)}`);
      t.is(result.errorCode, ErrorCode.INVALID_TOPIC_EXCEPTION, `v${v} ${describeName(name)}`);
      if (v >= 1) t.truthy(result.errorMessage, `v${v} ${describeName(name)} explains why`);
      else t.is(result.errorMessage, null, 'v0 has no errorMessage');
    }
  }
  await assertNothingCreated(t, client, dataDir);
});

test('a name that collides with an existing one once "." becomes "_" is refused, naming the existing topic', async (t) => {
  const { port } = await startTestBroker(t);
  const client = await connect(t, port);
  await mustCreateTopic(client, 'a.b', 1);

  const collision = await createTopic(client, 'a_b', 1);
  t.is(collision.errorCode, ErrorCode.INVALID_TOPIC_EXCEPTION);
  t.regex(collision.errorMessage ?? '', /a\.b/);

  const viaMetadata = await metadata(client, 8, ['a_b'], true);
  t.is(viaMetadata.topics[0]?.errorCode, ErrorCode.INVALID_TOPIC_EXCEPTION, 'auto-creation collides too');

  const again = await createTopic(client, 'a.b', 1);
  t.is(again.errorCode, ErrorCode.TOPIC_ALREADY_EXISTS, 'the same name is simply taken');
  t.deepEqual(sortedNames(await metadata(client, 1, null)), ['a.b']);
});

// ---------------------------------------------------------------- CreateTopics

test('CreateTopics v0..v4 creates topics with the requested partition count', async (t) => {
  const { port, dataDir } = await startTestBroker(t, { numPartitions: 3 });
  const client = await connect(t, port);
  for (let v = 0; v <= 4; v++) {
    const name = `created-v${v}`;
    const response = await client.request(ApiKey.CREATE_TOPICS, v, {
      topics: [{ name, numPartitions: 2, replicationFactor: 1, assignments: [], configs: [] }],
      timeoutMs: 5000,
      validateOnly: false,
    });
    t.deepEqual(response.topics, [{ name, errorCode: ErrorCode.NONE, errorMessage: null }], `v${v}`);
    t.deepEqual(partitionIndexes(await describeTopic(client, name)), [0, 1], `v${v}`);
    t.deepEqual(partitionDirs(dataDir, name), [`${name}-0`, `${name}-1`], `v${v} directories`);
  }
});

test('CreateTopics v4 takes -1 partitions and -1 replication factor as the broker defaults', async (t) => {
  const { port } = await startTestBroker(t, { numPartitions: 3 });
  const client = await connect(t, port);
  const response = await client.request(ApiKey.CREATE_TOPICS, 4, {
    topics: [{ name: 'defaulted', numPartitions: -1, replicationFactor: -1, assignments: [], configs: [] }],
    timeoutMs: 5000,
  });
  t.deepEqual(response.topics, [{ name: 'defaulted', errorCode: ErrorCode.NONE, errorMessage: null }]);
  const topic = await describeTopic(client, 'defaulted');
  t.deepEqual(partitionIndexes(topic), [0, 1, 2]);
  t.deepEqual(
    topic.partitions.map((p) => p.replicaNodes),
    [[0], [0], [0]],
  );
});

test('CreateTopics v0..v4 refuses a replication factor the single broker cannot provide, and bad partition counts', async (t) => {
  const { port } = await startTestBroker(t);
  const client = await connect(t, port);
  for (let v = 0; v <= 4; v++) {
    const tooMany = await client.request(ApiKey.CREATE_TOPICS, v, {
      topics: [{ name: `rf3-v${v}`, numPartitions: 1, replicationFactor: 3, assignments: [], configs: [] }],
      timeoutMs: 5000,
    });
    t.is(tooMany.topics[0]?.errorCode, ErrorCode.INVALID_REPLICATION_FACTOR, `v${v} replication factor 3`);
    if (v >= 1) t.truthy(tooMany.topics[0]?.errorMessage, `v${v} says why`);

    const zeroReplicas = await client.request(ApiKey.CREATE_TOPICS, v, {
      topics: [{ name: `rf0-v${v}`, numPartitions: 1, replicationFactor: 0, assignments: [], configs: [] }],
      timeoutMs: 5000,
    });
    t.is(zeroReplicas.topics[0]?.errorCode, ErrorCode.INVALID_REPLICATION_FACTOR, `v${v} replication factor 0`);

    const zeroPartitions = await client.request(ApiKey.CREATE_TOPICS, v, {
      topics: [{ name: `p0-v${v}`, numPartitions: 0, replicationFactor: 1, assignments: [], configs: [] }],
      timeoutMs: 5000,
    });
    t.is(zeroPartitions.topics[0]?.errorCode, ErrorCode.INVALID_PARTITIONS, `v${v} 0 partitions`);
  }
  t.deepEqual((await metadata(client, 1, null)).topics, [], 'nothing was created');
});

test('CreateTopics v0..v4 answers TOPIC_ALREADY_EXISTS for an existing topic and leaves it alone', async (t) => {
  const { port } = await startTestBroker(t);
  const client = await connect(t, port);
  await mustCreateTopic(client, 'taken', 2);
  t.is((await produce(client, 'taken', 1, testBatch({ count: 3 }))).errorCode, ErrorCode.NONE);
  for (let v = 0; v <= 4; v++) {
    const response = await client.request(ApiKey.CREATE_TOPICS, v, {
      topics: [{ name: 'taken', numPartitions: 5, replicationFactor: 1, assignments: [], configs: [] }],
      timeoutMs: 5000,
    });
    t.is(response.topics[0]?.errorCode, ErrorCode.TOPIC_ALREADY_EXISTS, `v${v}`);
    if (v >= 1) t.regex(response.topics[0]?.errorMessage ?? '', /taken/, `v${v}`);
  }
  t.deepEqual(partitionIndexes(await describeTopic(client, 'taken')), [0, 1]);
  t.is((await listOffset(client, 'taken', 1, LATEST)).offset, 3n, 'its data is untouched');
});

test('CreateTopics v1..v4 with validateOnly checks the request but creates nothing', async (t) => {
  const { port, dataDir } = await startTestBroker(t);
  const client = await connect(t, port);
  await mustCreateTopic(client, 'existing', 1);
  for (let v = 1; v <= 4; v++) {
    const name = `dry-run-v${v}`;
    const response = await client.request(ApiKey.CREATE_TOPICS, v, {
      topics: [
        { name, numPartitions: 4, replicationFactor: 1, assignments: [], configs: [{ name: 'retention.ms', value: '1000' }] },
        { name: 'existing', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] },
        { name: `bad-config-v${v}`, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [{ name: 'retention.ms', value: 'soon' }] },
      ],
      timeoutMs: 5000,
      validateOnly: true,
    });
    t.deepEqual(
      response.topics.map((r) => [r.name, r.errorCode]),
      [
        [name, ErrorCode.NONE],
        ['existing', ErrorCode.TOPIC_ALREADY_EXISTS],
        [`bad-config-v${v}`, ErrorCode.INVALID_CONFIG],
      ],
      `v${v}`,
    );
    t.is((await describeTopic(client, name)).errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `v${v} created nothing`);
    t.deepEqual(partitionDirs(dataDir, name), [], `v${v} made no directory`);
  }
  t.deepEqual(sortedNames(await metadata(client, 1, null)), ['existing']);
});

test('CreateTopics v0..v4 takes manual assignments to broker 0 and refuses ones to a broker that does not exist', async (t) => {
  const { port } = await startTestBroker(t);
  const client = await connect(t, port);
  for (let v = 0; v <= 4; v++) {
    const good = await client.request(ApiKey.CREATE_TOPICS, v, {
      topics: [
        {
          name: `assigned-v${v}`,
          numPartitions: -1,
          replicationFactor: -1,
          assignments: [
            { partitionIndex: 0, brokerIds: [0] },
            { partitionIndex: 1, brokerIds: [0] },
          ],
          configs: [],
        },
      ],
      timeoutMs: 5000,
    });
    t.is(good.topics[0]?.errorCode, ErrorCode.NONE, `v${v} assigned to broker 0`);
    const topic = await describeTopic(client, `assigned-v${v}`);
    t.deepEqual(
      [...topic.partitions].sort((a, b) => a.partitionIndex - b.partitionIndex).map((p) => [p.partitionIndex, p.leaderId, p.replicaNodes]),
      [
        [0, 0, [0]],
        [1, 0, [0]],
      ],
      `v${v}`,
    );

    const bad = await client.request(ApiKey.CREATE_TOPICS, v, {
      topics: [{ name: `elsewhere-v${v}`, numPartitions: -1, replicationFactor: -1, assignments: [{ partitionIndex: 0, brokerIds: [7] }], configs: [] }],
      timeoutMs: 5000,
    });
    t.is(bad.topics[0]?.errorCode, ErrorCode.INVALID_REPLICA_ASSIGNMENT, `v${v} assigned to broker 7`);
    if (v >= 1) t.truthy(bad.topics[0]?.errorMessage);
    t.is((await describeTopic(client, `elsewhere-v${v}`)).errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `v${v}`);
  }
});

test('CreateTopics v0..v4 refuses bad config values and unknown config names with INVALID_CONFIG', async (t) => {
  const { port } = await startTestBroker(t);
  const client = await connect(t, port);
  for (let v = 0; v <= 4; v++) {
    const badValue = await client.request(ApiKey.CREATE_TOPICS, v, {
      topics: [{ name: `bad-value-v${v}`, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [{ name: 'retention.ms', value: 'abc' }] }],
      timeoutMs: 5000,
    });
    t.is(badValue.topics[0]?.errorCode, ErrorCode.INVALID_CONFIG, `v${v} retention.ms=abc`);
    if (v >= 1) t.regex(badValue.topics[0]?.errorMessage ?? '', /retention\.ms/, `v${v} names the config`);

    const unknown = await client.request(ApiKey.CREATE_TOPICS, v, {
      topics: [{ name: `unknown-config-v${v}`, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [{ name: 'no.such.config', value: '1' }] }],
      timeoutMs: 5000,
    });
    t.is(unknown.topics[0]?.errorCode, ErrorCode.INVALID_CONFIG, `v${v} unknown config`);
    if (v >= 1) t.regex(unknown.topics[0]?.errorMessage ?? '', /no\.such\.config/, `v${v} names the config`);
  }
  t.deepEqual((await metadata(client, 1, null)).topics, [], 'nothing was created');
});

// ---------------------------------------------------------------- DeleteTopics

test('DeleteTopics v0..v3 removes the topic from Metadata and its partition directories from disk', async (t) => {
  const { port, dataDir } = await startTestBroker(t);
  const client = await connect(t, port);
  for (let v = 0; v <= 3; v++) {
    const name = `doomed-v${v}`;
    await mustCreateTopic(client, name, 2);
    t.is((await produce(client, name, 1, testBatch({ count: 4 }))).errorCode, ErrorCode.NONE);
    t.deepEqual(partitionDirs(dataDir, name), [`${name}-0`, `${name}-1`], `v${v} directories before`);

    const response = await client.request(ApiKey.DELETE_TOPICS, v, { topicNames: [name], timeoutMs: 5000 });
    t.deepEqual(response.responses, [{ name, errorCode: ErrorCode.NONE }], `v${v}`);
    t.is((await describeTopic(client, name)).errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `v${v} gone from Metadata`);
    t.false(sortedNames(await metadata(client, 1, null)).includes(name), `v${v} not listed`);
    // Kafka removes the files after answering; wait for them to go rather than assume.
    await waitFor(() => fs.readdirSync(dataDir).every((entry) => !entry.startsWith(`${name}-`)), {
      describe: () => `the directories of ${name} to be removed: ${fs.readdirSync(dataDir).join(', ')}`,
    });
    t.is((await fetch(client, name, 1, 0n)).errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `v${v} nothing to fetch`);

    const unknown = await client.request(ApiKey.DELETE_TOPICS, v, { topicNames: [`never-${v}`], timeoutMs: 5000 });
    t.deepEqual(unknown.responses, [{ name: `never-${v}`, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION }], `v${v} unknown topic`);
  }
});

test('DeleteTopics answers each topic of a request separately', async (t) => {
  const { port } = await startTestBroker(t);
  const client = await connect(t, port);
  await mustCreateTopic(client, 'one', 1);
  await mustCreateTopic(client, 'two', 1);
  await mustCreateTopic(client, 'kept', 1);
  const response = await client.request(ApiKey.DELETE_TOPICS, 3, { topicNames: ['one', 'missing', 'two'], timeoutMs: 5000 });
  t.deepEqual(
    [...response.responses].sort((a, b) => (a.name < b.name ? -1 : 1)),
    [
      { name: 'missing', errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION },
      { name: 'one', errorCode: ErrorCode.NONE },
      { name: 'two', errorCode: ErrorCode.NONE },
    ],
  );
  t.deepEqual(sortedNames(await metadata(client, 1, null)), ['kept']);
});

test('a topic recreated under a deleted topic’s name starts empty at offset 0 with its new settings', async (t) => {
  const { port } = await startTestBroker(t);
  const client = await connect(t, port);
  await mustCreateTopic(client, 'phoenix', 2, [{ name: 'retention.ms', value: '1000' }]);
  t.is((await produce(client, 'phoenix', 0, testBatch({ count: 5 }))).errorCode, ErrorCode.NONE);
  t.is((await produce(client, 'phoenix', 0, testBatch({ count: 5 }))).baseOffset, 5n);

  const deleted = await client.request(ApiKey.DELETE_TOPICS, 3, { topicNames: ['phoenix'], timeoutMs: 5000 });
  t.is(deleted.responses[0]?.errorCode, ErrorCode.NONE);
  await mustCreateTopic(client, 'phoenix', 1);

  t.deepEqual(partitionIndexes(await describeTopic(client, 'phoenix')), [0]);
  t.is((await listOffset(client, 'phoenix', 0, EARLIEST)).offset, 0n);
  t.is((await listOffset(client, 'phoenix', 0, LATEST)).offset, 0n);
  const empty = await fetch(client, 'phoenix', 0, 0n);
  t.is(empty.errorCode, ErrorCode.NONE);
  t.is(empty.highWatermark, 0n);
  t.is(empty.records?.length ?? 0, 0);

  const produced = await produce(client, 'phoenix', 0, testBatch({ count: 1, value: () => 'reborn' }));
  t.deepEqual(produced, { index: 0, errorCode: ErrorCode.NONE, baseOffset: 0n, logAppendTimeMs: -1n, logStartOffset: 0n, recordErrors: [], errorMessage: null });
  const read = await fetch(client, 'phoenix', 0, 0n);
  t.deepEqual(
    decodeAll(read.records ?? Buffer.alloc(0)).map((r) => [r.offset, r.value?.toString()]),
    [[0n, 'reborn']],
  );

  const configs = await client.request(ApiKey.DESCRIBE_CONFIGS, 1, {
    resources: [{ resourceType: 2, resourceName: 'phoenix', configurationKeys: ['retention.ms'] }],
    includeSynonyms: false,
  });
  t.deepEqual(
    configs.results[0]?.configs.map((c) => [c.name, c.value, c.configSource]),
    [['retention.ms', '604800000', 5]],
    'the old topic’s override did not carry over',
  );
});

// ---------------------------------------------------------------- CreatePartitions

test('CreatePartitions v0/v1 grows a topic, and the new partitions take produce', async (t) => {
  const { port, dataDir } = await startTestBroker(t);
  const client = await connect(t, port);
  for (let v = 0; v <= 1; v++) {
    const name = `growing-v${v}`;
    await mustCreateTopic(client, name, 1);
    t.is((await produce(client, name, 0, testBatch({ count: 2 }))).errorCode, ErrorCode.NONE);

    const response = await client.request(ApiKey.CREATE_PARTITIONS, v, {
      topics: [{ name, count: 4, assignments: null }],
      timeoutMs: 5000,
      validateOnly: false,
    });
    t.deepEqual(response.results, [{ name, errorCode: ErrorCode.NONE, errorMessage: null }], `v${v}`);
    const topic = await describeTopic(client, name);
    t.deepEqual(partitionIndexes(topic), [0, 1, 2, 3], `v${v}`);
    t.true(topic.partitions.every((p) => p.errorCode === ErrorCode.NONE && p.leaderId === 0), `v${v} every partition is led`);
    t.deepEqual(partitionDirs(dataDir, name), [0, 1, 2, 3].map((p) => `${name}-${p}`), `v${v} directories`);

    for (const partition of [1, 2, 3]) {
      const produced = await produce(client, name, partition, testBatch({ count: 1, value: () => `p${partition}` }));
      t.is(produced.errorCode, ErrorCode.NONE, `v${v} produce to new partition ${partition}`);
      t.is(produced.baseOffset, 0n, `v${v} partition ${partition} starts at 0`);
      const read = await fetch(client, name, partition, 0n);
      t.deepEqual(decodeAll(read.records ?? Buffer.alloc(0)).map((r) => r.value?.toString()), [`p${partition}`]);
    }
    t.is((await listOffset(client, name, 0, LATEST)).offset, 2n, `v${v} the old partition keeps its data`);
  }
});

test('CreatePartitions refuses to shrink a topic or keep its count, and answers for unknown topics', async (t) => {
  const { port } = await startTestBroker(t);
  const client = await connect(t, port);
  await mustCreateTopic(client, 'fixed', 3);
  for (let v = 0; v <= 1; v++) {
    for (const count of [3, 2, 1, 0]) {
      const response = await client.request(ApiKey.CREATE_PARTITIONS, v, {
        topics: [{ name: 'fixed', count, assignments: null }],
        timeoutMs: 5000,
        validateOnly: false,
      });
      t.is(response.results[0]?.errorCode, ErrorCode.INVALID_PARTITIONS, `v${v} count ${count}`);
      t.truthy(response.results[0]?.errorMessage, `v${v} count ${count} says why`);
    }
    const unknown = await client.request(ApiKey.CREATE_PARTITIONS, v, {
      topics: [{ name: 'nowhere', count: 4, assignments: null }],
      timeoutMs: 5000,
      validateOnly: false,
    });
    t.is(unknown.results[0]?.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `v${v} unknown topic`);
  }
  t.deepEqual(partitionIndexes(await describeTopic(client, 'fixed')), [0, 1, 2]);
  t.is((await describeTopic(client, 'nowhere')).errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'CreatePartitions does not create topics');
});

test('CreatePartitions with validateOnly adds nothing', async (t) => {
  const { port } = await startTestBroker(t);
  const client = await connect(t, port);
  await mustCreateTopic(client, 'steady', 1);
  const response = await client.request(ApiKey.CREATE_PARTITIONS, 1, {
    topics: [{ name: 'steady', count: 6, assignments: null }],
    timeoutMs: 5000,
    validateOnly: true,
  });
  t.deepEqual(response.results, [{ name: 'steady', errorCode: ErrorCode.NONE, errorMessage: null }]);
  t.deepEqual(partitionIndexes(await describeTopic(client, 'steady')), [0]);
  t.is((await produce(client, 'steady', 3, testBatch())).errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
});

// ---------------------------------------------------------------- DeleteRecords

test('DeleteRecords v0/v1 moves the log start offset: ListOffsets earliest follows and fetching below it is out of range', async (t) => {
  const { port } = await startTestBroker(t);
  const client = await connect(t, port);
  for (let v = 0; v <= 1; v++) {
    const name = `trimmed-v${v}`;
    await mustCreateTopic(client, name, 1);
    // Five batches of two records: offsets 0-9, with 4 and 5 in the same batch.
    for (let b = 0; b < 5; b++) {
      const produced = await produce(client, name, 0, testBatch({ count: 2, value: (i) => `r${b * 2 + i}` }));
      t.is(produced.baseOffset, BigInt(b * 2));
    }

    const response = await client.request(ApiKey.DELETE_RECORDS, v, { topics: [{ name, partitions: [{ partitionIndex: 0, offset: 5n }] }], timeoutMs: 5000 });
    t.deepEqual(response.topics, [{ name, partitions: [{ partitionIndex: 0, lowWatermark: 5n, errorCode: ErrorCode.NONE }] }], `v${v}`);

    t.deepEqual(await listOffset(client, name, 0, EARLIEST), { partitionIndex: 0, errorCode: ErrorCode.NONE, oldStyleOffsets: [], timestamp: -1n, offset: 5n, leaderEpoch: -1 });
    t.is((await listOffset(client, name, 0, LATEST)).offset, 10n, `v${v} the end does not move`);

    const below = await fetch(client, name, 0, 4n);
    t.is(below.errorCode, ErrorCode.OFFSET_OUT_OF_RANGE, `v${v} fetch at 4`);
    t.is(below.logStartOffset, 5n);
    const atStart = await fetch(client, name, 0, 5n);
    t.is(atStart.errorCode, ErrorCode.NONE, `v${v} fetch at 5`);
    t.is(atStart.logStartOffset, 5n);
    t.deepEqual(
      decodeAll(atStart.records ?? Buffer.alloc(0))
        .filter((r) => r.offset >= 5n)
        .map((r) => r.value?.toString()),
      ['r5', 'r6', 'r7', 'r8', 'r9'],
    );

    // Moving backwards is a no-op that reports where the start already is.
    const backwards = await client.request(ApiKey.DELETE_RECORDS, v, { topics: [{ name, partitions: [{ partitionIndex: 0, offset: 2n }] }], timeoutMs: 5000 });
    t.deepEqual(backwards.topics[0]?.partitions, [{ partitionIndex: 0, lowWatermark: 5n, errorCode: ErrorCode.NONE }], `v${v} backwards`);

    const pastEnd = await client.request(ApiKey.DELETE_RECORDS, v, { topics: [{ name, partitions: [{ partitionIndex: 0, offset: 11n }] }], timeoutMs: 5000 });
    t.is(pastEnd.topics[0]?.partitions[0]?.errorCode, ErrorCode.OFFSET_OUT_OF_RANGE, `v${v} past the high watermark`);

    const toEnd = await client.request(ApiKey.DELETE_RECORDS, v, { topics: [{ name, partitions: [{ partitionIndex: 0, offset: -1n }] }], timeoutMs: 5000 });
    t.deepEqual(toEnd.topics[0]?.partitions, [{ partitionIndex: 0, lowWatermark: 10n, errorCode: ErrorCode.NONE }], `v${v} -1 means the high watermark`);
    t.is((await listOffset(client, name, 0, EARLIEST)).offset, 10n);
    t.is((await fetch(client, name, 0, 9n)).errorCode, ErrorCode.OFFSET_OUT_OF_RANGE);

    const unknown = await client.request(ApiKey.DELETE_RECORDS, v, {
      topics: [
        { name: 'absent', partitions: [{ partitionIndex: 0, offset: 1n }] },
        { name, partitions: [{ partitionIndex: 9, offset: 1n }] },
      ],
      timeoutMs: 5000,
    });
    t.deepEqual(
      unknown.topics.map((topic) => topic.partitions.map((p) => p.errorCode)),
      [[ErrorCode.UNKNOWN_TOPIC_OR_PARTITION], [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]],
      `v${v} unknown topic and partition`,
    );
  }
});

// Kafka: Partition.deleteRecordsOnLeader throws PolicyViolationException unless cleanup.policy includes delete.
test('DeleteRecords on a compact-only topic is refused with POLICY_VIOLATION', async (t) => {
  const { port } = await startTestBroker(t);
  const client = await connect(t, port);
  await mustCreateTopic(client, 'compacted', 1, [{ name: 'cleanup.policy', value: 'compact' }]);
  t.is((await produce(client, 'compacted', 0, testBatch({ count: 4 }))).errorCode, ErrorCode.NONE);
  const response = await client.request(ApiKey.DELETE_RECORDS, 1, { topics: [{ name: 'compacted', partitions: [{ partitionIndex: 0, offset: 2n }] }], timeoutMs: 5000 });
  t.is(response.topics[0]?.partitions[0]?.errorCode, ErrorCode.POLICY_VIOLATION);
  t.is((await listOffset(client, 'compacted', 0, EARLIEST)).offset, 0n);
});

// ---------------------------------------------------------------- restart

test('topics, partition counts, configs and log start offsets survive a restart; the catalogue is dataDir/topics.json', async (t) => {
  const first = await startTestBroker(t, { numPartitions: 2 });
  const client = await connect(t, first.port);
  await mustCreateTopic(client, 'durable', 1, [
    { name: 'retention.ms', value: '1000' },
    { name: 'cleanup.policy', value: 'compact' },
  ]);
  const grown = await client.request(ApiKey.CREATE_PARTITIONS, 1, { topics: [{ name: 'durable', count: 3, assignments: null }], timeoutMs: 5000, validateOnly: false });
  t.is(grown.results[0]?.errorCode, ErrorCode.NONE);
  t.is((await metadata(client, 8, ['auto-made'], true)).topics[0]?.errorCode, ErrorCode.NONE);
  await mustCreateTopic(client, 'trimmed', 1);
  for (let b = 0; b < 3; b++) await produce(client, 'trimmed', 0, testBatch({ count: 2 }));
  const trimmed = await client.request(ApiKey.DELETE_RECORDS, 1, { topics: [{ name: 'trimmed', partitions: [{ partitionIndex: 0, offset: 4n }] }], timeoutMs: 5000 });
  t.is(trimmed.topics[0]?.partitions[0]?.errorCode, ErrorCode.NONE);
  await mustCreateTopic(client, 'short-lived', 1);
  t.is((await client.request(ApiKey.DELETE_TOPICS, 3, { topicNames: ['short-lived'], timeoutMs: 5000 })).responses[0]?.errorCode, ErrorCode.NONE);

  const catalogueFile = path.join(first.dataDir, 'topics.json');
  t.true(fs.existsSync(catalogueFile), 'the catalogue is dataDir/topics.json');
  const catalogue = fs.readFileSync(catalogueFile, 'utf8');
  for (const name of ['durable', 'auto-made', 'trimmed']) t.true(catalogue.includes(`"${name}"`), `topics.json mentions ${name}`);
  t.false(catalogue.includes('"short-lived"'), 'a deleted topic leaves the catalogue');

  const second = await first.restart();
  const after = await connect(t, second.port);
  const all = await metadata(after, 8, null);
  t.deepEqual(sortedNames(all), ['auto-made', 'durable', 'trimmed']);
  t.deepEqual(partitionIndexes(all.topics.find((topic) => topic.name === 'durable')!), [0, 1, 2]);
  t.deepEqual(partitionIndexes(all.topics.find((topic) => topic.name === 'auto-made')!), [0, 1]);
  t.deepEqual(partitionIndexes(all.topics.find((topic) => topic.name === 'trimmed')!), [0]);

  const configs = await after.request(ApiKey.DESCRIBE_CONFIGS, 1, {
    resources: [{ resourceType: 2, resourceName: 'durable', configurationKeys: ['cleanup.policy', 'retention.ms', 'segment.bytes'] }],
    includeSynonyms: false,
  });
  t.deepEqual(
    configs.results[0]?.configs.map((c) => [c.name, c.value, c.configSource]).sort(),
    [
      ['cleanup.policy', 'compact', 1],
      ['retention.ms', '1000', 1],
      ['segment.bytes', '1073741824', 5],
    ],
  );
  t.is((await listOffset(after, 'trimmed', 0, EARLIEST)).offset, 4n, 'DeleteRecords survives too');
  t.is((await listOffset(after, 'trimmed', 0, LATEST)).offset, 6n);
  t.is((await describeTopic(after, 'short-lived')).errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'a deleted topic stays deleted');
});
