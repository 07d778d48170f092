import test from 'ava';
import type { ExecutionContext } from 'ava';
import { FlushPolicy } from '../../../core/log/index.ts';
import { ApiKey, ErrorCode } from '../../../core/protocol/index.ts';
import type { DescribeConfigsResponse } from '../../../core/protocol/index.ts';
import { CompressionCodec, codecFromAttributes } from '../../../core/records/index.ts';
import { TOPIC_CONFIG_NAMES } from '../../../broker/topics/topic-config.ts';
import { testBatch } from '../../helpers/batches.ts';
import { startTestBroker } from '../../helpers/broker.ts';
import { WireClient } from '../../helpers/kafka-wire.ts';
import { wireBatches } from '../../interop/kafkajs-helpers.ts';

/*
 * Every Kafka 3.x topic config over the wire: described with Kafka's defaults, sources and
 * synonyms, accepted with Kafka's value rules, and honoured where it changes what a single
 * node does (timestamp windows, compression.type, flush.messages / flush.ms).
 */

type ResourceResult = DescribeConfigsResponse['results'][number];

const TOPIC = 2;
const BROKER = 4;
const Source = { DYNAMIC_TOPIC_CONFIG: 1, STATIC_BROKER_CONFIG: 4, DEFAULT_CONFIG: 5 } as const;
const LONG_MAX = '9223372036854775807';

async function connect(t: ExecutionContext, port: number): Promise<WireClient> {
  const client = await WireClient.connect(port);
  t.teardown(() => {
    client.close();
  });
  return client;
}

async function createTopic(client: WireClient, name: string, configs: Record<string, string> = {}): Promise<{ errorCode: number; errorMessage: string | null }> {
  const response = await client.request(ApiKey.CREATE_TOPICS, 4, {
    topics: [{ name, numPartitions: 1, replicationFactor: 1, assignments: [], configs: Object.entries(configs).map(([key, value]) => ({ name: key, value })) }],
    timeoutMs: 5000,
    validateOnly: false,
  });
  const result = response.topics[0];
  if (result === undefined) throw new Error('CreateTopics answered nothing');
  return result;
}

async function mustCreate(client: WireClient, name: string, configs: Record<string, string> = {}): Promise<void> {
  const result = await createTopic(client, name, configs);
  if (result.errorCode !== ErrorCode.NONE) throw new Error(`creating ${name} failed: ${JSON.stringify(result)}`);
}

async function describe(client: WireClient, resourceType: number, resourceName: string, keys: string[] | null = null, includeSynonyms = false): Promise<ResourceResult> {
  const response = await client.request(ApiKey.DESCRIBE_CONFIGS, 2, { resources: [{ resourceType, resourceName, configurationKeys: keys }], includeSynonyms });
  const result = response.results[0];
  if (result === undefined) throw new Error('DescribeConfigs answered nothing');
  return result;
}

async function produce(client: WireClient, topic: string, records: Buffer): Promise<{ errorCode: number; errorMessage: string | null; baseOffset: bigint }> {
  const response = await client.request(ApiKey.PRODUCE, 8, {
    transactionalId: null,
    acks: -1,
    timeoutMs: 5000,
    topicData: [{ name: topic, partitionData: [{ index: 0, records }] }],
  });
  const result = response.responses[0]?.partitionResponses[0];
  if (result === undefined) throw new Error('Produce answered nothing');
  return result;
}

/** A valid value other than Kafka's default for every topic config. */
const EVERY_CONFIG: Record<string, string> = {
  // Not Kafka's order of the two: a list describes back as given.
  'cleanup.policy': 'delete,compact',
  'compression.gzip.level': '5',
  'compression.lz4.level': '10',
  'compression.type': 'lz4',
  'compression.zstd.level': '7',
  'delete.retention.ms': '1000',
  'file.delete.delay.ms': '1000',
  'flush.messages': '1000',
  'flush.ms': '5000',
  'follower.replication.throttled.replicas': '0:0',
  'index.interval.bytes': '1024',
  'leader.replication.throttled.replicas': '*',
  'local.retention.bytes': '-1',
  'local.retention.ms': '-1',
  'max.compaction.lag.ms': '86400000',
  'max.message.bytes': '2000000',
  'message.downconversion.enable': 'false',
  'message.format.version': '2.8',
  'message.timestamp.after.max.ms': '3600000',
  'message.timestamp.before.max.ms': '86400000',
  'message.timestamp.difference.max.ms': '86400000',
  'message.timestamp.type': 'LogAppendTime',
  'min.cleanable.dirty.ratio': '0.25',
  'min.compaction.lag.ms': '10',
  'min.insync.replicas': '1',
  preallocate: 'true',
  'remote.log.copy.disable': 'true',
  'remote.log.delete.on.disable': 'true',
  'remote.storage.enable': 'true',
  'retention.bytes': '1048576',
  'retention.ms': '3600000',
  'segment.bytes': '1048576',
  'segment.index.bytes': '4096',
  'segment.jitter.ms': '100',
  'segment.ms': '3600000',
  'unclean.leader.election.enable': 'true',
};

