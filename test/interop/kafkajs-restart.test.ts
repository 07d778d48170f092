/**
 * kafkajs 2.2.4 across a broker restart: what it wrote with acks=-1 is all there afterwards,
 * in order, and its producer and admin clients reconnect to the broker on the same port.
 */
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { Kafka, logLevel } from 'kafkajs';
import type { Admin, Producer, ProducerConfig, RecordMetadata } from 'kafkajs';
import { ApiKey, ErrorCode } from '../../core/protocol/index.ts';
import { decodeRecordBatch, iterateBatches } from '../../core/records/index.ts';
import type { BatchHeader, Record as StoredRecord } from '../../core/records/index.ts';
import { startTestBroker } from '../helpers/broker.ts';
import { WireClient } from '../helpers/kafka-wire.ts';
import { murmur2Partition } from './murmur2.ts';


const kafkaPartition = (key: string, numPartitions: number): number => murmur2Partition(key, numPartitions);

interface StoredBatch {
  readonly header: BatchHeader;
  readonly records: StoredRecord[];
}

/** Every batch of a partition from offset 0 to the high watermark, over a fresh bare connection. */
async function wireBatches(t: ExecutionContext, port: number, topic: string, partition: number): Promise<StoredBatch[]> {
  const client = await WireClient.connect(port);
  t.teardown(() => {
    client.close();
  });
  const out: StoredBatch[] = [];
  for (let next = 0n; ; ) {
    const response = await client.request(ApiKey.FETCH, 11, {
      replicaId: -1,
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes: 1 << 20,
      isolationLevel: 0,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [{ topic, partitions: [{ partition, fetchOffset: next, partitionMaxBytes: 1 << 20 }] }],
      forgottenTopicsData: [],
      rackId: '',
    });
    const p = response.responses[0]?.partitions[0];
    if (p === undefined) throw new Error(`no fetch response for ${topic}-${partition}`);
    if (p.errorCode !== ErrorCode.NONE) throw new Error(`fetch ${topic}-${partition}@${next}: error ${p.errorCode}`);
    const bytes = p.records ?? Buffer.alloc(0);
    const before = next;
    for (const { pos, size } of iterateBatches(bytes)) {
      const batch = decodeRecordBatch(bytes.subarray(pos, pos + size));
      out.push(batch);
      next = batch.header.baseOffset + BigInt(batch.header.lastOffsetDelta) + 1n;
    }
    if (next >= p.highWatermark) {
      client.close();
      return out;
    }
    if (next === before) throw new Error(`fetch ${topic}-${partition}@${next} returned no batch below the high watermark ${p.highWatermark}`);
  }
}

interface Comparable {
  offset: string;
  key: string | null;
  value: string | null;
  headers: { key: string; value: string | null }[];
}

const text = (b: Buffer | null): string | null => (b === null ? null : b.toString('utf8'));

const stored = (batches: StoredBatch[]): Comparable[] =>
  batches.flatMap((b) =>
    b.records.map((r) => ({
      offset: r.offset.toString(),
      key: text(r.key),
      value: text(r.value),
      headers: r.headers.map((h) => ({ key: h.key, value: text(h.value) })),
    })),
  );

interface Sent {
  readonly key: string;
  readonly value: string;
  readonly headers: { readonly seq: string };
}

const keyed = (i: number, phase: string): Sent => ({ key: `key-${i % 97}`, value: `${phase}-${i}`, headers: { seq: String(i) } });

const expectedAt = (m: Sent, offset: number): Comparable => ({
  offset: String(offset),
  key: m.key,
  value: m.value,
  headers: [{ key: 'seq', value: m.headers.seq }],
});

function kafkaClient(bootstrap: string, clientId: string): Kafka {
  return new Kafka({
    clientId,
    brokers: [bootstrap],
    logLevel: logLevel.NOTHING,
    retry: { initialRetryTime: 50, maxRetryTime: 1000, retries: 8 },
  });
}

async function connectedAdmin(t: ExecutionContext, kafka: Kafka): Promise<Admin> {
  const admin = kafka.admin();
  t.teardown(() => admin.disconnect());
  await admin.connect();
  return admin;
}

async function connectedProducer(t: ExecutionContext, kafka: Kafka, config: ProducerConfig = {}): Promise<Producer> {
  const producer = kafka.producer({ allowAutoTopicCreation: false, ...config });
  t.teardown(() => producer.disconnect());
  await producer.connect();
  return producer;
}

