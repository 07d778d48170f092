import test from 'ava';
import type { ExecutionContext } from 'ava';
import { ApiKey, ErrorCode } from '../../../core/protocol/index.ts';
import type { Broker } from '../../../broker/index.ts';
import { decodeAll } from '../../helpers/decode-all.ts';
import { startTestBroker } from '../../helpers/broker.ts';
import { WireClient } from '../../helpers/kafka-wire.ts';
import { waitFor } from '../../helpers/wait-for.ts';
import { createTopic, fetchOne, produce, valuesBatch } from './records.ts';

/*
 * What an answered produce makes visible. By default the high watermark moves at append, as
 * on a Kafka node with replication factor 1: once a produce (acks=1 or all) is answered,
 * ListOffsets, Fetch and DeleteRecords see its records, whatever the flush policy. With
 * `log.visibility: durable` it moves only with the syncs, and nothing beyond it is served.
 */

const ACKS_LEADER = 1;
const LATEST = -1n;
const TO_HIGH_WATERMARK = -1n;
/** Long enough that the interval policy's timer never syncs while a test runs. */
const SYNC_NEVER_MS = 3_600_000;
const ROUNDS = 100;

async function connect(t: ExecutionContext, port: number): Promise<WireClient> {
  const client = await WireClient.connect(port);
  t.teardown(() => {
    client.close();
  });
  return client;
}

async function latestOffset(client: WireClient, topic: string, version = 5): Promise<bigint> {
  const body = await client.request(ApiKey.LIST_OFFSETS, version, {
    replicaId: -1,
    isolationLevel: 0,
    topics: [{ name: topic, partitions: [{ partitionIndex: 0, timestamp: LATEST, maxNumOffsets: 1 }] }],
  });
  const partition = body.topics[0]?.partitions[0];
  if (partition?.errorCode !== ErrorCode.NONE) throw new Error(`ListOffsets ${topic}: ${JSON.stringify(partition?.errorCode)}`);
  return version === 0 ? (partition.oldStyleOffsets[0] ?? -1n) : partition.offset;
}

async function deleteRecords(client: WireClient, topic: string, offset: bigint): Promise<{ lowWatermark: bigint; errorCode: number }> {
  const body = await client.request(ApiKey.DELETE_RECORDS, 1, { topics: [{ name: topic, partitions: [{ partitionIndex: 0, offset }] }], timeoutMs: 5000 });
  const partition = body.topics[0]?.partitions[0];
  if (partition === undefined) throw new Error('no partition in the DeleteRecords response');
  return { lowWatermark: partition.lowWatermark, errorCode: partition.errorCode };
}

/** Fetches parked in the broker's purgatory; nothing on the wire says a fetch is waiting. */
function parkedFetches(broker: Broker): number {
  return (broker as unknown as { delayed: { size: number } }).delayed.size;
}

const policies = [
  { name: 'every-append', log: { flushPolicy: 'every-append' } },
  { name: 'interval', log: { flushPolicy: 'interval', flushIntervalMs: SYNC_NEVER_MS } },
  { name: 'none', log: { flushPolicy: 'none' } },
] as const;

for (const policy of policies) {
  test(`${policy.name}: an answered acks=1 produce is seen at once by ListOffsets, Fetch and DeleteRecords, every time`, async (t) => {
    const { port } = await startTestBroker(t, { autoCreateTopics: false, log: policy.log });
    const producer = await connect(t, port);
    const reader = await connect(t, port);
    await createTopic(producer, 'read-your-writes');
    let end = 0n;
    for (let round = 0; round < ROUNDS; round++) {
      const values = [`r${round}-a`, `r${round}-b`];
      const answer = await produce(producer, 'read-your-writes', 0, valuesBatch(values), { acks: ACKS_LEADER });
      t.is(answer.errorCode, ErrorCode.NONE);
      t.is(answer.baseOffset, end, `round ${round}: base offset`);
      end += 2n;

      t.is(await latestOffset(reader, 'read-your-writes'), end, `round ${round}: ListOffsets latest`);
      const fetched = await fetchOne(reader, 'read-your-writes', 0, answer.baseOffset);
      t.is(fetched.errorCode, ErrorCode.NONE, `round ${round}: Fetch error`);
      t.is(fetched.highWatermark, end, `round ${round}: Fetch high watermark`);
      t.deepEqual(
        decodeAll(fetched.records ?? Buffer.alloc(0)).map((r) => r.value?.toString('utf8')),
        values,
        `round ${round}: Fetch returns the records just written`,
      );
      t.deepEqual(await deleteRecords(reader, 'read-your-writes', end), { lowWatermark: end, errorCode: ErrorCode.NONE }, `round ${round}: DeleteRecords up to the end`);
    }
  });
}

test('interval with a sync far away: a parked long poll wakes for an acks=1 produce, not for the sync', async (t) => {
  const { broker, port } = await startTestBroker(t, { autoCreateTopics: false, log: { flushPolicy: 'interval', flushIntervalMs: SYNC_NEVER_MS } });
  const producer = await connect(t, port);
  const consumer = await connect(t, port);
  await createTopic(producer, 'woken');
  const polled = fetchOne(consumer, 'woken', 0, 0n, { maxWaitMs: 30_000, minBytes: 1 });
  await waitFor(() => parkedFetches(broker) === 1, { describe: () => 'the fetch to park' });
  t.is((await produce(producer, 'woken', 0, valuesBatch(['hello']), { acks: ACKS_LEADER })).errorCode, ErrorCode.NONE);
  const fetched = await polled;
  t.is(fetched.highWatermark, 1n);
  t.deepEqual(
    decodeAll(fetched.records ?? Buffer.alloc(0)).map((r) => r.value?.toString('utf8')),
    ['hello'],
  );
});

