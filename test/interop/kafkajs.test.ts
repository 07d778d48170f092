/**
 * kafkajs 2.2.4 against a real Brook broker: its admin client, its producer (keys, headers,
 * gzip, idempotence, acks) and its low-level fetch path. Consumer groups are not used
 * (kafka.consumer() needs JoinGroup); records are read back twice, through kafkajs's own
 * Broker.fetch and through the project's codec over a bare connection, so what kafkajs wrote
 * is checked byte for byte.
 */
import { createRequire } from 'node:module';
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { CompressionTypes, logLevel } from 'kafkajs';
import type * as KafkajsModule from 'kafkajs';
import type { IHeaders, Message, RecordMetadata } from 'kafkajs';
import { CompressionCodec, codecFromAttributes } from '../../core/records/index.ts';
import { startTestBroker } from '../helpers/broker.ts';
import {
  READ_UNCOMMITTED,
  byPartition,
  connectedAdmin,
  connectedProducer,
  fromWire,
  kafkaClient,
  wireBatches,
  wireClient,
} from './kafkajs-helpers.ts';
import type { ComparableRecord } from './kafkajs-helpers.ts';
import { murmur2Partition } from './murmur2.ts';

// ---------------------------------------------------------------------------------------------
// Kafka's partitioner, written here so kafkajs's choice is checked against Java's, not itself.


/** Kafka's DefaultPartitioner for a keyed record: `toPositive(murmur2(key)) % numPartitions`. */
function kafkaPartition(key: string, numPartitions: number): number {
  return murmur2Partition(key, numPartitions);
}

// ---------------------------------------------------------------------------------------------
// kafkajs's low-level path: its Cluster and Broker classes (CommonJS internals, untyped).

const require = createRequire(import.meta.url);

// Node's CommonJS export detection finds Kafka, logLevel and CompressionTypes in kafkajs's
// index.js but not ConfigResourceTypes, so that one comes through require.
const { ConfigResourceTypes } = require('kafkajs') as typeof KafkajsModule;

interface KjsMessage {
  readonly offset: string;
  readonly timestamp: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: Record<string, Buffer | Buffer[]>;
}

interface KjsFetchResponse {
  readonly responses: {
    readonly topicName: string;
    readonly partitions: { readonly partition: number; readonly errorCode: number; readonly highWatermark: string; readonly messages: KjsMessage[] }[];
  }[];
}

interface KjsBroker {
  fetch(request: {
    replicaId: number;
    isolationLevel: number;
    maxWaitTime: number;
    minBytes: number;
    maxBytes: number;
    topics: { topic: string; partitions: { partition: number; fetchOffset: string; maxBytes: number }[] }[];
  }): Promise<KjsFetchResponse>;
}

interface KjsCluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  addTargetTopic(topic: string): Promise<void>;
  findLeaderForPartitions(topic: string, partitions: number[]): Partial<Record<string, number[]>>;
  findBroker(args: { nodeId: string }): Promise<KjsBroker>;
}

type KjsClusterConstructor = new (options: {
  logger: unknown;
  socketFactory: unknown;
  brokers: string[];
  clientId: string;
  connectionTimeout: number;
  metadataMaxAge: number;
  allowAutoTopicCreation: boolean;
  maxInFlightRequests: number | null;
  isolationLevel: number;
  retry: { retries: number; initialRetryTime: number };
}) => KjsCluster;

const KjsClusterClass = require('kafkajs/src/cluster') as KjsClusterConstructor;
const kjsLoggers = require('kafkajs/src/loggers') as {
  createLogger: (options: { level: number; logCreator: unknown }) => unknown;
};
const kjsConsoleLogger = require('kafkajs/src/loggers/console') as unknown;
const kjsSocketFactory = require('kafkajs/src/network/socketFactory') as () => unknown;

async function kafkajsCluster(t: ExecutionContext, bootstrap: string): Promise<KjsCluster> {
  const cluster = new KjsClusterClass({
    logger: kjsLoggers.createLogger({ level: logLevel.NOTHING, logCreator: kjsConsoleLogger }),
    socketFactory: kjsSocketFactory(),
    brokers: [bootstrap],
    clientId: 'kafkajs-low-level',
    connectionTimeout: 3000,
    metadataMaxAge: 300_000,
    allowAutoTopicCreation: false,
    maxInFlightRequests: null,
    isolationLevel: READ_UNCOMMITTED,
    retry: { retries: 2, initialRetryTime: 50 },
  });
  t.teardown(() => cluster.disconnect());
  await cluster.connect();
  return cluster;
}

