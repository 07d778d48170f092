/**
 * kafkajs 2.2.4 across a broker restart: what it wrote with acks=-1 is all there afterwards,
 * in order, and its producer and admin clients reconnect to the broker on the same port.
 */
import test from 'ava';
import type { RecordMetadata } from 'kafkajs';
import { startTestBroker } from '../helpers/broker.ts';
import { byPartition, connectedAdmin, connectedProducer, fromWire, kafkaClient, wireBatches, wireClient } from './kafkajs-helpers.ts';
import type { ComparableRecord, StoredBatch } from './kafkajs-helpers.ts';
import { murmur2Partition } from './murmur2.ts';

/** kafkajs retries per request: enough to ride out the restart. */
const RETRIES = 8;

const kafkaPartition = (key: string, numPartitions: number): number => murmur2Partition(key, numPartitions);

/** Records read back as text: these tests send only UTF-8 strings. */
const stored = (batches: StoredBatch[]): ComparableRecord[] => fromWire(batches, 'utf8');

interface Sent {
  readonly key: string;
  readonly value: string;
  readonly headers: { readonly seq: string };
}

const keyed = (i: number, phase: string): Sent => ({ key: `key-${i % 97}`, value: `${phase}-${i}`, headers: { seq: String(i) } });

const expectedAt = (m: Sent, offset: number): ComparableRecord => ({
  offset: String(offset),
  key: m.key,
  value: m.value,
  headers: [{ key: 'seq', value: m.headers.seq }],
});

const okResults = (metadata: RecordMetadata[]): unknown[] =>
  metadata.map(({ topicName, errorCode }) => ({ topicName, errorCode }));

test('1000 acks=-1 records from kafkajs survive a restart in order, and kafkajs keeps producing', async (t) => {
  const first = await startTestBroker(t);
  const numPartitions = 3;
  const kafka = kafkaClient(first.bootstrap, 'restart-producer', RETRIES);
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
  const reader = await wireClient(t, second.port);

  const partitionOf = (m: Sent): number => kafkaPartition(m.key, numPartitions);
  const expectedIn = (messages: Sent[], p: number): ComparableRecord[] => messages.filter((m) => partitionOf(m) === p).map((m, i) => expectedAt(m, i));
  for (let p = 0; p < numPartitions; p++) {
    t.deepEqual(stored(await wireBatches(reader, 'durable', p)), expectedIn(before, p), `partition ${p} after the restart`);
  }

  // The same kafkajs clients, whose connections the restart closed, reconnect and carry on.
  const high = (messages: Sent[], p: number): string => String(messages.filter((m) => partitionOf(m) === p).length);
  t.deepEqual(
    [...(await admin.fetchTopicOffsets('durable'))].sort(byPartition),
    [0, 1, 2].map((p) => ({ partition: p, offset: high(before, p), high: high(before, p), low: '0' })),
  );
  const after = Array.from({ length: 200 }, (_, i) => keyed(1000 + i, 'after'));
  for (let s = 0; s < after.length; s += 100) {
    const result = await producer.send({ topic: 'durable', acks: -1, messages: after.slice(s, s + 100) });
    t.deepEqual(okResults(result), Array.from({ length: numPartitions }, () => ({ topicName: 'durable', errorCode: 0 })));
  }
  const all = [...before, ...after];
  for (let p = 0; p < numPartitions; p++) {
    t.deepEqual(stored(await wireBatches(reader, 'durable', p)), expectedIn(all, p), `partition ${p} after producing again`);
  }
});

test('an idempotent kafkajs producer carries on after a restart with the same id and sequence', async (t) => {
  const first = await startTestBroker(t);
  const kafka = kafkaClient(first.bootstrap, 'restart-idempotent', RETRIES);
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

  const batches = await wireBatches(await wireClient(t, second.port), 'exactly', 0);
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
