import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { codecFromAttributes, CompressionCodec, decodeRecordBatch, iterateBatches, readBatchHeader } from '../../core/records/index.ts';
import type { CompressionName, Record } from '../../core/records/index.ts';
import { startTestBroker } from '../helpers/broker.ts';
import { WireClient } from '../helpers/kafka-wire.ts';
import { tempDir } from '../helpers/temp-dir.ts';
import { createTopic, produce, valuesBatch } from '../integration/broker/records.ts';
import { consumeFormatted, kcat } from './kcat-helpers.ts';
import type { Consumed } from './kcat-helpers.ts';
import { murmur2Partition } from './murmur2.ts';

interface KcatJsonMessage {
  topic: string;
  partition: number;
  offset: number;
  tstype: string;
  ts: number;
  broker: number;
  headers?: string[];
  key: string | null;
  payload: string | null;
}

function parseJsonLines(out: Buffer): KcatJsonMessage[] {
  return out
    .toString('utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as KcatJsonMessage);
}

async function consumeJson(bootstrap: string, topic: string, offset: string, extra: readonly string[] = []): Promise<KcatJsonMessage[]> {
  const { stdout } = await kcat(['-C', '-b', bootstrap, '-t', topic, '-o', offset, '-e', '-q', '-J', ...extra]);
  return parseJsonLines(stdout);
}

interface StoredBatch {
  readonly codec: number;
  readonly producerId: bigint;
  readonly records: Record[];
}

/** The batches as the broker stored them in the partition's first segment. */
function storedBatches(dataDir: string, topic: string, partition: number): StoredBatch[] {
  const bytes = fs.readFileSync(path.join(dataDir, `${topic}-${partition}`, '00000000000000000000.log'));
  const batches: StoredBatch[] = [];
  for (const { pos, size } of iterateBatches(bytes)) {
    const batch = bytes.subarray(pos, pos + size);
    const header = readBatchHeader(batch);
    batches.push({ codec: codecFromAttributes(header.attributes), producerId: header.producerId, records: decodeRecordBatch(batch).records });
  }
  return batches;
}

function byPartition<T extends { partition: number }>(records: readonly T[]): Map<number, T[]> {
  const out = new Map<number, T[]>();
  for (const record of records) {
    const list = out.get(record.partition) ?? [];
    list.push(record);
    out.set(record.partition, list);
  }
  return out;
}

test('kcat produces keyed lines with headers; -o beginning, -o N, -o -N and -c read them back exactly', async (t) => {
  const { bootstrap } = await startTestBroker(t);
  const topic = 'kcat-lines';
  // The key ends at the first ':'; later colons belong to the value. An empty value stays empty (no -Z).
  const lines = ['alpha:one', 'beta:two:with:colons', 'gamma:', 'delta:four four', 'epsilon:{"json":true}', 'zeta:six'];
  await kcat(['-P', '-b', bootstrap, '-t', topic, '-K:', '-H', 'trace=abc-123', '-H', 'source=kcat'], `${lines.join('\n')}\n`);

  const expected = lines.map((line, offset) => {
    const colon = line.indexOf(':');
    return { offset, key: line.slice(0, colon), payload: line.slice(colon + 1) };
  });

  const all = await consumeJson(bootstrap, topic, 'beginning');
  t.deepEqual(
    all.map(({ topic: name, partition, offset, tstype, broker, headers, key, payload }) => ({ name, partition, offset, tstype, broker, headers, key, payload })),
    expected.map(({ offset, key, payload }) => ({
      name: topic,
      partition: 0,
      offset,
      tstype: 'create',
      broker: 0,
      headers: ['trace', 'abc-123', 'source', 'kcat'],
      key,
      payload,
    })),
  );

  const pick = (messages: KcatJsonMessage[]): { offset: number; key: string | null; payload: string | null }[] =>
    messages.map(({ offset, key, payload }) => ({ offset, key, payload }));
  t.deepEqual(pick(await consumeJson(bootstrap, topic, '2')), expected.slice(2), '-o 2: absolute offset');
  t.deepEqual(pick(await consumeJson(bootstrap, topic, '-3')), expected.slice(3), '-o -3: the last three');
  t.deepEqual(pick(await consumeJson(bootstrap, topic, '5')), expected.slice(5), '-o 5: only the last record');
  t.deepEqual(pick(await consumeJson(bootstrap, topic, 'beginning', ['-c', '2'])), expected.slice(0, 2), '-c 2 stops after two');
  t.deepEqual(await consumeJson(bootstrap, topic, 'end'), [], '-o end -e: nothing new');

  // A second producer run appends after the first: offsets continue at 6.
  await kcat(['-P', '-b', bootstrap, '-t', topic, '-K:'], 'eta:seven\ntheta:eight\n');
  const appended = await consumeJson(bootstrap, topic, '-2');
  t.deepEqual(
    appended.map(({ offset, key, payload, headers }) => ({ offset, key, payload, headers })),
    [
      { offset: 6, key: 'eta', payload: 'seven', headers: undefined },
      { offset: 7, key: 'theta', payload: 'eight', headers: undefined },
    ],
  );
  t.is((await consumeJson(bootstrap, topic, 'beginning')).length, 8);
});

test('kcat -L -J reports the broker id, advertised host and port, and the partition count exactly', async (t) => {
  const { bootstrap, port } = await startTestBroker(t, { nodeId: 3, numPartitions: 4 });
  const topic = 'kcat-metadata';
  await kcat(['-P', '-b', bootstrap, '-t', topic, '-K:'], 'k:v\n');

  const { stdout } = await kcat(['-L', '-J', '-b', bootstrap, '-t', topic]);
  const metadata = JSON.parse(stdout.toString('utf8')) as {
    topics: { topic: string; partitions: { partition: number }[] }[];
  };
  for (const entry of metadata.topics) entry.partitions.sort((a, b) => a.partition - b.partition);
  t.deepEqual(metadata, {
    originating_broker: { id: 3, name: `127.0.0.1:${port}/3` },
    query: { topic },
    controllerid: 3,
    brokers: [{ id: 3, name: `127.0.0.1:${port}` }],
    topics: [
      {
        topic,
        partitions: [0, 1, 2, 3].map((partition) => ({ partition, leader: 3, replicas: [{ id: 3 }], isrs: [{ id: 3 }] })),
      },
    ],
  });

  // The plain-text listing says the same.
  const text = (await kcat(['-L', '-b', bootstrap, '-t', topic])).stdout.toString('utf8');
  t.true(text.includes(`broker 3 at 127.0.0.1:${port} (controller)`), text);
  t.true(text.includes(`topic "${topic}" with 4 partitions:`), text);
});

test('kcat -L -J on a missing topic with auto-create off reports UNKNOWN_TOPIC_OR_PARTITION and creates nothing', async (t) => {
  const { bootstrap } = await startTestBroker(t, { autoCreateTopics: false });
  const { stdout } = await kcat(['-L', '-J', '-b', bootstrap, '-t', 'not-there']);
  const metadata = JSON.parse(stdout.toString('utf8')) as { topics: unknown[] };
  t.deepEqual(metadata.topics, [{ topic: 'not-there', error: 'Broker: Unknown topic or partition', partitions: [] }]);
  const listed = JSON.parse((await kcat(['-L', '-J', '-b', bootstrap])).stdout.toString('utf8')) as { topics: { topic: string }[] };
  t.deepEqual(
    listed.topics.map((entry) => entry.topic),
    [],
  );
});

/** Values with bytes kcat must pass through untouched: NUL, high bytes, CR/LF, tabs, UTF-8, and a compressible run. */
function binaryishValue(i: number): Buffer {
  return Buffer.concat([
    Buffer.from(`value-${i}|`),
    Buffer.from([0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff, 0x0a, 0x0d, 0x09, 0x7c, i & 0xff]),
    Buffer.from('é€😀', 'utf8'),
    Buffer.alloc(300 + i, 'abc'),
  ]);
}

const CODECS: readonly CompressionName[] = ['gzip', 'snappy', 'lz4', 'zstd'];

for (const codec of CODECS) {
  test(`kcat -z ${codec} round-trips binary values, keys and headers byte-identically and the broker stores ${codec} batches`, async (t) => {
    const { bootstrap, dataDir } = await startTestBroker(t);
    const topic = `kcat-${codec}`;
    const count = 12;
    const keys = Array.from({ length: count }, (_, i) => Buffer.from(`key-${i}\u00e9`, 'utf8'));
    const values = Array.from({ length: count }, (_, i) => binaryishValue(i));
    // Records end at 0x1e and keys at 0x1f; neither byte occurs in the data.
    const input = Buffer.concat(keys.flatMap((key, i) => [key, Buffer.from([0x1f]), values[i] ?? Buffer.alloc(0), Buffer.from([0x1e])]));
    await kcat(['-P', '-b', bootstrap, '-t', topic, '-z', codec, '-K', '\\x1f', '-D', '\\x1e', '-H', `codec=${codec}`, '-H', 'n=1'], input);

    // One more record: a whole file as a single message (every byte value, so no delimiter at all).
    const fileValue = Buffer.concat(Array.from({ length: 8 }, () => Buffer.from(Array.from({ length: 256 }, (_, b) => b))));
    const file = path.join(tempDir(t), 'all-bytes.bin');
    fs.writeFileSync(file, fileValue);
    await kcat(['-P', '-b', bootstrap, '-t', topic, '-z', codec, '-k', 'whole-file', '-H', `codec=${codec}`, file]);

    const expected: Consumed[] = [
      ...keys.map((key, i) => ({ partition: 0, offset: i, key, value: values[i] ?? null, headers: `codec=${codec},n=1` })),
      { partition: 0, offset: count, key: Buffer.from('whole-file'), value: fileValue, headers: `codec=${codec}` },
    ];
    const consumed = await consumeFormatted(bootstrap, topic, 'beginning');
    t.is(consumed.length, expected.length);
    t.deepEqual(consumed, expected);

    // Stored as received: every batch carries kcat's codec, and our decoder reads librdkafka's compression.
    const batches = storedBatches(dataDir, topic, 0);
    t.true(batches.length > 0, 'batches were stored');
    t.deepEqual(
      batches.map((batch) => batch.codec),
      batches.map(() => CompressionCodec[codec]),
    );
    const stored = batches.flatMap((batch) => batch.records);
    t.deepEqual(
      stored.map((record) => ({ offset: record.offset, key: record.key, value: record.value, headers: record.headers.map((h) => `${h.key}=${h.value?.toString('utf8') ?? ''}`).join(',') })),
      expected.map(({ offset, key, value, headers }) => ({ offset: BigInt(offset), key, value, headers })),
    );

    // -o N and -o -N against compressed batches: the broker hands back whole batches and kcat skips the earlier records.
    t.deepEqual(await consumeFormatted(bootstrap, topic, '5'), expected.slice(5));
    t.deepEqual(await consumeFormatted(bootstrap, topic, '-4'), expected.slice(-4));
  });
}

test('kcat with partitioner=murmur2_random puts every keyed record on the partition Kafka murmur2 picks', async (t) => {
  const partitions = 6;
  const { bootstrap } = await startTestBroker(t, { numPartitions: partitions });
  const topic = 'kcat-murmur2';
  const keys = Array.from({ length: 60 }, (_, i) => `user-${i * 7919}`);
  const lines = keys.map((key, i) => `${key}:event-${i}`);
  await kcat(['-P', '-b', bootstrap, '-t', topic, '-K:', '-X', 'partitioner=murmur2_random'], `${lines.join('\n')}\n`);

  const expectedPartition = keys.map((key) => murmur2Partition(key, partitions));
  // The keys spread over every partition, so a partitioner that ignored the key could not pass.
  t.deepEqual([...new Set(expectedPartition)].sort(), [0, 1, 2, 3, 4, 5]);

  const consumed = await consumeJson(bootstrap, topic, 'beginning');
  t.is(consumed.length, keys.length);
  const actual = byPartition(consumed);
  const wanted = byPartition(keys.map((key, i) => ({ partition: expectedPartition[i] ?? -1, key, payload: `event-${i}` })));
  for (let p = 0; p < partitions; p++) {
    const got = (actual.get(p) ?? []).map(({ offset, key, payload }) => ({ offset, key, payload }));
    const want = (wanted.get(p) ?? []).map(({ key, payload }, offset) => ({ offset, key, payload }));
    t.deepEqual(got, want, `partition ${p}`);
  }
});

test('kcat -p N produces to exactly that partition and -p N consumes only it', async (t) => {
  const { bootstrap } = await startTestBroker(t, { numPartitions: 3 });
  const topic = 'kcat-explicit-partition';
  await kcat(['-P', '-b', bootstrap, '-t', topic, '-p', '2', '-K:'], 'a:1\nb:2\n');
  await kcat(['-P', '-b', bootstrap, '-t', topic, '-p', '0', '-K:'], 'c:3\n');

  const summary = (records: Consumed[]): string[] =>
    records.map((r) => `${r.partition}/${r.offset}/${r.key?.toString() ?? 'null'}/${r.value?.toString() ?? 'null'}`);
  t.deepEqual(summary(await consumeFormatted(bootstrap, topic, 'beginning', ['-p', '2'])), ['2/0/a/1', '2/1/b/2']);
  t.deepEqual(summary(await consumeFormatted(bootstrap, topic, 'beginning', ['-p', '0'])), ['0/0/c/3']);
  t.deepEqual(summary(await consumeFormatted(bootstrap, topic, 'beginning', ['-p', '1'])), []);
  const everything = await consumeFormatted(bootstrap, topic, 'beginning');
  t.deepEqual(summary(everything).sort(), ['0/0/c/3', '2/0/a/1', '2/1/b/2']);
});

test('kcat -Q finds offsets by timestamp (ListOffsets)', async (t) => {
  const { bootstrap } = await startTestBroker(t);
  const topic = 'kcat-query';
  await kcat(['-P', '-b', bootstrap, '-t', topic, '-K:'], 'a:1\nb:2\nc:3\n');
  const messages = await consumeJson(bootstrap, topic, 'beginning');
  t.is(messages.length, 3);
  const first = messages[0];
  if (first === undefined) return;

  const query = async (timestamp: number): Promise<string> => (await kcat(['-Q', '-b', bootstrap, '-t', `${topic}:0:${timestamp}`])).stdout.toString('utf8').trim();
  t.is(await query(0), `${topic} [0] offset 0`);
  t.is(await query(first.ts), `${topic} [0] offset 0`);
  // A timestamp after every record: Kafka answers offset -1 (no such record).
  t.is(await query(first.ts + 3_600_000), `${topic} [0] offset -1`);
});

test('kcat -Q maps timestamps inside the log to the exact offset: mid-batch, between batches, the last record', async (t) => {
  const { port, bootstrap } = await startTestBroker(t, { autoCreateTopics: false });
  const topic = 'kcat-query-middle';
  const wire = await WireClient.connect(port);
  t.teardown(() => {
    wire.close();
  });
  await createTopic(wire, topic);
  // Four batches of three records: batch b holds offsets 3b..3b+2 with timestamps base+100b+i.
  const base = 1_700_000_000_000;
  for (let b = 0; b < 4; b++) {
    const values = [0, 1, 2].map((i) => `b${b}-r${i}`);
    const produced = await produce(wire, topic, 0, valuesBatch(values, { firstTimestamp: BigInt(base + 100 * b) }));
    t.is(produced.baseOffset, BigInt(3 * b));
  }

  const query = async (timestamp: number): Promise<string> => (await kcat(['-Q', '-b', bootstrap, '-t', `${topic}:0:${timestamp}`])).stdout.toString('utf8').trim();
  t.is(await query(base + 101), `${topic} [0] offset 4`, 'the second record of the second batch');
  t.is(await query(base + 150), `${topic} [0] offset 6`, 'between batches: the first record of the next one');
  t.is(await query(base + 200), `${topic} [0] offset 6`, 'exactly the first record of the third batch');
  t.is(await query(base + 302), `${topic} [0] offset 11`, 'the last record');
  t.is(await query(base + 303), `${topic} [0] offset -1`);
});