test('DescribeConfigs of a topic lists every Kafka 3.x topic config with Kafka’s defaults and sources', async (t) => {
  const { port } = await startTestBroker(t, { log: { flushPolicy: 'none' } });
  const client = await connect(t, port);
  await mustCreate(client, 'plain');
  const result = await describe(client, TOPIC, 'plain');
  t.is(result.errorCode, ErrorCode.NONE);
  t.deepEqual(result.configs.map((c) => c.name), [...TOPIC_CONFIG_NAMES]);
  t.is(result.configs.length, 36);
  const value = new Map(result.configs.map((c) => [c.name, c.value]));
  t.is(value.get('message.timestamp.difference.max.ms'), LONG_MAX);
  t.is(value.get('max.message.bytes'), '1048588');
  t.is(value.get('segment.index.bytes'), '10485760');
  t.is(value.get('compression.type'), 'producer');
  t.is(value.get('unclean.leader.election.enable'), 'false');
  t.is(value.get('leader.replication.throttled.replicas'), '');
  t.true(result.configs.every((c) => c.configSource === Source.DEFAULT_CONFIG && !c.readOnly && !c.isSensitive), 'a broker with Kafka’s settings gives Kafka’s defaults');
  t.true(result.configs.every((c) => c.synonyms.length === 0), 'no synonyms unless asked');
});

test('DescribeConfigs synonyms name the broker settings behind a topic config, the override first', async (t) => {
  const { port } = await startTestBroker(t, { log: { retentionMs: 3_600_000 } });
  const client = await connect(t, port);
  await mustCreate(client, 'layered', { 'segment.ms': '60000' });
  const result = await describe(client, TOPIC, 'layered', ['retention.ms', 'segment.ms', 'max.message.bytes', 'flush.messages'], true);
  t.deepEqual(
    result.configs.map((c) => [c.name, c.value, c.configSource, c.synonyms.map((s) => [s.name, s.value, s.source])]),
    [
      ['retention.ms', '3600000', Source.STATIC_BROKER_CONFIG, [['log.retention.ms', '3600000', Source.STATIC_BROKER_CONFIG], ['log.retention.hours', '168', Source.DEFAULT_CONFIG]]],
      ['segment.ms', '60000', Source.DYNAMIC_TOPIC_CONFIG, [['segment.ms', '60000', Source.DYNAMIC_TOPIC_CONFIG], ['log.roll.hours', '168', Source.DEFAULT_CONFIG]]],
      ['max.message.bytes', '1048588', Source.DEFAULT_CONFIG, [['message.max.bytes', '1048588', Source.DEFAULT_CONFIG]]],
      // Brook's default every-append flush is Kafka's log.flush.interval.messages=1.
      ['flush.messages', '1', Source.STATIC_BROKER_CONFIG, [['log.flush.interval.messages', '1', Source.STATIC_BROKER_CONFIG], ['log.flush.interval.messages', LONG_MAX, Source.DEFAULT_CONFIG]]],
    ],
    'in the order asked for',
  );
});

test('max.message.bytes describes what the broker enforces', async (t) => {
  const { port } = await startTestBroker(t, { log: { maxMessageBytes: 4096 } });
  const client = await connect(t, port);
  await mustCreate(client, 'small');
  const [entry] = (await describe(client, TOPIC, 'small', ['max.message.bytes'])).configs;
  t.is(entry?.value, '4096');
  t.is(entry?.configSource, Source.STATIC_BROKER_CONFIG);
  t.is((await produce(client, 'small', testBatch({ value: () => 'x'.repeat(4096) }))).errorCode, ErrorCode.MESSAGE_TOO_LARGE);
  t.is((await produce(client, 'small', testBatch({ value: () => 'x'.repeat(100), timestamp: BigInt(Date.now()) }))).errorCode, ErrorCode.NONE);
});

