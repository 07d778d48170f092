/**
 * Brook's own client against librdkafka (kcat 1.7.1 on librdkafka 2.0.2) and kafkajs 2.2.4:
 * what Brook's producer writes, with every codec, librdkafka reads back byte for byte on the
 * partitions Kafka's murmur2 picks; and what librdkafka and kafkajs write, Brook's consumer
 * reads back exactly, alone and in a group.
 */
import test from 'ava';
import { CompressionTypes } from 'kafkajs';
import { Admin, Consumer, Producer } from '../../client/index.ts';
import type { ConsumerRecord } from '../../client/index.ts';
import { codecFromAttributes, CompressionCodec } from '../../core/records/index.ts';
import type { CompressionName } from '../../core/records/index.ts';
import { startTestBroker } from '../helpers/broker.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { connectedProducer, kafkaClient, wireBatches, wireClient } from './kafkajs-helpers.ts';
import { consumeFormatted, kcat } from './kcat-helpers.ts';
import { murmur2Partition } from './murmur2.ts';

const CODECS: readonly CompressionName[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];
const PARTITIONS = 3;

interface Sent {
  readonly key: Buffer;
  readonly value: Buffer;
}

/** Keys and values with every byte value in them, so no separator or encoding can hide a change. */
function records(codec: string, count: number): Sent[] {
  return Array.from({ length: count }, (_, i) => ({
    key: Buffer.from(`${codec}-key-${i}`),
    value: Buffer.concat([Buffer.from(`${codec}:${i}:`), Buffer.from(Array.from({ length: 256 }, (_, b) => (b + i) % 256))]),
  }));
}

async function createTopic(bootstrap: string, topic: string, partitions = PARTITIONS): Promise<void> {
  const admin = new Admin({ bootstrapServers: bootstrap });
  try {
    await admin.createTopics([{ topic, numPartitions: partitions }]);
  } finally {
    await admin.close();
  }
}

/** Reads every partition of `topic` from offset 0 with Brook's consumer until `count` records came. */
async function readWithBrook(bootstrap: string, topic: string, count: number): Promise<{ partition: number; record: ConsumerRecord }[]> {
  const consumer = new Consumer({ bootstrapServers: bootstrap, autoOffsetReset: 'earliest' });
  const seen: { partition: number; record: ConsumerRecord }[] = [];
  try {
    await consumer.connect();
    const partitions = await consumer.partitionsFor(topic);
    await consumer.assign(partitions.map((partition) => ({ topic, partition, offset: 0n })));
    const deadline = Date.now() + 20_000;
    for await (const batch of consumer) {
      for (const record of batch.records) seen.push({ partition: batch.partition, record });
      if (seen.length >= count) break;
      if (Date.now() > deadline) throw new Error(`Brook's consumer read ${seen.length} of ${count} records of ${topic}`);
    }
  } finally {
    await consumer.close();
  }
  return seen;
}

