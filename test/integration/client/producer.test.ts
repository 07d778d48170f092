import test from 'ava';
import type { ExecutionContext } from 'ava';
import { Producer, ProducerErrorCode } from '../../../client/producer/index.ts';
import type { ProducerOptions, RecordMetadata } from '../../../client/producer/index.ts';
import { ClientErrorCode, KafkaError } from '../../../client/index.ts';
import { ApiKey, ErrorCode } from '../../../core/protocol/index.ts';
import { CompressionCodec, NO_PRODUCER_ID } from '../../../core/records/index.ts';
import type { CompressionName } from '../../../core/records/index.ts';
import { startTestBroker } from '../../helpers/broker.ts';
import type { TestBroker } from '../../helpers/broker.ts';
import { rejectsCode } from '../../helpers/throws-code.ts';
import { pollUntil, waitFor } from '../../helpers/wait-for.ts';
import type { WireClient } from '../../helpers/kafka-wire.ts';
import { connectedConsumer, kafkaClient, wireBatches, wireClient } from '../../interop/kafkajs-helpers.ts';
import type { StoredBatch } from '../../interop/kafkajs-helpers.ts';
import { murmur2Partition } from '../../interop/murmur2.ts';

async function createTopic(client: WireClient, name: string, numPartitions: number, configs: { name: string; value: string }[] = []): Promise<void> {
  const response = await client.request(ApiKey.CREATE_TOPICS, 4, {
    topics: [{ name, numPartitions, replicationFactor: 1, assignments: [], configs }],
    timeoutMs: 5000,
    validateOnly: false,
  });
  const errorCode = response.topics[0]?.errorCode;
  if (errorCode !== ErrorCode.NONE) throw new Error(`create topic ${name}: error ${String(errorCode)}`);
}

async function producerFor(t: ExecutionContext, broker: TestBroker, options: Partial<ProducerOptions> = {}): Promise<Producer> {
  const producer = new Producer({ bootstrapServers: broker.bootstrap, clientId: 'producer-test', ...options });
  t.teardown(() => producer.close());
  await producer.connect();
  return producer;
}

/**
 * The partition's batches once at least `records` records are visible. With acks 0 and 1 a
 * record is acknowledged before it is fsynced, and Brook shows consumers only durable records.
 */
async function visibleBatches(wire: WireClient, topic: string, partition: number, records: number): Promise<StoredBatch[]> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const batches = await wireBatches(wire, topic, partition);
    const count = batches.reduce((n, b) => n + b.records.length, 0);
    if (count >= records || Date.now() > deadline) return batches;
  }
}

const text = (b: Buffer | null): string | null => (b === null ? null : b.toString('utf8'));
const values = (batches: StoredBatch[]): (string | null)[] => batches.flatMap((b) => b.records.map((r) => text(r.value)));

test('keyed records land on the partition of Kafka murmur2 and are stored with their keys', async (t) => {
  const broker = await startTestBroker(t);
  const wire = await wireClient(t, broker.port);
  await createTopic(wire, 'keyed', 6);
  const producer = await producerFor(t, broker);
  const keys = Array.from({ length: 60 }, (_, i) => `key-${i}`);
  const results = await producer.sendBatch(keys.map((key) => ({ topic: 'keyed', key, value: `value-of-${key}` })));
  t.deepEqual(
    results.map((r) => r.partition),
    keys.map((k) => murmur2Partition(k, 6)),
  );
  for (let partition = 0; partition < 6; partition++) {
    const stored = (await wireBatches(wire, 'keyed', partition)).flatMap((b) => b.records.map((r) => `${text(r.key)}=${text(r.value)}`));
    const expected = keys.filter((k) => murmur2Partition(k, 6) === partition).map((k) => `${k}=value-of-${k}`);
    t.deepEqual(stored, expected, `partition ${partition}`);
  }
  // Offsets are consecutive per partition, from 0.
  const partition0 = results.filter((r) => r.partition === 0).map((r) => r.offset);
  t.deepEqual(
    partition0,
    partition0.map((_, i) => BigInt(i)),
  );
});

