import test from 'ava';
import type { ExecutionContext } from 'ava';
import { ApiKey } from '../../../core/protocol/index.ts';
import { BatchLayout, encodeRecordBatch } from '../../../core/records/index.ts';
import type { Broker } from '../../../broker/index.ts';
import { decodeAll } from '../../helpers/decode-all.ts';
import { startTestBroker } from '../../helpers/broker.ts';
import { WireClient } from '../../helpers/kafka-wire.ts';
import { waitFor } from '../../helpers/wait-for.ts';
import { createTopic, fetchOne, produce, readPartition, splitBatches, stamped, valuesBatch } from './records.ts';

async function connect(t: ExecutionContext, port: number): Promise<WireClient> {
  const client = await WireClient.connect(port);
  t.teardown(() => {
    client.close();
  });
  return client;
}

/** The leader epoch Metadata reports for a partition: what the broker stamps into stored batches. */
async function leaderEpochOf(client: WireClient, topic: string, partition: number): Promise<number> {
  const body = await client.request(ApiKey.METADATA, 8, { topics: [{ name: topic }], allowAutoTopicCreation: false });
  const found = body.topics.find((x) => x.name === topic)?.partitions.find((p) => p.partitionIndex === partition);
  if (found === undefined) throw new Error(`no metadata for ${topic}-${partition}`);
  return found.leaderEpoch;
}

/** Values of every record stored in a partition, read from offset 0. */
async function storedValues(client: WireClient, topic: string, partition = 0): Promise<{ highWatermark: bigint; values: string[] }> {
  const fetched = await fetchOne(client, topic, partition, 0n);
  if (fetched.errorCode !== 0) throw new Error(`fetch ${topic}-${partition} failed with ${fetched.errorCode}`);
  return {
    highWatermark: fetched.highWatermark,
    values: decodeAll(fetched.records ?? Buffer.alloc(0)).map((r) => r.value?.toString('utf8') ?? '<null>'),
  };
}

/**
 * Fetches parked in the broker's purgatory. Nothing on the wire says a fetch is waiting, so
 * the test looks inside to produce only once the long poll is really outstanding.
 */
function parkedFetches(broker: Broker): number {
  return (broker as unknown as { delayed: { size: number } }).delayed.size;
}

test('Produce v3..v8 and Fetch v4..v11 round trip the batches byte for byte', async (t) => {
  const { port } = await startTestBroker(t, { autoCreateTopics: false });
  const client = await connect(t, port);
  await createTopic(client, 'round-trip');
  const epoch = await leaderEpochOf(client, 'round-trip', 0);
  t.is(epoch, 0);

  const expected: Buffer[] = [];
  let next = 0n;
  for (let version = 3; version <= 8; version++) {
    const batch = valuesBatch([`v${version}-a`, `v${version}-b`], { firstTimestamp: 1_700_000_000_000n + BigInt(version * 10) });
    const response = await produce(client, 'round-trip', 0, batch, { version });
    t.is(response.errorCode, 0, `Produce v${version}`);
    t.is(response.index, 0);
    t.is(response.baseOffset, next, `Produce v${version} base offset`);
    t.is(response.logAppendTimeMs, -1n, `Produce v${version}: CreateTime topics answer -1`);
    t.is(response.logStartOffset, version >= 5 ? 0n : -1n, `Produce v${version} log start offset`);
    expected.push(stamped(batch, next, epoch));
    next += 2n;
  }
  t.is(next, 12n);

  for (let version = 4; version <= 11; version++) {
    const fetched = await fetchOne(client, 'round-trip', 0, 0n, { version });
    t.is(fetched.errorCode, 0, `Fetch v${version}`);
    t.is(fetched.partitionIndex, 0);
    t.is(fetched.highWatermark, 12n, `Fetch v${version} high watermark`);
    t.is(fetched.lastStableOffset, 12n, `Fetch v${version} last stable offset`);
    t.is(fetched.logStartOffset, version >= 5 ? 0n : -1n, `Fetch v${version} log start offset`);
    t.is(fetched.preferredReadReplica, -1);
    t.deepEqual(fetched.records, Buffer.concat(expected), `Fetch v${version} records`);
  }
  const values = decodeAll(Buffer.concat(expected)).map((r) => [r.offset, r.value?.toString()]);
  t.deepEqual(values.slice(0, 2), [
    [0n, 'v3-a'],
    [1n, 'v3-b'],
  ]);
});