test('CreateTopics takes every Kafka topic config, and DescribeConfigs shows each as the topic’s', async (t) => {
  const { port } = await startTestBroker(t);
  const client = await connect(t, port);
  t.deepEqual(Object.keys(EVERY_CONFIG).sort(), [...TOPIC_CONFIG_NAMES].sort(), 'the fixture covers every config');
  await mustCreate(client, 'everything', EVERY_CONFIG);
  const result = await describe(client, TOPIC, 'everything');
  t.deepEqual(Object.fromEntries(result.configs.map((c) => [c.name, c.value])), EVERY_CONFIG);
  t.true(result.configs.every((c) => c.configSource === Source.DYNAMIC_TOPIC_CONFIG));
});

test('retention.bytes takes any long, as Kafka does, and describes back as given', async (t) => {
  const { port } = await startTestBroker(t);
  const client = await connect(t, port);
  await mustCreate(client, 'unbounded', { 'retention.bytes': '-5' });
  t.is((await produce(client, 'unbounded', testBatch({ timestamp: BigInt(Date.now()) }))).errorCode, ErrorCode.NONE);
  const [entry] = (await describe(client, TOPIC, 'unbounded', ['retention.bytes'])).configs;
  t.like(entry, { name: 'retention.bytes', value: '-5', configSource: Source.DYNAMIC_TOPIC_CONFIG });
});

test('CreateTopics, AlterConfigs and IncrementalAlterConfigs refuse bad values and unknown names with INVALID_CONFIG naming the config', async (t) => {
  const { port } = await startTestBroker(t);
  const client = await connect(t, port);
  const bad: [string, string, string][] = [
    ['message.timestamp.difference.max.ms', '-1', 'Invalid value -1 for configuration message.timestamp.difference.max.ms: Value must be at least 0'],
    ['preallocate', 'yes', 'Invalid value yes for configuration preallocate: Expected value to be either true or false'],
    ['compression.type', 'brotli', 'Invalid value brotli for configuration compression.type: String must be one of: uncompressed, zstd, lz4, snappy, gzip, producer'],
    ['segment.index.bytes', '2', 'Invalid value 2 for configuration segment.index.bytes: Value must be at least 4'],
    ['flush.messages', '0', 'Invalid value 0 for configuration flush.messages: Value must be at least 1'],
    ['flush.messagez', '1', 'Unknown topic config name: flush.messagez'],
    ['retention.ms', 'soon', 'Invalid value soon for configuration retention.ms: Not a number of type LONG'],
    ['cleanup.policy', 'delete,purge', 'Invalid value purge for configuration cleanup.policy: String must be one of: compact, delete'],
    ['cleanup.policy', 'delete,delete', "Configuration 'cleanup.policy' values must not be duplicated."],
  ];
  await mustCreate(client, 'target');
  for (const [i, [name, value, message]] of bad.entries()) {
    t.deepEqual(await createTopic(client, `bad-${i}`, { [name]: value }), { name: `bad-${i}`, errorCode: ErrorCode.INVALID_CONFIG, errorMessage: message }, `CreateTopics ${name}`);
    const altered = await client.request(ApiKey.ALTER_CONFIGS, 1, { resources: [{ resourceType: TOPIC, resourceName: 'target', configs: [{ name, value }] }], validateOnly: false });
    t.like(altered.responses[0], { errorCode: ErrorCode.INVALID_CONFIG, errorMessage: message }, `AlterConfigs ${name}`);
    const incremental = await client.request(ApiKey.INCREMENTAL_ALTER_CONFIGS, 1, {
      resources: [{ resourceType: TOPIC, resourceName: 'target', configs: [{ name, configOperation: 0, value }] }],
      validateOnly: false,
    });
    t.like(incremental.responses[0], { errorCode: ErrorCode.INVALID_CONFIG, errorMessage: message }, `IncrementalAlterConfigs ${name}`);
  }
  const metadata = await client.request(ApiKey.METADATA, 1, { topics: null });
  t.deepEqual(metadata.topics.map((topic) => topic.name), ['target'], 'no refused topic was created');
  const conflict = await createTopic(client, 'lags', { 'min.compaction.lag.ms': '5000', 'max.compaction.lag.ms': '1000' });
  t.deepEqual(conflict, { name: 'lags', errorCode: ErrorCode.INVALID_CONFIG, errorMessage: 'conflict topic config setting min.compaction.lag.ms (5000) > max.compaction.lag.ms (1000)' });
});