test('keyless records stick to one partition per batch', async (t) => {
  const broker = await startTestBroker(t);
  const wire = await wireClient(t, broker.port);
  await createTopic(wire, 'sticky', 4);
  const producer = await producerFor(t, broker, { lingerMs: 60_000 });
  const sent = producer.sendBatch(Array.from({ length: 20 }, (_, i) => ({ topic: 'sticky', value: `v${i}` })));
  await producer.flush();
  const results = await sent;
  t.is(new Set(results.map((r) => r.partition)).size, 1);
  const partition = results[0]!.partition;
  const batches = await wireBatches(wire, 'sticky', partition);
  t.is(batches.length, 1);
  t.deepEqual(
    values(batches),
    Array.from({ length: 20 }, (_, i) => `v${i}`),
  );
});

test('keys, values, headers and timestamps round-trip byte for byte', async (t) => {
  const broker = await startTestBroker(t);
  const wire = await wireClient(t, broker.port);
  await createTopic(wire, 'round-trip', 1);
  const producer = await producerFor(t, broker);
  const binary = Buffer.from([0x00, 0xff, 0x80, 0x7f, 0x0a]);
  const results = await producer.sendBatch([
    { topic: 'round-trip', key: binary, value: 'héllo', headers: { trace: 'abc', empty: '', nothing: null, bytes: binary }, timestamp: 1_700_000_000_123 },
    { topic: 'round-trip', key: null, value: null, timestamp: 42n },
    { topic: 'round-trip', key: 'k', value: binary, headers: [{ key: 'dup', value: '1' }, { key: 'dup', value: '2' }], timestamp: new Date(1_600_000_000_000) },
  ]);
  t.deepEqual(
    results.map((r) => [r.partition, r.offset, r.timestamp]),
    [
      [0, 0n, 1_700_000_000_123n],
      [0, 1n, 42n],
      [0, 2n, 1_600_000_000_000n],
    ],
  );
  const records = (await wireBatches(wire, 'round-trip', 0)).flatMap((b) => b.records);
  t.deepEqual(
    records.map((r) => ({ offset: r.offset, timestamp: r.timestamp, key: r.key?.toString('hex') ?? null, value: r.value?.toString('hex') ?? null, headers: r.headers.map((h) => [h.key, h.value?.toString('hex') ?? null]) })),
    [
      {
        offset: 0n,
        timestamp: 1_700_000_000_123n,
        key: binary.toString('hex'),
        value: Buffer.from('héllo').toString('hex'),
        headers: [
          ['trace', Buffer.from('abc').toString('hex')],
          ['empty', ''],
          ['nothing', null],
          ['bytes', binary.toString('hex')],
        ],
      },
      { offset: 1n, timestamp: 42n, key: null, value: null, headers: [] },
      {
        offset: 2n,
        timestamp: 1_600_000_000_000n,
        key: Buffer.from('k').toString('hex'),
        value: binary.toString('hex'),
        headers: [
          ['dup', Buffer.from('1').toString('hex')],
          ['dup', Buffer.from('2').toString('hex')],
        ],
      },
    ],
  );
});

for (const acks of [0, 1, 'all'] as const) {
  test(`acks=${acks}: every record is stored, in order`, async (t) => {
    const broker = await startTestBroker(t);
    const wire = await wireClient(t, broker.port);
    await createTopic(wire, 'acks', 1);
    const producer = await producerFor(t, broker, { acks, batchSize: 512 });
    const sent = Array.from({ length: 200 }, (_, i) => `record-${i}`);
    const results = await producer.sendBatch(sent.map((value) => ({ topic: 'acks', value })));
    t.deepEqual(
      results.map((r) => r.offset),
      sent.map((_, i) => (acks === 0 ? -1n : BigInt(i))),
    );
    t.is(producer.idempotent, acks === 'all');
    t.deepEqual(values(await visibleBatches(wire, 'acks', 0, sent.length)), sent);
  });
}