test('fetch offsets: inside a batch, at the high watermark, out of range, unknown topic', async (t) => {
  const { port } = await startTestBroker(t, { autoCreateTopics: false });
  const client = await connect(t, port);
  await createTopic(client, 'positions');
  const epoch = await leaderEpochOf(client, 'positions', 0);
  const first = valuesBatch(['a0', 'a1', 'a2']);
  const second = valuesBatch(['b3', 'b4']);
  t.is((await produce(client, 'positions', 0, first)).baseOffset, 0n);
  t.is((await produce(client, 'positions', 0, second)).baseOffset, 3n);

  // An offset inside a batch returns that whole batch; the client skips what it did not ask for.
  const mid = await fetchOne(client, 'positions', 0, 1n);
  t.is(mid.errorCode, 0);
  t.deepEqual(mid.records, Buffer.concat([stamped(first, 0n, epoch), stamped(second, 3n, epoch)]));
  const last = await fetchOne(client, 'positions', 0, 4n);
  t.deepEqual(last.records, stamped(second, 3n, epoch));

  const atEnd = await fetchOne(client, 'positions', 0, 5n);
  t.is(atEnd.errorCode, 0);
  t.is(atEnd.highWatermark, 5n);
  t.is(atEnd.records?.length ?? 0, 0);

  const beyond = await fetchOne(client, 'positions', 0, 6n);
  t.is(beyond.errorCode, 1);
  t.is(beyond.highWatermark, 5n);
  t.is(beyond.logStartOffset, 0n);
  t.is(beyond.records?.length ?? 0, 0);

  const negative = await fetchOne(client, 'positions', 0, -1n);
  t.is(negative.errorCode, 1);
  t.is(negative.highWatermark, 5n);
  t.is(negative.logStartOffset, 0n);

  // Move the log start to 3, then read below it.
  const deleted = await client.request(ApiKey.DELETE_RECORDS, 1, {
    topics: [{ name: 'positions', partitions: [{ partitionIndex: 0, offset: 3n }] }],
    timeoutMs: 5000,
  });
  t.deepEqual(deleted.topics[0]?.partitions[0], { partitionIndex: 0, lowWatermark: 3n, errorCode: 0 });
  const below = await fetchOne(client, 'positions', 0, 1n);
  t.is(below.errorCode, 1);
  t.is(below.highWatermark, 5n);
  t.is(below.logStartOffset, 3n);
  t.is(below.records?.length ?? 0, 0);
  const fromStart = await fetchOne(client, 'positions', 0, 3n);
  t.is(fromStart.errorCode, 0);
  t.is(fromStart.logStartOffset, 3n);
  t.deepEqual(fromStart.records, stamped(second, 3n, epoch));

  const unknownTopic = await fetchOne(client, 'no-such-topic', 0, 0n);
  t.is(unknownTopic.errorCode, 3);
  t.is(unknownTopic.records?.length ?? 0, 0);
  const unknownPartition = await fetchOne(client, 'positions', 7, 0n);
  t.is(unknownPartition.errorCode, 3);
});