test('message.timestamp.difference.max.ms refuses CreateTime records out of range with INVALID_TIMESTAMP', async (t) => {
  const { port } = await startTestBroker(t);
  const client = await connect(t, port);
  await mustCreate(client, 'recent', { 'message.timestamp.difference.max.ms': '3600000' });
  const hour = 3_600_000n;
  t.is((await produce(client, 'recent', testBatch({ timestamp: BigInt(Date.now()) }))).errorCode, ErrorCode.NONE, 'now is in range');
  t.is((await produce(client, 'recent', testBatch({ timestamp: -1n }))).errorCode, ErrorCode.NONE, 'no timestamp is never out of range');
  const old = await produce(client, 'recent', testBatch({ timestamp: BigInt(Date.now()) - 2n * hour }));
  t.is(old.errorCode, ErrorCode.INVALID_TIMESTAMP);
  t.regex(old.errorMessage ?? '', /^Timestamp \d+ of message with offset 0 is out of range\. The timestamp should be within \[\d+, \d+\]$/);
  t.is((await produce(client, 'recent', testBatch({ timestamp: BigInt(Date.now()) + 2n * hour }))).errorCode, ErrorCode.INVALID_TIMESTAMP, 'too far in the future');
  // The second record is the one out of range, below the batch's base timestamp.
  const mixed = await produce(client, 'recent', testBatch({ count: 2, timestamp: (i) => BigInt(Date.now()) - BigInt(i) * 3n * hour }));
  t.is(mixed.errorCode, ErrorCode.INVALID_TIMESTAMP);
  t.regex(mixed.errorMessage ?? '', /with offset 1 /);

  // before/after bound each side separately; LogAppendTime topics are not checked.
  await mustCreate(client, 'future-only', { 'message.timestamp.after.max.ms': '1000' });
  t.is((await produce(client, 'future-only', testBatch({ timestamp: 1_000n }))).errorCode, ErrorCode.NONE, 'the past is unbounded');
  t.is((await produce(client, 'future-only', testBatch({ timestamp: BigInt(Date.now()) + hour }))).errorCode, ErrorCode.INVALID_TIMESTAMP);
  // Long.MAX_VALUE, set or not, leaves that side to the deprecated difference (Kafka 3.6+).
  await mustCreate(client, 'difference-wins', { 'message.timestamp.before.max.ms': LONG_MAX, 'message.timestamp.difference.max.ms': '3600000' });
  t.is((await produce(client, 'difference-wins', testBatch({ timestamp: BigInt(Date.now()) - 2n * hour }))).errorCode, ErrorCode.INVALID_TIMESTAMP);
  await mustCreate(client, 'stamped', { 'message.timestamp.difference.max.ms': '0', 'message.timestamp.type': 'LogAppendTime' });
  t.is((await produce(client, 'stamped', testBatch({ timestamp: 1_000n }))).errorCode, ErrorCode.NONE);

  // The window follows AlterConfigs at once.
  const altered = await client.request(ApiKey.INCREMENTAL_ALTER_CONFIGS, 1, {
    resources: [{ resourceType: TOPIC, resourceName: 'recent', configs: [{ name: 'message.timestamp.difference.max.ms', configOperation: 1, value: null }] }],
    validateOnly: false,
  });
  t.is(altered.responses[0]?.errorCode, ErrorCode.NONE);
  t.is((await produce(client, 'recent', testBatch({ timestamp: 1_000n }))).errorCode, ErrorCode.NONE);
});

