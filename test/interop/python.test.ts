import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { codecFromAttributes, CompressionCodec, iterateBatches, readBatchHeader } from '../../core/records/index.ts';
import { startTestBroker } from '../helpers/broker.ts';
import { murmur2Partition } from './murmur2.ts';

// kafka-python 2.0.2 and confluent-kafka-python (librdkafka 2.0.2), Debian's packages, driven
// through the scripts in ./python. Only Debian's interpreter has them: never the `python3` on PATH.
// Debian's kafka-python has no snappy, lz4 or zstd module, so cross-client reads use gzip; kcat's
// tests cover librdkafka's other codecs.
const PYTHON = '/usr/bin/python3';
const SCRIPTS = path.join(import.meta.dirname, 'python');
const PYTHON_TIMEOUT_MS = 40_000;

type Client = 'kafka_python' | 'confluent';

function runScript(client: Client, command: string, request: object): Promise<unknown> {
  const script = path.join(SCRIPTS, `${client}_client.py`);
  return new Promise((resolve, reject) => {
    const child = execFile(
      PYTHON,
      // -B: the scripts import brook_interop.py; no __pycache__ is left in the source tree.
      ['-B', script, command],
      { encoding: 'utf8', timeout: PYTHON_TIMEOUT_MS, killSignal: 'SIGKILL', maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) {
          reject(new Error(`${client}_client.py ${command} failed: ${error.message}\n--- python stderr ---\n${stderr}\n--- python stdout ---\n${stdout}`));
          return;
        }
        try {
          resolve(JSON.parse(stdout));
        } catch (err) {
          reject(new Error(`${client}_client.py ${command} printed no JSON (${String(err)}):\n${stdout}\n--- python stderr ---\n${stderr}`));
        }
      },
    );
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(JSON.stringify(request));
  });
}

/** Bytes as the scripts exchange them: base64, null stays null. */
type B64 = string | null;

interface WireRecord {
  key: B64;
  value: B64;
  headers: [string, B64][];
}

interface Delivery {
  partition: number;
  offset: number;
}

interface ConsumedRecord extends WireRecord {
  partition: number;
  offset: number;
}

interface ConsumeResult {
  partitions: number[];
  endOffsets: Record<string, number>;
  records: ConsumedRecord[];
}

const b64 = (bytes: Buffer | null): B64 => (bytes === null ? null : bytes.toString('base64'));

interface SampleOptions {
  readonly prefix: string;
  readonly count: number;
  /** kafka-python's send() accepts only bytes header values; librdkafka also sends null ones. */
  readonly nullHeaderValues: boolean;
}

/** Keyed records with binary keys, values and headers, an empty value, a tombstone, and one record without headers. */
function sampleRecords({ prefix, count, nullHeaderValues }: SampleOptions): { key: Buffer; record: WireRecord }[] {
  return Array.from({ length: count }, (_, i) => {
    const key = Buffer.concat([Buffer.from(`${prefix}-${i}-`), Buffer.from([0x00, 0xff, 0x80, i & 0xff]), Buffer.from('ключ', 'utf8')]);
    let value: Buffer | null = Buffer.concat([Buffer.from(`${prefix} value ${i} `), Buffer.from([0x00, 0x0a, 0x0d, 0xfe, 0xff]), Buffer.alloc(64 + i * 13, 'xyz')]);
    if (i === 3) value = Buffer.alloc(0);
    if (i === 4) value = null;
    const headers: [string, B64][] =
      i === 5
        ? []
        : [
            ['trace', b64(Buffer.from(`trace-${i}`))],
            ['bin', b64(Buffer.from([0x00, 0xff, 0x80, i & 0xff]))],
            ['trace', b64(Buffer.from('repeated key keeps its order'))],
            ['empty', b64(Buffer.alloc(0))],
            ...(nullHeaderValues ? ([['nil', null]] as [string, B64][]) : []),
          ];
    return { key, record: { key: b64(key), value: b64(value), headers } };
  });
}

/** What every consumer must read: each record where its producer said it went. */
function expectedRecords(records: readonly WireRecord[], deliveries: readonly Delivery[]): ConsumedRecord[] {
  return records.map((record, i) => {
    const delivery = deliveries[i];
    if (delivery === undefined) throw new Error(`no delivery report for record ${i}`);
    return { partition: delivery.partition, offset: delivery.offset, ...record };
  });
}