/** Every message of a partition from `from` to the high watermark, through kafkajs's Broker.fetch. */
async function kafkajsRead(cluster: KjsCluster, topic: string, partition: number, from = 0n): Promise<KjsMessage[]> {
  await cluster.addTargetTopic(topic);
  const leaders = Object.entries(cluster.findLeaderForPartitions(topic, [partition]));
  if (leaders.length !== 1 || leaders[0] === undefined) throw new Error(`no leader for ${topic}-${partition}`);
  const broker = await cluster.findBroker({ nodeId: leaders[0][0] });
  const out: KjsMessage[] = [];
  for (let next = from; ; ) {
    const response = await broker.fetch({
      replicaId: -1,
      isolationLevel: READ_UNCOMMITTED,
      maxWaitTime: 100,
      minBytes: 1,
      maxBytes: 1 << 20,
      topics: [{ topic, partitions: [{ partition, fetchOffset: next.toString(), maxBytes: 1 << 20 }] }],
    });
    const p = response.responses[0]?.partitions[0];
    if (p === undefined) throw new Error(`no fetch response for ${topic}-${partition}`);
    if (p.errorCode !== 0) throw new Error(`fetch ${topic}-${partition}@${next}: error ${p.errorCode}`);
    const floor = next;
    // A fetch from inside a batch returns the whole batch; kafkajs's consumer drops the
    // records before the fetch offset, and so does this reader.
    const fresh = p.messages.filter((m) => BigInt(m.offset) >= floor);
    out.push(...fresh);
    const last = fresh.at(-1);
    if (last !== undefined) next = BigInt(last.offset) + 1n;
    if (next >= BigInt(p.highWatermark)) return out;
    if (last === undefined) throw new Error(`fetch ${topic}-${partition}@${next} returned nothing below the high watermark ${p.highWatermark}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Comparable forms: hex strings give readable diffs and compare bytes exactly.

const hex = (b: Buffer | null): string | null => (b === null ? null : b.toString('hex'));
const asBuffer = (v: Buffer | string): Buffer => (typeof v === 'string' ? Buffer.from(v, 'utf8') : v);

/** The headers kafkajs puts on the wire for a message: object order, array values expanded. */
function headerList(headers: IHeaders | undefined): { key: string; value: string | null }[] {
  const out: { key: string; value: string | null }[] = [];
  for (const [key, value] of Object.entries(headers ?? {})) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) out.push({ key, value: hex(asBuffer(v)) });
  }
  return out;
}

function expectedRecord(message: Message, offset: number): ComparableRecord {
  const { key, value } = message;
  return {
    offset: String(offset),
    key: key === undefined || key === null ? null : hex(asBuffer(key)),
    value: value === null ? null : hex(asBuffer(value)),
    headers: headerList(message.headers),
  };
}

/** kafkajs decodes headers into an object (repeated keys become arrays); flatten it back. */
function fromKafkajs(messages: KjsMessage[]): ComparableRecord[] {
  return messages.map((m) => ({
    offset: m.offset,
    key: hex(m.key),
    value: hex(m.value),
    headers: Object.entries(m.headers).flatMap(([key, v]) => (Array.isArray(v) ? v : [v]).map((b) => ({ key, value: hex(b) }))),
  }));
}

/** The parts of a send result that do not depend on timing. */
const sendResult = (metadata: RecordMetadata[]): unknown[] =>
  [...metadata].sort(byPartition).map(({ topicName, partition, errorCode, baseOffset, logAppendTime, logStartOffset }) => ({
    topicName,
    partition,
    errorCode,
    baseOffset,
    logAppendTime,
    logStartOffset,
  }));

// ---------------------------------------------------------------------------------------------

test('admin creates, describes, alters, grows, lists and deletes topics', async (t) => {
  const { bootstrap, port, broker } = await startTestBroker(t, { autoCreateTopics: false });
  const admin = await connectedAdmin(t, kafkaClient(bootstrap));
  const brokerClusterId = broker.clusterId;

  // kafkajs sends CreateTopics to the controller named in Metadata: this broker, node 0.
  t.deepEqual(await admin.describeCluster(), { brokers: [{ nodeId: 0, host: '127.0.0.1', port }], controller: 0, clusterId: brokerClusterId });

  const created = await admin.createTopics({
    topics: [
      {
        topic: 'orders',
        numPartitions: 3,
        configEntries: [
          { name: 'cleanup.policy', value: 'compact' },
          { name: 'retention.ms', value: '3600000' },
        ],
      },
      { topic: 'scratch', numPartitions: 2 },
    ],
  });
  t.true(created);
  // kafkajs resolves false when every topic already exists (TOPIC_ALREADY_EXISTS).
  t.false(await admin.createTopics({ topics: [{ topic: 'orders', numPartitions: 3 }] }));
  t.deepEqual([...(await admin.listTopics())].sort(), ['orders', 'scratch']);

  const partitionsOf = async (topic: string): Promise<unknown> => {
    const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
    return topics.map(({ name, partitions }) => ({
      name,
      partitions: [...partitions]
        .sort((a, b) => a.partitionId - b.partitionId)
    }));
  };
  // Metadata v6 as kafkajs decodes it: one broker, node 0, leads everything.
  const partition = (partitionId: number): unknown => ({ partitionErrorCode: 0, partitionId, leader: 0, replicas: [0], isr: [0], offlineReplicas: [] });
  t.deepEqual(await partitionsOf('orders'), [{ name: 'orders', partitions: [0, 1, 2].map(partition) }]);

  const describe = async (): Promise<unknown> => {
    const { resources } = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: 'orders', configNames: ['cleanup.policy', 'retention.ms'] }],
    });
    return resources.map(({ errorCode, resourceName, resourceType, configEntries }) => ({
      errorCode,
      resourceName,
      resourceType,
      configs: [...configEntries]
        .sort((a, b) => a.configName.localeCompare(b.configName))
        .map(({ configName, configValue, isDefault }) => ({ configName, configValue, isDefault })),
    }));
  };
  t.deepEqual(await describe(), [
    {
      errorCode: 0,
      resourceName: 'orders',
      resourceType: ConfigResourceTypes.TOPIC,
      configs: [
        { configName: 'cleanup.policy', configValue: 'compact', isDefault: false },
        { configName: 'retention.ms', configValue: '3600000', isDefault: false },
      ],
    },
  ]);

  // kafkajs's alterConfigs is the legacy AlterConfigs: the given set replaces every override,
  // so cleanup.policy goes back to its default.
  await admin.alterConfigs({
    validateOnly: false,
    resources: [{ type: ConfigResourceTypes.TOPIC, name: 'orders', configEntries: [{ name: 'retention.ms', value: '7200000' }] }],
  });
  t.deepEqual(await describe(), [
    {
      errorCode: 0,
      resourceName: 'orders',
      resourceType: ConfigResourceTypes.TOPIC,
      configs: [
        { configName: 'cleanup.policy', configValue: 'delete', isDefault: true },
        { configName: 'retention.ms', configValue: '7200000', isDefault: false },
      ],
    },
  ]);

  // kafkajs 2.2.4 resolves createPartitions with nothing (its .d.ts says boolean).
  await admin.createPartitions({ topicPartitions: [{ topic: 'orders', count: 5 }] });
  t.deepEqual(await partitionsOf('orders'), [{ name: 'orders', partitions: [0, 1, 2, 3, 4].map(partition) }]);
  const shrink = await t.throwsAsync(admin.createPartitions({ topicPartitions: [{ topic: 'orders', count: 2 }] }));
  t.like(shrink, { name: 'KafkaJSProtocolError', type: 'INVALID_PARTITIONS', code: 37 });
  t.deepEqual(await partitionsOf('orders'), [{ name: 'orders', partitions: [0, 1, 2, 3, 4].map(partition) }]);

  // Data in a deleted topic is gone: a topic re-created under the same name starts empty.
  const producer = await connectedProducer(t, kafkaClient(bootstrap, 'scratch-producer'));
  await producer.send({ topic: 'scratch', acks: -1, messages: [{ partition: 1, value: 'doomed' }] });
  t.deepEqual(await admin.fetchTopicOffsets('scratch'), [
    { partition: 0, offset: '0', high: '0', low: '0' },
    { partition: 1, offset: '1', high: '1', low: '0' },
  ]);
  await admin.deleteTopics({ topics: ['scratch'] });
  t.deepEqual(await admin.listTopics(), ['orders']);
  const gone = await t.throwsAsync(admin.fetchTopicMetadata({ topics: ['scratch'] }));
  t.like(gone, { name: 'KafkaJSProtocolError', type: 'UNKNOWN_TOPIC_OR_PARTITION', code: 3 });

  t.true(await admin.createTopics({ topics: [{ topic: 'scratch', numPartitions: 2 }] }));
  t.deepEqual(await partitionsOf('scratch'), [{ name: 'scratch', partitions: [0, 1].map(partition) }]);
  t.deepEqual(await admin.fetchTopicOffsets('scratch'), [
    { partition: 0, offset: '0', high: '0', low: '0' },
    { partition: 1, offset: '0', high: '0', low: '0' },
  ]);
});

test('admin fetchTopicOffsets and fetchTopicOffsetsByTimestamp', async (t) => {
  const { bootstrap } = await startTestBroker(t);
  const kafka = kafkaClient(bootstrap);
  const admin = await connectedAdmin(t, kafka);
  t.true(await admin.createTopics({ topics: [{ topic: 'timed', numPartitions: 2 }] }));
  const producer = await connectedProducer(t, kafka);

  // Two batches on partition 0 with known create times; partition 1 stays empty.
  const t0 = Math.floor(Date.now() / 1000) * 1000 - 60_000;
  const at = (ms: number, value: string): Message => ({ partition: 0, value, timestamp: String(t0 + ms) });
  await producer.send({ topic: 'timed', acks: -1, messages: [at(0, 'a'), at(10, 'b')] });
  await producer.send({ topic: 'timed', acks: -1, messages: [at(20, 'c'), at(30, 'd')] });

  t.deepEqual([...(await admin.fetchTopicOffsets('timed'))].sort(byPartition), [
    { partition: 0, offset: '4', high: '4', low: '0' },
    { partition: 1, offset: '0', high: '0', low: '0' },
  ]);

  const byTime = async (ms: number): Promise<unknown> => [...(await admin.fetchTopicOffsetsByTimestamp('timed', t0 + ms))].sort(byPartition);
  // The earliest offset whose timestamp is >= the target, even inside a batch; where no record
  // is that late Kafka answers -1 and kafkajs substitutes the high watermark.
  t.deepEqual(await byTime(-5), [
    { partition: 0, offset: '0' },
    { partition: 1, offset: '0' },
  ]);
  t.deepEqual(await byTime(10), [
    { partition: 0, offset: '1' },
    { partition: 1, offset: '0' },
  ]);
  t.deepEqual(await byTime(15), [
    { partition: 0, offset: '2' },
    { partition: 1, offset: '0' },
  ]);
  t.deepEqual(await byTime(30), [
    { partition: 0, offset: '3' },
    { partition: 1, offset: '0' },
  ]);
  t.deepEqual(await byTime(31), [
    { partition: 0, offset: '4' },
    { partition: 1, offset: '0' },
  ]);
});

test('keyed records with headers land where Kafka would put them, byte for byte and in order', async (t) => {
  const { bootstrap, port } = await startTestBroker(t);
  const kafka = kafkaClient(bootstrap);
  const admin = await connectedAdmin(t, kafka);
  const numPartitions = 4;
  t.true(await admin.createTopics({ topics: [{ topic: 'events', numPartitions }] }));
  const producer = await connectedProducer(t, kafka);

  const messages: Message[] = Array.from({ length: 40 }, (_, i) => ({
    key: `user-${i % 10}`,
    value: i % 2 === 0 ? Buffer.from([0, 1, 2, 0xff, i]) : `{"n":${i},"text":"é ✓"}`,
    headers: { 'trace-id': Buffer.from([0xde, 0xad, i]), tag: ['first', `second-${i}`], empty: '' },
  }));
  const partitionOf = (m: Message): number => kafkaPartition(String(m.key), numPartitions);
  // The test only means something if the keys spread over the partitions.
  t.is(new Set(messages.map(partitionOf)).size, numPartitions, 'keys cover every partition');

  // Four sends of ten, so every partition ends up with several batches.
  for (let s = 0; s < 4; s++) {
    const chunk = messages.slice(s * 10, s * 10 + 10);
    const result = await producer.send({ topic: 'events', acks: -1, messages: chunk });
    const expectedPartitions = [...new Set(chunk.map(partitionOf))].sort((a, b) => a - b);
    t.deepEqual(
      result.map((r) => r.partition).sort((a, b) => a - b),
      expectedPartitions,
      `send ${s} answered for exactly the partitions its keys hash to`,
    );
    for (const r of result) {
      const before = messages.slice(0, s * 10).filter((m) => partitionOf(m) === r.partition).length;
      t.deepEqual(sendResult([r]), [
        { topicName: 'events', partition: r.partition, errorCode: 0, baseOffset: String(before), logAppendTime: '-1', logStartOffset: '0' },
      ]);
    }
  }

  const client = await wireClient(t, port);
  const cluster = await kafkajsCluster(t, bootstrap);
  for (let p = 0; p < numPartitions; p++) {
    const expected = messages.filter((m) => partitionOf(m) === p).map((m, i) => expectedRecord(m, i));
    t.deepEqual(fromWire(await wireBatches(client, 'events', p)), expected, `partition ${p} as stored`);
    t.deepEqual(fromKafkajs(await kafkajsRead(cluster, 'events', p)), expected, `partition ${p} read by kafkajs from the beginning`);
    // From an offset inside a batch: the broker returns the whole batch, the reader skips ahead.
    t.deepEqual(fromKafkajs(await kafkajsRead(cluster, 'events', p, 3n)), expected.slice(3), `partition ${p} read by kafkajs from offset 3`);
  }
});

test('gzip batches from kafkajs are stored compressed and read back intact', async (t) => {
  const { bootstrap, port } = await startTestBroker(t);
  const kafka = kafkaClient(bootstrap);
  const admin = await connectedAdmin(t, kafka);
  t.true(await admin.createTopics({ topics: [{ topic: 'zipped', numPartitions: 1 }] }));
  const producer = await connectedProducer(t, kafka);

  const messages: Message[] = Array.from({ length: 50 }, (_, i) => ({
    key: `k${i}`,
    value: `${'compressible payload '.repeat(20)}#${i}`,
    headers: { n: String(i) },
  }));
  const first = await producer.send({ topic: 'zipped', acks: -1, compression: CompressionTypes.GZIP, messages: messages.slice(0, 30) });
  const second = await producer.send({ topic: 'zipped', acks: 1, compression: CompressionTypes.GZIP, messages: messages.slice(30) });
  t.deepEqual(sendResult(first), [{ topicName: 'zipped', partition: 0, errorCode: 0, baseOffset: '0', logAppendTime: '-1', logStartOffset: '0' }]);
  t.deepEqual(sendResult(second), [{ topicName: 'zipped', partition: 0, errorCode: 0, baseOffset: '30', logAppendTime: '-1', logStartOffset: '0' }]);

  const batches = await wireBatches(await wireClient(t, port), 'zipped', 0);
  t.deepEqual(
    batches.map((b) => ({ baseOffset: b.header.baseOffset, count: b.header.recordsCount, codec: codecFromAttributes(b.header.attributes) })),
    [
      { baseOffset: 0n, count: 30, codec: CompressionCodec.gzip },
      { baseOffset: 30n, count: 20, codec: CompressionCodec.gzip },
    ],
  );
  const expected = messages.map((m, i) => expectedRecord(m, i));
  t.deepEqual(fromWire(batches), expected);
  const cluster = await kafkajsCluster(t, bootstrap);
  t.deepEqual(fromKafkajs(await kafkajsRead(cluster, 'zipped', 0)), expected);
  // Offset 35 is inside the second compressed batch.
  t.deepEqual(fromKafkajs(await kafkajsRead(cluster, 'zipped', 0, 35n)), expected.slice(35));
});