for (const codec of CODECS) {
  test(`kcat reads what Brook's producer wrote with ${codec}: keys, values, headers, partitions and order`, async (t) => {
    const broker = await startTestBroker(t, { autoCreateTopics: false });
    const bootstrap = `127.0.0.1:${broker.port}`;
    const topic = `brook-to-kcat-${codec}`;
    await createTopic(bootstrap, topic);
    const sent = records(codec, 60);
    const producer = new Producer({ bootstrapServers: bootstrap, compression: codec, lingerMs: 20 });
    try {
      await producer.sendBatch(sent.map(({ key, value }, i) => ({ topic, key, value, headers: { codec, n: String(i) } })));
    } finally {
      await producer.close();
    }

    // The batches are stored as sent: compressed with the codec asked for.
    const wire = await wireClient(t, broker.port);
    let storedRecords = 0;
    for (let partition = 0; partition < PARTITIONS; partition++) {
      for (const { header } of await wireBatches(wire, topic, partition)) {
        t.is(codecFromAttributes(header.attributes), CompressionCodec[codec]);
        storedRecords += header.recordsCount;
      }
    }
    t.is(storedRecords, sent.length, 'every record was stored');

    const consumed = await consumeFormatted(bootstrap, topic, 'beginning');
    t.is(consumed.length, sent.length);
    for (let partition = 0; partition < PARTITIONS; partition++) {
      const expected = sent
        .map((record, i) => ({ ...record, i }))
        .filter(({ key }) => murmur2Partition(key, PARTITIONS) === partition)
        .map(({ key, value, i }, offset) => ({ partition, offset, key, value, headers: `codec=${codec},n=${i}` }));
      t.deepEqual(
        consumed.filter((c) => c.partition === partition),
        expected,
        `partition ${partition}`,
      );
    }
  });

  test(`Brook's consumer reads what kcat wrote with ${codec}, byte for byte, with headers`, async (t) => {
    const broker = await startTestBroker(t, { autoCreateTopics: false });
    const bootstrap = `127.0.0.1:${broker.port}`;
    const topic = `kcat-to-brook-${codec}`;
    await createTopic(bootstrap, topic);
    // kcat splits its input on -D and keys on -K; these bytes appear in no key or value.
    const sent = records(codec, 40).map(({ key, value }) => ({ key, value: Buffer.from(value.toString('base64')) }));
    const input = Buffer.concat(sent.flatMap(({ key, value }) => [key, Buffer.from([0x1f]), value, Buffer.from([0x1e])]));
    await kcat(['-P', '-b', bootstrap, '-t', topic, '-z', codec, '-K', '\\x1f', '-D', '\\x1e', '-H', `codec=${codec}`, '-X', 'partitioner=murmur2_random'], input);

    const seen = await readWithBrook(bootstrap, topic, sent.length);
    t.is(seen.length, sent.length);
    for (let partition = 0; partition < PARTITIONS; partition++) {
      const expected = sent.filter(({ key }) => murmur2Partition(key, PARTITIONS) === partition);
      const got = seen.filter((s) => s.partition === partition).map((s) => s.record);
      t.deepEqual(
        got.map((r) => ({ offset: r.offset, key: r.key, value: r.value, headers: r.headers.map((h) => `${h.key}=${h.value?.toString() ?? ''}`) })),
        expected.map(({ key, value }, offset) => ({ offset: BigInt(offset), key, value, headers: [`codec=${codec}`] })),
        `partition ${partition}`,
      );
    }
  });
}

test("Brook's consumer group reads every record kafkajs wrote exactly once, with timestamps kept", async (t) => {
  const broker = await startTestBroker(t, { autoCreateTopics: false, groups: { initialRebalanceDelayMs: 0 } });
  const bootstrap = `127.0.0.1:${broker.port}`;
  const topic = 'kafkajs-to-brook';
  await createTopic(bootstrap, topic);
  const producer = await connectedProducer(t, kafkaClient(bootstrap));
  const base = Date.UTC(2026, 0, 1);
  const sent = Array.from({ length: 300 }, (_, i) => ({ key: `k${i % 17}`, value: `v${i}`, timestamp: String(base + i) }));
  await producer.send({ topic, messages: sent, compression: CompressionTypes.GZIP });

  const consumer = new Consumer({ bootstrapServers: bootstrap, groupId: 'kafkajs-readers', autoOffsetReset: 'earliest' });
  t.teardown(() => consumer.close());
  await consumer.connect();
  consumer.subscribe([topic]);
  const seen = new Map<string, { timestamp: bigint; partition: number }>();
  const reading = (async () => {
    for await (const batch of consumer) {
      for (const record of batch.records) {
        const value = record.value?.toString() ?? '';
        if (seen.has(value)) throw new Error(`${value} was delivered twice`);
        seen.set(value, { timestamp: record.timestamp, partition: batch.partition });
      }
      if (seen.size >= sent.length) break;
    }
  })();
  await waitFor(() => seen.size >= sent.length, { timeoutMs: 20_000, describe: () => `Brook's consumer read ${seen.size} of ${sent.length}` });
  await reading;
  for (const [i, { key, value }] of sent.entries()) {
    const got = seen.get(value);
    t.truthy(got, value);
    t.is(got?.timestamp, BigInt(base + i));
    t.is(got?.partition, murmur2Partition(Buffer.from(key), PARTITIONS));
  }
});