/** Records per partition, in the order they arrived. */
function perPartition(records: readonly ConsumedRecord[]): Record<string, ConsumedRecord[]> {
  const out: Record<string, ConsumedRecord[]> = {};
  for (const record of records) (out[String(record.partition)] ??= []).push(record);
  return out;
}

function perPartitionSorted(records: readonly ConsumedRecord[]): Record<string, ConsumedRecord[]> {
  const out = perPartition(records);
  for (const list of Object.values(out)) list.sort((a, b) => a.offset - b.offset);
  return out;
}

/** Within each partition, records sent earlier got lower offsets, starting at 0 with no gaps. */
function assertOffsetsFollowSendOrder(t: ExecutionContext, deliveries: readonly Delivery[]): void {
  const next = new Map<number, number>();
  deliveries.forEach((delivery, i) => {
    const want = next.get(delivery.partition) ?? 0;
    t.is(delivery.offset, want, `record ${i} on partition ${delivery.partition}`);
    next.set(delivery.partition, want + 1);
  });
}

async function assertBothConsumersRead(t: ExecutionContext, bootstrap: string, topic: string, expected: readonly ConsumedRecord[], partitions: number): Promise<void> {
  const wantPerPartition = perPartitionSorted(expected);
  const endOffsets: Record<string, number> = {};
  for (let p = 0; p < partitions; p++) endOffsets[String(p)] = wantPerPartition[String(p)]?.length ?? 0;
  const allPartitions = Array.from({ length: partitions }, (_, p) => p);

  for (const client of ['kafka_python', 'confluent'] as const) {
    const result = (await runScript(client, 'consume', { bootstrap, topic, expected: expected.length })) as ConsumeResult;
    t.deepEqual(result.partitions, allPartitions, `${client} sees every partition`);
    t.deepEqual(result.endOffsets, endOffsets, `${client} end offsets`);
    t.is(result.records.length, expected.length, `${client} read every record`);
    // Arrival order within a partition must already be offset order.
    t.deepEqual(perPartition(result.records), wantPerPartition, `${client} reads the records byte-identically, in order per partition`);
  }
}

interface StoredBatch {
  readonly codec: number;
  readonly producerId: bigint;
  readonly producerEpoch: number;
  readonly baseSequence: number;
  readonly count: number;
}

function storedBatches(dataDir: string, topic: string, partition: number): StoredBatch[] {
  const file = path.join(dataDir, `${topic}-${partition}`, '00000000000000000000.log');
  const bytes = fs.readFileSync(file);
  const out: StoredBatch[] = [];
  for (const { pos } of iterateBatches(bytes)) {
    const header = readBatchHeader(bytes, pos);
    out.push({
      codec: codecFromAttributes(header.attributes),
      producerId: header.producerId,
      producerEpoch: header.producerEpoch,
      baseSequence: header.baseSequence,
      count: header.recordsCount,
    });
  }
  return out;
}

const PARTITIONS = 3;

test('kafka-python KafkaAdminClient creates a 3-partition topic; a second create gets TOPIC_ALREADY_EXISTS (36)', async (t) => {
  const { bootstrap } = await startTestBroker(t, { autoCreateTopics: false });
  const topic = 'kp-admin';
  t.deepEqual(await runScript('kafka_python', 'create', { bootstrap, topic, partitions: PARTITIONS }), { errors: [[topic, 0]] });
  t.deepEqual(await runScript('kafka_python', 'create', { bootstrap, topic, partitions: 5 }), { errors: [[topic, 36]] });
  // Both Python consumers see exactly three empty partitions.
  await assertBothConsumersRead(t, bootstrap, topic, [], PARTITIONS);
});