test('a long-poll fetch on an empty partition is answered by the next produce', async (t) => {
  const { broker, port } = await startTestBroker(t, { autoCreateTopics: false });
  const consumer = await connect(t, port);
  const producer = await connect(t, port);
  await createTopic(producer, 'long-poll');
  const epoch = await leaderEpochOf(producer, 'long-poll', 0);

  let answered = false;
  const fetching = fetchOne(consumer, 'long-poll', 0, 0n, { maxWaitMs: 10_000, minBytes: 1 }).finally(() => {
    answered = true;
  });
  await waitFor(() => parkedFetches(broker) === 1, { describe: () => 'the fetch to be parked in the broker' });
  t.false(answered);

  const batch = valuesBatch(['wake-up']);
  const produced = await produce(producer, 'long-poll', 0, batch);
  t.is(produced.baseOffset, 0n);
  // Well before the 10 s max wait: the produce must wake the fetch.
  await waitFor(() => answered, { timeoutMs: 5000, describe: () => 'the long-poll fetch to be answered after the produce' });
  const fetched = await fetching;
  t.is(fetched.errorCode, 0);
  t.is(fetched.highWatermark, 1n);
  t.deepEqual(fetched.records, stamped(batch, 0n, epoch));
  t.is(parkedFetches(broker), 0);
});

test('partitionMaxBytes and maxBytes bound a fetch, but never below one whole batch', async (t) => {
  const { port } = await startTestBroker(t, { autoCreateTopics: false });
  const client = await connect(t, port);
  await createTopic(client, 'sizes', 2);
  const epoch = await leaderEpochOf(client, 'sizes', 0);
  const batches: Buffer[][] = [[], []];
  for (const partition of [0, 1]) {
    for (let i = 0; i < 5; i++) {
      const batch = valuesBatch([`p${partition}-${i}-${'x'.repeat(150)}`]);
      const response = await produce(client, 'sizes', partition, batch);
      t.is(response.baseOffset, BigInt(i));
      batches[partition]!.push(stamped(batch, BigInt(i), epoch));
    }
  }
  const size = batches[0]![0]!.length;
  t.true(batches.flat().every((b) => b.length === size));

  // KIP-74: a limit smaller than the first batch still returns that whole batch.
  const tiny = await fetchOne(client, 'sizes', 0, 0n, { partitionMaxBytes: 10 });
  t.deepEqual(tiny.records, batches[0]![0]);

  // Two and a half batches' worth: two whole batches (and possibly a partial third), not all five.
  const limit = Math.floor(size * 2.5);
  const some = await fetchOne(client, 'sizes', 0, 0n, { partitionMaxBytes: limit });
  const whole = splitBatches(some.records ?? Buffer.alloc(0));
  t.deepEqual(whole, batches[0]!.slice(0, 2));
  t.true((some.records?.length ?? 0) <= limit);

  // Both partitions from offset 0 in one request, under a response-wide maxBytes.
  const fetchBoth = (maxBytes: number) =>
    client.request(ApiKey.FETCH, 11, {
      replicaId: -1,
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes,
      isolationLevel: 0,
      topics: [
        {
          topic: 'sizes',
          partitions: [
            { partition: 0, fetchOffset: 0n, partitionMaxBytes: 1024 * 1024 },
            { partition: 1, fetchOffset: 0n, partitionMaxBytes: 1024 * 1024 },
          ],
        },
      ],
    });

  // The response-wide maxBytes: the first partition gets its first batch, the budget is then spent.
  const response = await fetchBoth(Math.floor(size * 1.5));
  const [p0, p1] = response.responses[0]?.partitions ?? [];
  t.is(p0?.errorCode, 0);
  t.deepEqual(splitBatches(p0?.records ?? Buffer.alloc(0)), [batches[0]![0]]);
  t.true((p0?.records?.length ?? 0) <= Math.floor(size * 1.5));
  t.is(p1?.errorCode, 0);
  t.is(p1?.highWatermark, 5n);
  t.is(splitBatches(p1?.records ?? Buffer.alloc(0)).length, 0);

  // With room for everything, both partitions come back whole.
  const all = await fetchBoth(size * 10);
  t.deepEqual(
    all.responses[0]?.partitions.map((p) => p.records),
    [Buffer.concat(batches[0]!), Buffer.concat(batches[1]!)],
  );
});