test('an idempotent producer stamps its producer id and epoch, and sequences from 0 per partition', async (t) => {
  const broker = await startTestBroker(t);
  const wire = await wireClient(t, broker.port);
  await createTopic(wire, 'idem', 2);
  const producer = await producerFor(t, broker, { batchSize: 300 });
  const { producerId, producerEpoch } = producer.producerIdentity;
  t.true(producerId >= 0n);
  await producer.sendBatch(Array.from({ length: 100 }, (_, i) => ({ topic: 'idem', partition: i % 2, value: `value-${i}` })));
  for (const partition of [0, 1]) {
    const batches = await wireBatches(wire, 'idem', partition);
    t.true(batches.length > 1, 'batchSize makes several batches');
    let expectedSequence = 0;
    for (const { header } of batches) {
      t.is(header.producerId, producerId);
      t.is(header.producerEpoch, producerEpoch);
      t.is(header.baseSequence, expectedSequence);
      expectedSequence += header.recordsCount;
    }
    t.is(expectedSequence, 50);
  }
  // Without idempotence, batches carry no producer id.
  const plain = await producerFor(t, broker, { acks: 1 });
  await plain.send({ topic: 'idem', partition: 0, value: 'plain' });
  const last = (await visibleBatches(wire, 'idem', 0, 51)).at(-1)!;
  t.is(last.header.producerId, NO_PRODUCER_ID);
  t.is(values([last])[0], 'plain');
});

test('with many partitions and a small maxRequestSize, requests are split and every partition is stored in order with sequences without gaps', async (t) => {
  const broker = await startTestBroker(t);
  const wire = await wireClient(t, broker.port);
  const partitions = 16;
  await createTopic(wire, 'split-requests', partitions);
  // About 1 KiB batches, at most two to a request: the batches of one round need eight requests.
  const producer = await producerFor(t, broker, { batchSize: 1024, maxRequestSize: 2048 });
  const { producerId } = producer.producerIdentity;
  const count = partitions * 40;
  const results = await producer.sendBatch(Array.from({ length: count }, (_, i) => ({ topic: 'split-requests', partition: i % partitions, value: `value-${i} ${'x'.repeat(80)}` })));
  t.is(results.length, count);
  for (let partition = 0; partition < partitions; partition++) {
    const mine = results.flatMap((r, i) => (r.partition === partition ? [{ i, offset: r.offset }] : []));
    t.deepEqual(
      mine.map((m) => m.offset),
      mine.map((_, n) => BigInt(n)),
      `partition ${partition}: offsets in send order`,
    );
    const batches = await wireBatches(wire, 'split-requests', partition);
    t.deepEqual(
      values(batches),
      mine.map((m) => `value-${m.i} ${'x'.repeat(80)}`),
    );
    t.true(batches.length > 1, 'batchSize makes several batches');
    let expectedSequence = 0;
    for (const { header } of batches) {
      t.is(header.producerId, producerId);
      t.is(header.baseSequence, expectedSequence, `partition ${partition}: no gap in sequences`);
      expectedSequence += header.recordsCount;
    }
  }
});

test('records acknowledged across a broker restart are stored exactly once, in order per partition', async (t) => {
  let broker = await startTestBroker(t, { log: { flushPolicy: 'every-append' } });
  const setup = await wireClient(t, broker.port);
  await createTopic(setup, 'restart', 3);
  const producer = await producerFor(t, broker, { batchSize: 2048, retryBackoffMs: 20, requestTimeoutMs: 5000 });
  const pending: Promise<RecordMetadata>[] = [];
  const sendSome = (from: number, to: number): void => {
    for (let i = from; i < to; i++) pending.push(producer.send({ topic: 'restart', key: `k${i % 7}`, value: `value-${i}` }));
  };
  sendSome(0, 3000);
  await pending[500];
  broker = await broker.restart();
  sendSome(3000, 6000);
  const settled = await Promise.allSettled(pending);
  const acked = settled.flatMap((s, i) => (s.status === 'fulfilled' ? [{ i, ...s.value }] : []));
  t.is(acked.length, 6000, 'every record is acknowledged after the restart');
  const wire = await wireClient(t, broker.port);
  for (let partition = 0; partition < 3; partition++) {
    const stored = values(await wireBatches(wire, 'restart', partition));
    const expected = acked.filter((a) => a.partition === partition).map((a) => `value-${a.i}`);
    t.deepEqual(stored, expected, `partition ${partition}: every acknowledged record once, in send order`);
    const offsets = acked.filter((a) => a.partition === partition).map((a) => a.offset);
    t.deepEqual(
      offsets,
      offsets.map((_, i) => BigInt(i)),
    );
  }
});