test('kafka-python producer puts keyed records on murmur2 partitions; kafka-python (no group) and confluent-kafka read them back byte-identically', async (t) => {
  const { bootstrap, dataDir } = await startTestBroker(t, { autoCreateTopics: false });
  const topic = 'kp-produce';
  t.deepEqual(await runScript('kafka_python', 'create', { bootstrap, topic, partitions: PARTITIONS }), { errors: [[topic, 0]] });

  const samples = sampleRecords({ prefix: 'kp', count: 30, nullHeaderValues: false });
  const records = samples.map((s) => s.record);
  const { sent } = (await runScript('kafka_python', 'produce', { bootstrap, topic, records })) as { sent: Delivery[] };

  // kafka-python's DefaultPartitioner is Kafka's murmur2.
  const wantPartitions = samples.map((s) => murmur2Partition(s.key, PARTITIONS));
  t.deepEqual(
    sent.map((d) => d.partition),
    wantPartitions,
  );
  t.deepEqual([...new Set(wantPartitions)].sort(), [0, 1, 2], 'the keys cover every partition');
  assertOffsetsFollowSendOrder(t, sent);

  await assertBothConsumersRead(t, bootstrap, topic, expectedRecords(records, sent), PARTITIONS);

  // Plain batches without a producer id: kafka-python is not idempotent.
  for (let p = 0; p < PARTITIONS; p++) {
    const batches = storedBatches(dataDir, topic, p);
    t.is(
      batches.reduce((sum, b) => sum + b.count, 0),
      wantPartitions.filter((want) => want === p).length,
      `partition ${p} record count`,
    );
    for (const batch of batches) {
      t.is(batch.codec, CompressionCodec.none);
      t.is(batch.producerId, -1n);
    }
  }
});

test('kafka-python gzip batches (auto-created topic) are stored compressed and read back by both Python clients', async (t) => {
  const { bootstrap, dataDir } = await startTestBroker(t, { numPartitions: PARTITIONS });
  const topic = 'kp-gzip';
  const samples = sampleRecords({ prefix: 'gz', count: 12, nullHeaderValues: false });
  const records = samples.map((s) => s.record);
  // linger groups the records into a few multi-record batches.
  const { sent } = (await runScript('kafka_python', 'produce', { bootstrap, topic, records, compression: 'gzip', lingerMs: 50 })) as { sent: Delivery[] };
  t.deepEqual(
    sent.map((d) => d.partition),
    samples.map((s) => murmur2Partition(s.key, PARTITIONS)),
  );
  assertOffsetsFollowSendOrder(t, sent);
  await assertBothConsumersRead(t, bootstrap, topic, expectedRecords(records, sent), PARTITIONS);

  const batches = [0, 1, 2].flatMap((p) => storedBatches(dataDir, topic, p));
  t.deepEqual(
    batches.map((b) => b.codec),
    batches.map(() => CompressionCodec.gzip),
  );
  t.is(
    batches.reduce((sum, b) => sum + b.count, 0),
    records.length,
  );
});

test('confluent-kafka AdminClient creates a 3-partition topic, reports the broker, and a second create gets TOPIC_ALREADY_EXISTS', async (t) => {
  const { bootstrap, port } = await startTestBroker(t, { autoCreateTopics: false, nodeId: 2 });
  const topic = 'ck-admin';
  t.deepEqual(await runScript('confluent', 'create', { bootstrap, topic, partitions: PARTITIONS }), {
    errors: [[topic, null]],
    partitions: [0, 1, 2],
    brokers: [[2, '127.0.0.1', port]],
  });
  t.deepEqual(await runScript('confluent', 'create', { bootstrap, topic, partitions: 5 }), {
    errors: [[topic, 'TOPIC_ALREADY_EXISTS']],
    partitions: [0, 1, 2],
    brokers: [[2, '127.0.0.1', port]],
  });
});