test('ListOffsets v0..v5: earliest, latest and by timestamp', async (t) => {
  const { port } = await startTestBroker(t, { autoCreateTopics: false });
  const client = await connect(t, port);
  await createTopic(client, 'offsets');
  const batch = (values: string[], timestamps: bigint[]): Buffer =>
    encodeRecordBatch(values.map((value, i) => ({ timestamp: timestamps[i]!, key: null, value: Buffer.from(value) })));
  t.is((await produce(client, 'offsets', 0, batch(['t1000', 't2000'], [1000n, 2000n]))).baseOffset, 0n);
  t.is((await produce(client, 'offsets', 0, batch(['t3000', 't4000'], [3000n, 4000n]))).baseOffset, 2n);

  const listOne = async (version: number, timestamp: bigint) => {
    const body = await client.request(ApiKey.LIST_OFFSETS, version, {
      replicaId: -1,
      isolationLevel: 0,
      topics: [{ name: 'offsets', partitions: [{ partitionIndex: 0, timestamp, maxNumOffsets: 1 }] }],
    });
    t.is(body.topics.length, 1);
    t.is(body.topics[0]?.name, 'offsets');
    const partition = body.topics[0]?.partitions[0];
    if (partition === undefined) throw new Error('no partition in the ListOffsets response');
    t.is(partition.partitionIndex, 0);
    t.is(partition.errorCode, 0, `ListOffsets v${version} at ${timestamp}`);
    return partition;
  };

  const v0Earliest = await listOne(0, -2n);
  t.deepEqual(v0Earliest.oldStyleOffsets, [0n]);
  const v0Latest = await listOne(0, -1n);
  t.deepEqual(v0Latest.oldStyleOffsets, [4n]);

  for (let version = 1; version <= 5; version++) {
    t.is((await listOne(version, -2n)).offset, 0n, `v${version} earliest`);
    t.is((await listOne(version, -1n)).offset, 4n, `v${version} latest`);
    const exact = await listOne(version, 3000n);
    t.deepEqual([exact.offset, exact.timestamp], [2n, 3000n], `v${version} at 3000`);
    const between = await listOne(version, 1500n);
    t.deepEqual([between.offset, between.timestamp], [1n, 2000n], `v${version} at 1500`);
    const first = await listOne(version, 0n);
    t.deepEqual([first.offset, first.timestamp], [0n, 1000n], `v${version} at 0`);
    const after = await listOne(version, 4001n);
    t.deepEqual([after.offset, after.timestamp], [-1n, -1n], `v${version} after every record`);
  }

  const unknown = await client.request(ApiKey.LIST_OFFSETS, 5, {
    replicaId: -1,
    isolationLevel: 0,
    topics: [{ name: 'missing-topic', partitions: [{ partitionIndex: 0, timestamp: -1n }] }],
  });
  t.is(unknown.topics[0]?.partitions[0]?.errorCode, 3);
});