for (const compression of ['gzip', 'snappy', 'lz4', 'zstd', 'none'] as const satisfies readonly CompressionName[]) {
  test(`compression ${compression}: batches are stored with that codec and decode to what was sent`, async (t) => {
    const broker = await startTestBroker(t);
    const wire = await wireClient(t, broker.port);
    await createTopic(wire, 'compressed', 1);
    const producer = await producerFor(t, broker, { compression });
    const sent = Array.from({ length: 50 }, (_, i) => `compressible ${'x'.repeat(i)} ${i}`);
    await producer.sendBatch(sent.map((value, i) => ({ topic: 'compressed', key: `k${i}`, value, headers: { n: String(i) } })));
    const batches = await wireBatches(wire, 'compressed', 0);
    t.true(batches.length >= 1);
    for (const { header } of batches) t.is(header.attributes & 0x07, CompressionCodec[compression]);
    t.deepEqual(values(batches), sent);
    t.deepEqual(
      batches.flatMap((b) => b.records.map((r) => text(r.headers[0]?.value ?? null))),
      sent.map((_, i) => String(i)),
    );
  });
}

test('backpressure: with a small bufferMemory, buffered bytes stay under it and every record is acknowledged', async (t) => {
  const broker = await startTestBroker(t);
  const wire = await wireClient(t, broker.port);
  await createTopic(wire, 'pressure', 1);
  const bufferMemory = 4096;
  const producer = await producerFor(t, broker, { bufferMemory, lingerMs: 0 });
  const value = 'v'.repeat(500);
  let maxBuffered = 0;
  let pendingSeen = false;
  const sends: Promise<RecordMetadata>[] = [];
  const settled = new Set<number>();
  for (let i = 0; i < 200; i++) {
    const sent = producer.send({ topic: 'pressure', value: `${i}:${value}` });
    void sent.then(() => settled.add(i));
    sends.push(sent);
    maxBuffered = Math.max(maxBuffered, producer.bufferedBytes);
    if (producer.waitingRecords > 0) pendingSeen = true;
  }
  t.true(pendingSeen, 'sends beyond bufferMemory wait');
  t.true(maxBuffered <= bufferMemory, `buffered ${maxBuffered} <= ${bufferMemory}`);
  const results = await Promise.all(sends);
  t.deepEqual(
    results.map((r) => r.offset),
    results.map((_, i) => BigInt(i)),
  );
  const batches = await wireBatches(wire, 'pressure', 0);
  t.true(
    batches.every((b) => b.records.length <= 8),
    'no batch holds more than bufferMemory allows',
  );
  t.deepEqual(
    values(batches),
    Array.from({ length: 200 }, (_, i) => `${i}:${value}`),
  );
});

test('flush sends lingering batches at once; close flushes and later sends reject', async (t) => {
  const broker = await startTestBroker(t);
  const wire = await wireClient(t, broker.port);
  await createTopic(wire, 'flushing', 1);
  const producer = await producerFor(t, broker, { lingerMs: 600_000 });
  let acked = 0;
  const first = [producer.send({ topic: 'flushing', value: 'a' }), producer.send({ topic: 'flushing', value: 'b' })];
  for (const p of first) void p.then(() => acked++);
  await producer.flush();
  t.is(acked, 2);
  t.deepEqual(values(await wireBatches(wire, 'flushing', 0)), ['a', 'b']);

  const last = producer.send({ topic: 'flushing', value: 'c' });
  await producer.close();
  t.is((await last).offset, 2n);
  t.deepEqual(values(await wireBatches(wire, 'flushing', 0)), ['a', 'b', 'c']);
  await rejectsCode(t, producer.send({ topic: 'flushing', value: 'd' }), ClientErrorCode.CLOSED);
  await producer.close();
});

test('an unknown topic with auto-creation off rejects with a KafkaError naming it', async (t) => {
  const broker = await startTestBroker(t, { autoCreateTopics: false });
  const producer = await producerFor(t, broker);
  const error = await t.throwsAsync(producer.send({ topic: 'no-such-topic', value: 'x' }), { instanceOf: KafkaError });
  t.is(error.errorName, 'UNKNOWN_TOPIC_OR_PARTITION');
  t.regex(error.message, /no-such-topic/);
});

test('auto-created topics are produced to', async (t) => {
  const broker = await startTestBroker(t, { autoCreateTopics: true, numPartitions: 2 });
  const producer = await producerFor(t, broker);
  const result = await producer.send({ topic: 'made-on-demand', key: 'a', value: 'x' });
  t.is(result.partition, murmur2Partition('a', 2));
  t.is(result.offset, 0n);
});