test('compression.type makes the broker store batches in the topic’s codec', async (t) => {
  const { port } = await startTestBroker(t);
  const client = await connect(t, port);
  await mustCreate(client, 'zipped', { 'compression.type': 'gzip' });
  await mustCreate(client, 'plain', { 'compression.type': 'uncompressed' });
  await mustCreate(client, 'as-sent');
  const now = BigInt(Date.now());
  const spec = { count: 5, timestamp: (i: number) => now + BigInt(i), value: (i: number) => `value-${i}-${'z'.repeat(200)}` };
  for (const topic of ['zipped', 'plain', 'as-sent']) {
    t.is((await produce(client, topic, testBatch(spec))).errorCode, ErrorCode.NONE, topic);
    t.is((await produce(client, topic, testBatch({ ...spec, options: { compression: CompressionCodec.snappy } }))).errorCode, ErrorCode.NONE, topic);
  }
  const expected = (await wireBatches(client, 'as-sent', 0)).flatMap((b) => b.records.map((r) => [r.offset, r.timestamp, r.key?.toString(), r.value?.toString()]));
  t.is(expected.length, 10);
  const codecs = async (topic: string): Promise<number[]> => (await wireBatches(client, topic, 0)).map((b) => codecFromAttributes(b.header.attributes));
  t.deepEqual(await codecs('as-sent'), [CompressionCodec.none, CompressionCodec.snappy], 'producer: stored as sent');
  t.deepEqual(await codecs('zipped'), [CompressionCodec.gzip, CompressionCodec.gzip]);
  t.deepEqual(await codecs('plain'), [CompressionCodec.none, CompressionCodec.none]);
  for (const topic of ['zipped', 'plain']) {
    const records = (await wireBatches(client, topic, 0)).flatMap((b) => b.records.map((r) => [r.offset, r.timestamp, r.key?.toString(), r.value?.toString()]));
    t.deepEqual(records, expected, `${topic}: the same records, offsets and timestamps`);
  }
});

test('flush.messages and flush.ms set the topic’s flush policy, and removing them restores the broker’s', async (t) => {
  const { port, broker } = await startTestBroker(t);
  const client = await connect(t, port);
  await mustCreate(client, 'lazy', { 'flush.ms': '5000' });
  await mustCreate(client, 'never', { 'flush.messages': LONG_MAX });
  const policy = (topic: string): [string, number] | undefined => {
    const config = broker.topics.partition(topic, 0)?.log.logConfig;
    return config === undefined ? undefined : [config.flushPolicy, config.flushIntervalMs];
  };
  t.deepEqual(policy('lazy'), [FlushPolicy.INTERVAL, 5000]);
  t.is(policy('never')?.[0], FlushPolicy.NONE);
  const [messages, ms] = (await describe(client, TOPIC, 'lazy', ['flush.messages', 'flush.ms'])).configs;
  t.deepEqual([messages?.value, messages?.configSource, ms?.value, ms?.configSource], ['1', Source.STATIC_BROKER_CONFIG, '5000', Source.DYNAMIC_TOPIC_CONFIG]);
  const altered = await client.request(ApiKey.INCREMENTAL_ALTER_CONFIGS, 1, {
    resources: [{ resourceType: TOPIC, resourceName: 'lazy', configs: [{ name: 'flush.ms', configOperation: 1, value: null }] }],
    validateOnly: false,
  });
  t.is(altered.responses[0]?.errorCode, ErrorCode.NONE);
  t.is(policy('lazy')?.[0], FlushPolicy.EVERY_APPEND, 'the broker’s default again');
  t.is((await produce(client, 'never', testBatch({ timestamp: BigInt(Date.now()) }))).errorCode, ErrorCode.NONE);
});

test('broker DescribeConfigs uses Kafka’s names, in the order asked for or in name order', async (t) => {
  const { port } = await startTestBroker(t, { numPartitions: 3 });
  const client = await connect(t, port);
  const asked = await describe(client, BROKER, '0', ['num.partitions', 'no.such.config', 'broker.id', 'auto.create.topics.enable', 'message.max.bytes']);
  t.deepEqual(
    asked.configs.map((c) => [c.name, c.value, c.configSource, c.readOnly]),
    [
      ['num.partitions', '3', Source.STATIC_BROKER_CONFIG, true],
      ['broker.id', '0', Source.STATIC_BROKER_CONFIG, true],
      ['auto.create.topics.enable', 'true', Source.DEFAULT_CONFIG, true],
      ['message.max.bytes', '1048588', Source.DEFAULT_CONFIG, true],
    ],
  );
  const all = (await describe(client, BROKER, '0')).configs.map((c) => c.name);
  t.deepEqual(all, [...all].sort(), 'name order when none are named');
  for (const name of ['default.replication.factor', 'log.retention.ms', 'log.segment.bytes', 'log.roll.ms', 'log.flush.interval.messages', 'offsets.topic.num.partitions', 'group.initial.rebalance.delay.ms']) {
    t.true(all.includes(name), name);
  }
});