const okResults = (metadata: RecordMetadata[]): unknown[] =>
  metadata.map(({ topicName, errorCode }) => ({ topicName, errorCode }));

test('1000 acks=-1 records from kafkajs survive a restart in order, and kafkajs keeps producing', async (t) => {
  const first = await startTestBroker(t);
  const numPartitions = 3;
  const kafka = kafkaClient(first.bootstrap, 'restart-producer');
  const admin = await connectedAdmin(t, kafka);
  t.true(await admin.createTopics({ topics: [{ topic: 'durable', numPartitions }] }));
  const producer = await connectedProducer(t, kafka);

  const before = Array.from({ length: 1000 }, (_, i) => keyed(i, 'before'));
  for (let s = 0; s < before.length; s += 100) {
    const result = await producer.send({ topic: 'durable', acks: -1, messages: before.slice(s, s + 100) });
    t.deepEqual(okResults(result), Array.from({ length: numPartitions }, () => ({ topicName: 'durable', errorCode: 0 })));
  }

  const second = await first.restart();
  t.is(second.port, first.port);

  const partitionOf = (m: Sent): number => kafkaPartition(m.key, numPartitions);
  const expectedIn = (messages: Sent[], p: number): Comparable[] => messages.filter((m) => partitionOf(m) === p).map((m, i) => expectedAt(m, i));
  for (let p = 0; p < numPartitions; p++) {
    t.deepEqual(stored(await wireBatches(t, second.port, 'durable', p)), expectedIn(before, p), `partition ${p} after the restart`);
  }

  // The same kafkajs clients, whose connections the restart closed, reconnect and carry on.
  const high = (messages: Sent[], p: number): string => String(messages.filter((m) => partitionOf(m) === p).length);
  t.deepEqual(
    [...(await admin.fetchTopicOffsets('durable'))].sort((a, b) => a.partition - b.partition),
    [0, 1, 2].map((p) => ({ partition: p, offset: high(before, p), high: high(before, p), low: '0' })),
  );
  const after = Array.from({ length: 200 }, (_, i) => keyed(1000 + i, 'after'));
  for (let s = 0; s < after.length; s += 100) {
    const result = await producer.send({ topic: 'durable', acks: -1, messages: after.slice(s, s + 100) });
    t.deepEqual(okResults(result), Array.from({ length: numPartitions }, () => ({ topicName: 'durable', errorCode: 0 })));
  }
  const all = [...before, ...after];
  for (let p = 0; p < numPartitions; p++) {
    t.deepEqual(stored(await wireBatches(t, second.port, 'durable', p)), expectedIn(all, p), `partition ${p} after producing again`);
  }
});

test('an idempotent kafkajs producer carries on after a restart with the same id and sequence', async (t) => {
  const first = await startTestBroker(t);
  const kafka = kafkaClient(first.bootstrap, 'restart-idempotent');
  const admin = await connectedAdmin(t, kafka);
  t.true(await admin.createTopics({ topics: [{ topic: 'exactly', numPartitions: 1 }] }));
  const producer = await connectedProducer(t, kafka, { idempotent: true, maxInFlightRequests: 1, retry: { retries: 8, initialRetryTime: 50 } });

  const messages = Array.from({ length: 20 }, (_, i) => keyed(i, 'idem'));
  await producer.send({ topic: 'exactly', acks: -1, messages: messages.slice(0, 10) });
  const second = await first.restart();
  const result = await producer.send({ topic: 'exactly', acks: -1, messages: messages.slice(10) });
  t.deepEqual(
    result.map(({ partition, errorCode, baseOffset }) => ({ partition, errorCode, baseOffset })),
    [{ partition: 0, errorCode: 0, baseOffset: '10' }],
  );

  const batches = await wireBatches(t, second.port, 'exactly', 0);
  t.deepEqual(stored(batches), messages.map((m, i) => expectedAt(m, i)));
  t.deepEqual(
    batches.map(({ header }) => ({ baseOffset: header.baseOffset, epoch: header.producerEpoch, baseSequence: header.baseSequence })),
    [
      { baseOffset: 0n, epoch: 0, baseSequence: 0 },
      { baseOffset: 10n, epoch: 0, baseSequence: 10 },
    ],
  );
  const [a, b] = batches.map(({ header }) => header.producerId);
  t.true(a !== undefined && a >= 0n, `producer id ${String(a)}`);
  t.is(b, a, 'the producer kept its id across the restart');
});