test('a batch larger than the broker accepts fails with MESSAGE_TOO_LARGE, not retried; the producer goes on', async (t) => {
  const broker = await startTestBroker(t, { log: { maxMessageBytes: 1000 } });
  const wire = await wireClient(t, broker.port);
  await createTopic(wire, 'limits', 1);
  const producer = await producerFor(t, broker);
  await producer.send({ topic: 'limits', value: 'before' });
  const error = await t.throwsAsync(producer.send({ topic: 'limits', value: 'x'.repeat(5000) }), { instanceOf: KafkaError });
  t.is(error.errorName, 'MESSAGE_TOO_LARGE');
  t.regex(error.message, /max\.message\.bytes/);
  t.false(error.retriable);
  // Idempotent sequences are renumbered after the gap, so later records still go through.
  const after = await producer.send({ topic: 'limits', value: 'after' });
  t.is(after.offset, 1n);
  t.deepEqual(values(await wireBatches(wire, 'limits', 0)), ['before', 'after']);
});

for (const [label, options] of [
  ['idempotent', {}],
  ['acks=1', { acks: 1 }],
] as const) {
  test(`${label}: a batch over the topic's max.message.bytes is split and resent, in order, sequences intact`, async (t) => {
    const broker = await startTestBroker(t);
    const wire = await wireClient(t, broker.port);
    const maxMessageBytes = 1000;
    await createTopic(wire, 'split', 1, [{ name: 'max.message.bytes', value: String(maxMessageBytes) }]);
    // One batch of about 12 kB: only splitting (four times over) gets it under the topic's limit.
    const producer = await producerFor(t, broker, { batchSize: 16_384, lingerMs: 60_000, ...options });
    const sent = Array.from({ length: 150 }, (_, i) => `record-${i}-${'x'.repeat(60)}`);
    const acknowledged = producer.sendBatch(sent.map((value) => ({ topic: 'split', value })));
    await producer.flush();
    const results = await acknowledged;
    t.deepEqual(
      results.map((r) => r.offset),
      sent.map((_, i) => BigInt(i)),
    );
    const batches = await visibleBatches(wire, 'split', 0, sent.length);
    t.deepEqual(values(batches), sent);
    t.true(batches.length >= 8, `${batches.length} batches`);
    for (const { header } of batches) t.true(header.batchLength + 12 <= maxMessageBytes, `a stored batch of ${header.batchLength + 12} bytes`);
    if (producer.idempotent) {
      // The pieces carry the refused batch's sequence range: one producer id, no gap.
      let expectedSequence = 0;
      for (const { header } of batches) {
        t.is(header.producerId, producer.producerIdentity.producerId);
        t.is(header.baseSequence, expectedSequence);
        expectedSequence += header.recordsCount;
      }
    }
  });

  test(`${label}: a record alone over max.message.bytes fails naming it; the records around it are written in order`, async (t) => {
    const broker = await startTestBroker(t);
    const wire = await wireClient(t, broker.port);
    await createTopic(wire, 'one-too-large', 1, [{ name: 'max.message.bytes', value: '1000' }]);
    const producer = await producerFor(t, broker, { batchSize: 16_384, lingerMs: 60_000, ...options });
    const small = (i: number): string => `small-${i}`;
    const sends = [
      ...Array.from({ length: 20 }, (_, i) => producer.send({ topic: 'one-too-large', value: small(i) })),
      producer.send({ topic: 'one-too-large', value: 'x'.repeat(3000) }),
      ...Array.from({ length: 20 }, (_, i) => producer.send({ topic: 'one-too-large', value: small(20 + i) })),
    ];
    await producer.flush();
    const settled = await Promise.allSettled(sends);
    const failure = settled[20]!;
    if (failure.status !== 'rejected') return t.fail('the 3000-byte record was acknowledged');
    t.true(failure.reason instanceof KafkaError);
    const error = failure.reason as KafkaError;
    t.is(error.errorName, 'MESSAGE_TOO_LARGE');
    t.false(error.retriable);
    t.regex(error.message, /max\.message\.bytes/);
    const others = settled.filter((_, i) => i !== 20);
    t.deepEqual(
      others.map((s) => (s.status === 'fulfilled' ? s.value.offset : String(s.reason))),
      others.map((_, i) => BigInt(i)),
    );
    t.deepEqual(
      values(await visibleBatches(wire, 'one-too-large', 0, 40)),
      Array.from({ length: 40 }, (_, i) => small(i)),
    );
  });
}