test('durable visibility, every-append: an acks=1 produce becomes visible with its sync and wakes a parked long poll', async (t) => {
  const { broker, port } = await startTestBroker(t, { autoCreateTopics: false, log: { flushPolicy: 'every-append', visibility: 'durable' } });
  const producer = await connect(t, port);
  const consumer = await connect(t, port);
  await createTopic(producer, 'synced');
  const polled = fetchOne(consumer, 'synced', 0, 0n, { maxWaitMs: 30_000, minBytes: 1 });
  await waitFor(() => parkedFetches(broker) === 1, { describe: () => 'the fetch to park' });
  t.is((await produce(producer, 'synced', 0, valuesBatch(['a', 'b']), { acks: ACKS_LEADER })).errorCode, ErrorCode.NONE);
  const fetched = await polled;
  t.is(fetched.highWatermark, 2n);
  t.deepEqual(
    decodeAll(fetched.records ?? Buffer.alloc(0)).map((r) => r.value?.toString('utf8')),
    ['a', 'b'],
  );
  t.is(await latestOffset(consumer, 'synced'), 2n);
});

/**
 * A partition whose high watermark lies below its log end, inside one segment: durable
 * visibility, an interval policy whose timer never fires during the test, and a flush
 * forced between the first two batches and the last two.
 */
test('durable visibility: nothing beyond the high watermark is served, by any Fetch version, ListOffsets or DeleteRecords', async (t) => {
  const { broker, port } = await startTestBroker(t, { autoCreateTopics: false, log: { flushPolicy: 'interval', flushIntervalMs: SYNC_NEVER_MS, visibility: 'durable' } });
  const client = await connect(t, port);
  await createTopic(client, 'bounded');
  const written: string[] = [];
  const write = async (i: number): Promise<void> => {
    const values = [`d${i}-a`, `d${i}-b`];
    const answer = await produce(client, 'bounded', 0, valuesBatch(values), { acks: ACKS_LEADER });
    t.is(answer.errorCode, ErrorCode.NONE);
    t.is(answer.baseOffset, BigInt(2 * i));
    written.push(...values);
  };
  await write(0);
  await write(1);
  const log = broker.topics.partition('bounded', 0)?.log;
  if (log === undefined) throw new Error('no log for bounded-0');
  await log.flush();
  await write(2);
  await write(3);
  const highWatermark = 4n;
  const logEnd = 8n;
  t.is(log.logEndOffset, logEnd);
  t.is(log.highWatermark, highWatermark, 'the last two batches are not synced yet');

  for (let version = 0; version <= 11; version++) {
    const fromStart = await fetchOne(client, 'bounded', 0, 0n, { version });
    t.is(fromStart.errorCode, ErrorCode.NONE, `Fetch v${version} from 0`);
    t.is(fromStart.highWatermark, highWatermark, `Fetch v${version} high watermark`);
    const offsets = decodeAll(fromStart.records ?? Buffer.alloc(0)).map((r) => r.offset);
    t.deepEqual(offsets, [0n, 1n, 2n, 3n], `Fetch v${version} from 0 serves exactly the records below the high watermark`);
    for (let offset = 0n; offset < logEnd; offset += 2n) {
      const read = await fetchOne(client, 'bounded', 0, offset, { version });
      const got = decodeAll(read.records ?? Buffer.alloc(0));
      t.is(read.errorCode, ErrorCode.NONE, `Fetch v${version} at ${offset}`);
      if (offset < highWatermark) {
        t.deepEqual(got[0]?.value?.toString('utf8'), written[Number(offset)], `Fetch v${version} at ${offset} serves the record below the high watermark`);
      }
      t.true(
        got.every((r) => r.offset < highWatermark),
        `Fetch v${version} at ${offset} returned offsets ${got.map((r) => r.offset).join(',')}, beyond the high watermark ${highWatermark}`,
      );
    }
    const atLogEnd = await fetchOne(client, 'bounded', 0, logEnd, { version });
    t.is(atLogEnd.errorCode, ErrorCode.NONE, `Fetch v${version} at the log end`);
    t.is(atLogEnd.records?.length ?? 0, 0, `Fetch v${version} at the log end is empty`);
  }

  for (let version = 0; version <= 5; version++) {
    t.is(await latestOffset(client, 'bounded', version), highWatermark, `ListOffsets v${version} latest`);
  }
  t.deepEqual(await deleteRecords(client, 'bounded', logEnd), { lowWatermark: -1n, errorCode: ErrorCode.OFFSET_OUT_OF_RANGE }, 'DeleteRecords beyond the high watermark');
  t.deepEqual(await deleteRecords(client, 'bounded', TO_HIGH_WATERMARK), { lowWatermark: highWatermark, errorCode: ErrorCode.NONE }, 'DeleteRecords -1 stops at the high watermark');
});