test('produce validation answers per-partition errors and appends nothing', async (t) => {
  const { port } = await startTestBroker(t, { autoCreateTopics: false });
  const client = await connect(t, port);
  await createTopic(client, 'checked', 1, { 'max.message.bytes': '500' });
  await createTopic(client, 'two-isr', 1, { 'min.insync.replicas': '2' });
  t.is((await produce(client, 'checked', 0, valuesBatch(['good']))).baseOffset, 0n);
  const unchanged = async (what: string): Promise<void> => {
    t.deepEqual(await storedValues(client, 'checked'), { highWatermark: 1n, values: ['good'] }, `after ${what}`);
  };

  const corrupt = valuesBatch(['flipped']);
  corrupt[corrupt.length - 1]! ^= 0x01;
  const crc = await produce(client, 'checked', 0, corrupt);
  t.is(crc.errorCode, 2, 'bad CRC → CORRUPT_MESSAGE');
  t.is(crc.baseOffset, -1n);
  await unchanged('a bad CRC');

  // baseOffset lies outside the CRC, so the batch is otherwise valid.
  const offsetSet = valuesBatch(['offset-set']);
  offsetSet.writeBigInt64BE(7n, BatchLayout.BASE_OFFSET);
  t.is((await produce(client, 'checked', 0, offsetSet)).errorCode, 87, 'baseOffset != 0 → INVALID_RECORD');
  await unchanged('a non-zero baseOffset');

  const large = valuesBatch(['y'.repeat(600)]);
  t.true(large.length > 500);
  t.is((await produce(client, 'checked', 0, large)).errorCode, 10, 'above max.message.bytes → MESSAGE_TOO_LARGE');
  await unchanged('an oversized batch');

  const control = valuesBatch(['control'], { control: true });
  t.is((await produce(client, 'checked', 0, control)).errorCode, 87, 'control batch from a client → INVALID_RECORD');
  await unchanged('a control batch');

  t.is((await produce(client, 'checked', 0, valuesBatch(['acks-2']), { acks: 2 })).errorCode, 21, 'acks=2 → INVALID_REQUIRED_ACKS');
  await unchanged('acks=2');

  // min.insync.replicas applies to acks=all only.
  t.is((await produce(client, 'two-isr', 0, valuesBatch(['all']), { acks: -1 })).errorCode, 19, 'acks=all below min ISR → NOT_ENOUGH_REPLICAS');
  t.deepEqual(await storedValues(client, 'two-isr'), { highWatermark: 0n, values: [] });
  const leaderOnly = await produce(client, 'two-isr', 0, valuesBatch(['one']), { acks: 1 });
  t.deepEqual([leaderOnly.errorCode, leaderOnly.baseOffset], [0, 0n]);

  // A good batch still lands right after the good record.
  t.is((await produce(client, 'checked', 0, valuesBatch(['good-2']))).baseOffset, 1n);
  t.deepEqual(await storedValues(client, 'checked'), { highWatermark: 2n, values: ['good', 'good-2'] });
});

test('idempotent produce: sequences, duplicates, gaps, and a restart', async (t) => {
  const started = await startTestBroker(t, { autoCreateTopics: false });
  const client = await connect(t, started.port);
  await createTopic(client, 'idempotent');

  const ids: bigint[] = [];
  for (const version of [0, 1]) {
    const body = await client.request(ApiKey.INIT_PRODUCER_ID, version, { transactionalId: null, transactionTimeoutMs: 60_000 });
    t.is(body.errorCode, 0, `InitProducerId v${version}`);
    t.true(body.producerId >= 0n);
    t.is(body.producerEpoch, 0);
    ids.push(body.producerId);
  }
  t.not(ids[0], ids[1]);
  const producerId = ids[1]!;
  const idempotent = (values: string[], baseSequence: number): Buffer =>
    valuesBatch(values, { producerId, producerEpoch: 0, baseSequence });

  const seq0 = idempotent(['s0'], 0);
  const seq1 = idempotent(['s1', 's2'], 1);
  t.deepEqual(await produceResult(client, seq0), [0, 0n]);
  t.deepEqual(await produceResult(client, seq1), [0, 1n]);

  // A retry of an acknowledged batch: success with its original offset, nothing appended.
  t.deepEqual(await produceResult(client, seq0), [0, 0n]);
  t.deepEqual(await storedValues(client, 'idempotent'), { highWatermark: 3n, values: ['s0', 's1', 's2'] });

  // Next expected sequence is 3; 5 leaves a gap.
  const gap = await produce(client, 'idempotent', 0, idempotent(['s5'], 5));
  t.is(gap.errorCode, 45);
  t.deepEqual(await storedValues(client, 'idempotent'), { highWatermark: 3n, values: ['s0', 's1', 's2'] });

  const restarted = await started.restart();
  const after = await connect(t, restarted.port);
  t.deepEqual(await produceResult(after, seq1), [0, 1n], 'the duplicate is still recognised after a restart');
  t.deepEqual(await storedValues(after, 'idempotent'), { highWatermark: 3n, values: ['s0', 's1', 's2'] });
  t.deepEqual(await produceResult(after, idempotent(['s3'], 3)), [0, 3n]);
  t.deepEqual(await storedValues(after, 'idempotent'), { highWatermark: 4n, values: ['s0', 's1', 's2', 's3'] });

  for (const version of [0, 1]) {
    const body = await after.request(ApiKey.INIT_PRODUCER_ID, version, { transactionalId: null, transactionTimeoutMs: 60_000 });
    t.is(body.errorCode, 0);
    t.is(body.producerEpoch, 0);
    t.false(ids.includes(body.producerId), `producer id ${body.producerId} was handed out before the restart`);
    ids.push(body.producerId);
  }
  t.is(new Set(ids).size, 4);
});