test('idempotent producer: one producer id, contiguous sequences, no duplicates', async (t) => {
  const { bootstrap, port } = await startTestBroker(t);
  const kafka = kafkaClient(bootstrap);
  const admin = await connectedAdmin(t, kafka);
  t.true(await admin.createTopics({ topics: [{ topic: 'exactly', numPartitions: 2 }] }));
  // A bounded retry count keeps a broker bug from hanging the test; kafkajs only warns about it.
  const idempotent = { idempotent: true, maxInFlightRequests: 1, retry: { retries: 3, initialRetryTime: 50 } };
  const producer = await connectedProducer(t, kafka, idempotent);

  const sizes = [5, 3, 4, 1];
  const messages: Message[] = [];
  for (const [s, size] of sizes.entries()) {
    const chunk = Array.from({ length: size }, (_, i) => ({ partition: 1, key: `s${s}`, value: `send-${s}-record-${i}` }));
    const result = await producer.send({ topic: 'exactly', acks: -1, messages: chunk });
    t.deepEqual(sendResult(result), [
      { topicName: 'exactly', partition: 1, errorCode: 0, baseOffset: String(messages.length), logAppendTime: '-1', logStartOffset: '0' },
    ]);
    messages.push(...chunk);
  }
  const other = await connectedProducer(t, kafkaClient(bootstrap, 'second-producer'), idempotent);
  const late: Message = { partition: 1, key: 'late', value: 'from the second producer' };
  await other.send({ topic: 'exactly', acks: -1, messages: [late] });
  messages.push(late);

  const batches = await wireBatches(await wireClient(t, port), 'exactly', 1);
  const headers = batches.map(({ header }) => ({
    baseOffset: header.baseOffset,
    recordsCount: header.recordsCount,
    producerEpoch: header.producerEpoch,
    baseSequence: header.baseSequence,
  }));
  t.deepEqual(headers, [
    { baseOffset: 0n, recordsCount: 5, producerEpoch: 0, baseSequence: 0 },
    { baseOffset: 5n, recordsCount: 3, producerEpoch: 0, baseSequence: 5 },
    { baseOffset: 8n, recordsCount: 4, producerEpoch: 0, baseSequence: 8 },
    { baseOffset: 12n, recordsCount: 1, producerEpoch: 0, baseSequence: 12 },
    { baseOffset: 13n, recordsCount: 1, producerEpoch: 0, baseSequence: 0 },
  ]);
  const ids = batches.map(({ header }) => header.producerId);
  const [firstId, , , , secondId] = ids;
  t.true(firstId !== undefined && firstId >= 0n, `producer id ${String(firstId)}`);
  t.deepEqual(ids.slice(0, 4), [firstId, firstId, firstId, firstId]);
  t.not(secondId, firstId, 'each idempotent producer gets its own id');
  t.deepEqual(fromWire(batches), messages.map((m, i) => expectedRecord(m, i)));
  t.deepEqual(await wireBatches(await wireClient(t, port), 'exactly', 0), [], 'nothing went to partition 0');
});