test('confluent-kafka idempotent producer (murmur2_random) stores sequenced batches; confluent (assign) and kafka-python read them byte-identically', async (t) => {
  const { bootstrap, dataDir } = await startTestBroker(t, { autoCreateTopics: false });
  const topic = 'ck-idempotent';
  t.like(await runScript('confluent', 'create', { bootstrap, topic, partitions: PARTITIONS }), { errors: [[topic, null]] });

  const samples = sampleRecords({ prefix: 'ck', count: 30, nullHeaderValues: true });
  const records = samples.map((s) => s.record);
  const { sent } = (await runScript('confluent', 'produce', {
    bootstrap,
    topic,
    records,
    idempotence: true,
    partitioner: 'murmur2_random',
  })) as { sent: Delivery[] };

  const wantPartitions = samples.map((s) => murmur2Partition(s.key, PARTITIONS));
  t.deepEqual(
    sent.map((d) => d.partition),
    wantPartitions,
  );
  t.deepEqual([...new Set(wantPartitions)].sort(), [0, 1, 2]);
  assertOffsetsFollowSendOrder(t, sent);

  await assertBothConsumersRead(t, bootstrap, topic, expectedRecords(records, sent), PARTITIONS);

  // Idempotence was really on: one producer id and epoch for every batch, sequences counting from 0 per partition.
  const all = [0, 1, 2].map((p) => storedBatches(dataDir, topic, p));
  const first = all[0]?.[0];
  t.truthy(first);
  if (first === undefined) return;
  t.true(first.producerId >= 0n, `producer id ${first.producerId}`);
  for (const [p, batches] of all.entries()) {
    let sequence = 0;
    for (const batch of batches) {
      t.is(batch.producerId, first.producerId, `partition ${p}`);
      t.is(batch.producerEpoch, first.producerEpoch, `partition ${p}`);
      t.is(batch.baseSequence, sequence, `partition ${p}`);
      sequence += batch.count;
    }
    t.is(sequence, wantPartitions.filter((want) => want === p).length, `partition ${p} record count`);
  }
});

test('confluent-kafka default partitioner (consistent_random: CRC32 of the key) with gzip; both Python clients read it back', async (t) => {
  const { bootstrap, dataDir } = await startTestBroker(t, { numPartitions: PARTITIONS });
  const topic = 'ck-gzip';
  const samples = sampleRecords({ prefix: 'cg', count: 15, nullHeaderValues: true });
  const records = samples.map((s) => s.record);
  const { sent } = (await runScript('confluent', 'produce', { bootstrap, topic, records, compression: 'gzip', idempotence: false, lingerMs: 50 })) as { sent: Delivery[] };

  // librdkafka's default differs from Kafka's on purpose: rd_crc32(key) % partitions.
  t.deepEqual(
    sent.map((d) => d.partition),
    samples.map((s) => zlib.crc32(s.key) % PARTITIONS),
  );
  assertOffsetsFollowSendOrder(t, sent);
  await assertBothConsumersRead(t, bootstrap, topic, expectedRecords(records, sent), PARTITIONS);

  // librdkafka sends a batch uncompressed when gzip would not shrink it; linger and compressible
  // values make one compressible batch per partition.
  const batches = [0, 1, 2].flatMap((p) => storedBatches(dataDir, topic, p));
  t.is(
    batches.reduce((sum, b) => sum + b.count, 0),
    records.length,
  );
  t.deepEqual(
    batches.map((b) => ({ codec: b.codec, producerId: b.producerId })),
    batches.map(() => ({ codec: CompressionCodec.gzip, producerId: -1n })),
  );
});

test('records from both Python producers share a topic; each consumer reads the mix in order', async (t) => {
  const { bootstrap } = await startTestBroker(t, { numPartitions: PARTITIONS });
  const topic = 'mixed';
  const fromKafkaPython = sampleRecords({ prefix: 'mix-kp', count: 9, nullHeaderValues: false });
  const fromConfluent = sampleRecords({ prefix: 'mix-ck', count: 9, nullHeaderValues: true });

  const first = (await runScript('kafka_python', 'produce', { bootstrap, topic, records: fromKafkaPython.map((s) => s.record) })) as { sent: Delivery[] };
  const second = (await runScript('confluent', 'produce', {
    bootstrap,
    topic,
    records: fromConfluent.map((s) => s.record),
    idempotence: true,
    partitioner: 'murmur2_random',
  })) as { sent: Delivery[] };

  // The same partitioner on both sides: every record on its murmur2 partition.
  t.deepEqual(
    [...first.sent, ...second.sent].map((d) => d.partition),
    [...fromKafkaPython, ...fromConfluent].map((s) => murmur2Partition(s.key, PARTITIONS)),
  );
  // The confluent records follow the kafka-python ones in every partition.
  assertOffsetsFollowSendOrder(t, [...first.sent, ...second.sent]);

  const expected = [...expectedRecords(fromKafkaPython.map((s) => s.record), first.sent), ...expectedRecords(fromConfluent.map((s) => s.record), second.sent)];
  await assertBothConsumersRead(t, bootstrap, topic, expected, PARTITIONS);
});