test('partitions added to a topic are written to once metadataMaxAgeMs has passed, without any error to prompt it', async (t) => {
  const broker = await startTestBroker(t);
  const wire = await wireClient(t, broker.port);
  await createTopic(wire, 'growing', 1);
  const producer = await producerFor(t, broker, { metadataMaxAgeMs: 200, lingerMs: 0 });
  const key = Array.from({ length: 50 }, (_, i) => `key-${i}`).find((k) => murmur2Partition(k, 3) !== 0)!;
  t.is((await producer.send({ topic: 'growing', key, value: 'before' })).partition, 0);
  const response = await wire.request(ApiKey.CREATE_PARTITIONS, 0, { topics: [{ name: 'growing', count: 3, assignments: null }], timeoutMs: 5000, validateOnly: false });
  t.is(response.results[0]?.errorCode, ErrorCode.NONE);
  const moved = await pollUntil(
    () => producer.send({ topic: 'growing', key, value: 'after' }),
    (r) => r.partition !== 0,
    'a record of the key on a new partition',
  );
  t.is(moved.partition, murmur2Partition(key, 3));
  t.deepEqual(values(await wireBatches(wire, 'growing', moved.partition)), ['after']);
});

test('a record larger than maxRequestSize is refused before sending', async (t) => {
  const broker = await startTestBroker(t);
  const producer = await producerFor(t, broker, { maxRequestSize: 2048 });
  const error = await t.throwsAsync(producer.send({ topic: 'anything', value: 'x'.repeat(4000) }), { instanceOf: KafkaError });
  t.is(error.errorName, 'MESSAGE_TOO_LARGE');
});

test('contradictory options and malformed records are refused with clear errors', async (t) => {
  t.throws(() => new Producer({ bootstrapServers: '127.0.0.1:1', acks: 1, idempotent: true }), { message: /acks 'all'/ });
  t.throws(() => new Producer({ bootstrapServers: '127.0.0.1:1', maxInFlight: 6, idempotent: true }), { message: /at most 5/ });
  t.throws(() => new Producer({ bootstrapServers: '127.0.0.1:1', compression: 'brotli' as CompressionName }), { message: /producer option compression: must be one of none, gzip, snappy, lz4, zstd/ });
  const broker = await startTestBroker(t);
  const producer = await producerFor(t, broker);
  await rejectsCode(t, producer.send({ topic: 't', value: 42 as unknown as string }), ProducerErrorCode.INVALID_RECORD);
  await rejectsCode(t, producer.send({ topic: '', value: 'x' }), ProducerErrorCode.INVALID_RECORD);
});

test('kafkajs reads what Brook produced, keys, values and headers byte for byte', async (t) => {
  const broker = await startTestBroker(t);
  const wire = await wireClient(t, broker.port);
  await createTopic(wire, 'cross', 1);
  const producer = await producerFor(t, broker, { compression: 'gzip' });
  const sent = Array.from({ length: 30 }, (_, i) => ({ key: Buffer.from([i, 0xff - i]), value: Buffer.from(`value ${i} ü`), header: Buffer.from([0, i]) }));
  await producer.sendBatch(sent.map((r) => ({ topic: 'cross', key: r.key, value: r.value, headers: { h: r.header } })));
  const consumer = await connectedConsumer(t, kafkaClient(broker.bootstrap), { groupId: 'cross-reader' });
  await consumer.subscribe({ topic: 'cross', fromBeginning: true });
  const received: { key: string; value: string; header: string }[] = [];
  await consumer.run({
    eachMessage: async ({ message }) => {
      const header = message.headers?.['h'];
      received.push({ key: message.key?.toString('hex') ?? '', value: message.value?.toString('hex') ?? '', header: Buffer.isBuffer(header) ? header.toString('hex') : String(header) });
    },
  });
  await waitFor(() => received.length >= sent.length, { timeoutMs: 20_000, describe: () => `kafkajs read ${received.length} of ${sent.length}` });
  t.deepEqual(
    received,
    sent.map((r) => ({ key: r.key.toString('hex'), value: r.value.toString('hex'), header: r.header.toString('hex') })),
  );
});