async function produceResult(client: WireClient, batch: Buffer): Promise<[number, bigint]> {
  const response = await produce(client, 'idempotent', 0, batch);
  return [response.errorCode, response.baseOffset];
}

test('everything written is served after a restart with the same offsets', async (t) => {
  const started = await startTestBroker(t, { autoCreateTopics: false });
  const client = await connect(t, started.port);
  await createTopic(client, 'kept-a', 2);
  await createTopic(client, 'kept-b', 1);
  const partitions = [
    ['kept-a', 0],
    ['kept-a', 1],
    ['kept-b', 0],
  ] as const;
  const before = new Map<string, Buffer>();
  for (const [topic, partition] of partitions) {
    for (let i = 0; i < 3; i++) {
      const response = await produce(client, topic, partition, valuesBatch([`${topic}-${partition}-${i}-a`, `${topic}-${partition}-${i}-b`]));
      t.is(response.baseOffset, BigInt(i * 2));
    }
    const fetched = await fetchOne(client, topic, partition, 0n);
    t.is(fetched.highWatermark, 6n);
    before.set(`${topic}-${partition}`, fetched.records ?? Buffer.alloc(0));
  }

  const restarted = await started.restart();
  const after = await connect(t, restarted.port);
  for (const [topic, partition] of partitions) {
    const fetched = await fetchOne(after, topic, partition, 0n);
    t.is(fetched.errorCode, 0);
    t.is(fetched.highWatermark, 6n, `${topic}-${partition} high watermark`);
    t.is(fetched.logStartOffset, 0n);
    t.deepEqual(fetched.records, before.get(`${topic}-${partition}`), `${topic}-${partition} bytes`);
    t.deepEqual(
      decodeAll(fetched.records ?? Buffer.alloc(0)).map((r) => r.offset),
      [0n, 1n, 2n, 3n, 4n, 5n],
    );
    const next = await produce(after, topic, partition, valuesBatch([`${topic}-${partition}-after`]));
    t.deepEqual([next.errorCode, next.baseOffset], [0, 6n]);
  }
  const metadata = await after.request(ApiKey.METADATA, 8, { topics: null, allowAutoTopicCreation: false });
  t.deepEqual(
    metadata.topics.map((x) => [x.name, x.partitions.length]).sort(),
    [
      ['kept-a', 2],
      ['kept-b', 1],
    ],
  );
});

test('large pipelined produce requests, joined into one reused buffer, are each stored as sent', async (t) => {
  const { port } = await startTestBroker(t, { autoCreateTopics: false });
  const client = await connect(t, port);
  await createTopic(client, 'large-requests');
  // Each request (about 100 KB) spans socket chunks; sent back to back, the broker joins each into
  // the buffer the previous one left, so a request whose bytes were overwritten would show here.
  const batches = Array.from({ length: 6 }, (_, i) => valuesBatch(Array.from({ length: 20 }, (_, j) => `${i}-${j}-`.padEnd(4_000 + i * 500, String.fromCharCode(97 + i)))));
  const responses = await Promise.all(batches.map((batch) => produce(client, 'large-requests', 0, batch)));
  t.deepEqual(
    responses.map((r) => r.errorCode),
    batches.map(() => 0),
  );
  const values = (await readPartition(client, 'large-requests', 0)).records.map((r) => r.value?.toString('utf8'));
  const expected = batches.flatMap((batch) => decodeAll(batch).map((r) => r.value!.toString('utf8')));
  t.is(values.length, expected.length);
  const differing = values.flatMap((v, i) => (v === expected[i] ? [] : [i]));
  t.deepEqual(differing, [], 'records stored with other bytes than sent');
});