test('acks 1, 0 and -1 all append, in order', async (t) => {
  const { bootstrap, port } = await startTestBroker(t);
  const kafka = kafkaClient(bootstrap);
  const admin = await connectedAdmin(t, kafka);
  t.true(await admin.createTopics({ topics: [{ topic: 'acks', numPartitions: 1 }] }));
  const producer = await connectedProducer(t, kafka);

  const pair = (label: string): Message[] => [
    { key: label, value: `${label}-a` },
    { key: label, value: `${label}-b` },
  ];
  t.deepEqual(sendResult(await producer.send({ topic: 'acks', acks: 1, messages: pair('one') })), [
    { topicName: 'acks', partition: 0, errorCode: 0, baseOffset: '0', logAppendTime: '-1', logStartOffset: '0' },
  ]);
  // acks=0 gets no response at all, so kafkajs resolves with nothing to report.
  t.deepEqual(await producer.send({ topic: 'acks', acks: 0, messages: pair('zero') }), []);
  // Same connection, answered in order: this batch lands after the acks=0 one.
  t.deepEqual(sendResult(await producer.send({ topic: 'acks', acks: -1, messages: pair('all') })), [
    { topicName: 'acks', partition: 0, errorCode: 0, baseOffset: '4', logAppendTime: '-1', logStartOffset: '0' },
  ]);

  const expected = [...pair('one'), ...pair('zero'), ...pair('all')].map((m, i) => expectedRecord(m, i));
  t.deepEqual(fromWire(await wireBatches(await wireClient(t, port), 'acks', 0)), expected);
  t.deepEqual(fromKafkajs(await kafkajsRead(await kafkajsCluster(t, bootstrap), 'acks', 0)), expected);
});
