import test from 'ava';
import type { ExecutionContext } from 'ava';
import type { Broker } from '../../../broker/index.ts';
import { PartitionWatch } from '../../../broker/fetch/partition-watch.ts';
import { ApiKey, ErrorCode } from '../../../core/protocol/index.ts';
import { ControlRecordType } from '../../../core/records/index.ts';
import { decodeAll } from '../../helpers/decode-all.ts';
import { startTestBroker } from '../../helpers/broker.ts';
import { WireClient } from '../../helpers/kafka-wire.ts';
import { createTopic, valuesBatch } from './records.ts';

/*
 * What a read_committed consumer sees of a partition with transactions: Fetch stops at the
 * last stable offset (the first offset of the earliest open transaction) and lists the
 * aborted transactions overlapping what it returns; ListOffsets latest is the last stable
 * offset. The transactional data is written through the broker's own append and marker
 * path, as the transaction coordinator and a transactional Produce do.
 */

const TOPIC = 'txn-visibility';
const READ_UNCOMMITTED = 0;
const READ_COMMITTED = 1;
const LATEST = -1n;
/** Fetch carries the isolation level from v4 on, ListOffsets from v2. */
const FETCH_VERSIONS = [4, 5, 6, 7, 8, 9, 10, 11];
const LIST_OFFSETS_VERSIONS = [2, 3, 4, 5];

async function connect(t: ExecutionContext, port: number): Promise<WireClient> {
  const client = await WireClient.connect(port);
  t.teardown(() => {
    client.close();
  });
  return client;
}

function handleOf(broker: Broker): NonNullable<ReturnType<Broker['topics']['partition']>> {
  const handle = broker.topics.partition(TOPIC, 0);
  if (handle === undefined) throw new Error('partition not open');
  return handle;
}

/** Appends a batch as Produce would: transactional ones open (or extend) the producer's transaction. */
function write(broker: Broker, values: string[], producer?: { id: bigint; seq: number }): void {
  const transactional = producer !== undefined;
  const batch = valuesBatch(values, transactional ? { producerId: producer.id, producerEpoch: 0, baseSequence: producer.seq, transactional } : {});
  const producerBatches = transactional ? [{ producerId: producer.id, producerEpoch: 0, baseSequence: producer.seq, recordCount: values.length, transactional }] : [];
  const result = broker.topics.append(handleOf(broker), batch, { origin: 'client', producerBatches, watch: new PartitionWatch() });
  if (result.kind !== 'appended') throw new Error(`append refused: ${JSON.stringify(result)}`);
}

function marker(broker: Broker, producerId: bigint, type: ControlRecordType): void {
  const result = broker.topics.appendMarker(handleOf(broker), { producerId, producerEpoch: 0, type, coordinatorEpoch: 0, timestamp: 1_700_000_000_000n }, new PartitionWatch());
  if (result.kind !== 'appended') throw new Error(`marker refused: ${JSON.stringify(result)}`);
}

async function fetch(client: WireClient, version: number, isolationLevel: number, fetchOffset: bigint) {
  const response = await client.request(ApiKey.FETCH, version, {
    replicaId: -1,
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes: 1 << 20,
    isolationLevel,
    topics: [{ topic: TOPIC, partitions: [{ partition: 0, fetchOffset, partitionMaxBytes: 1 << 20 }] }],
  });
  const p = response.responses[0]!.partitions[0]!;
  return {
    errorCode: p.errorCode,
    highWatermark: p.highWatermark,
    lastStableOffset: p.lastStableOffset,
    offsets: decodeAll(p.records ?? Buffer.alloc(0)).map((r) => r.offset),
    aborted: p.abortedTransactions?.map((a) => [a.producerId, a.firstOffset]) ?? null,
  };
}

async function latest(client: WireClient, version: number, isolationLevel: number): Promise<bigint> {
  const body = await client.request(ApiKey.LIST_OFFSETS, version, {
    replicaId: -1,
    isolationLevel,
    topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0, timestamp: LATEST, maxNumOffsets: 1 }] }],
  });
  const p = body.topics[0]!.partitions[0]!;
  if (p.errorCode !== ErrorCode.NONE) throw new Error(`ListOffsets error ${p.errorCode}`);
  return p.offset;
}

test('read_committed stops at the last stable offset and lists aborted transactions; read_uncommitted reads to the high watermark', async (t) => {
  const started = await startTestBroker(t);
  const client = await connect(t, started.port);
  await createTopic(client, TOPIC);
  const { broker } = started;
  write(broker, ['a0', 'a1'], { id: 1n, seq: 0 }); // 0..1, producer 1's transaction
  write(broker, ['plain']); // 2
  write(broker, ['b0'], { id: 2n, seq: 0 }); // 3, producer 2's transaction
  marker(broker, 1n, ControlRecordType.ABORT); // 4
  t.is(broker.topics.lastStableOffset(handleOf(broker)), 3n);

  for (const version of FETCH_VERSIONS) {
    t.deepEqual(
      await fetch(client, version, READ_COMMITTED, 0n),
      { errorCode: ErrorCode.NONE, highWatermark: 5n, lastStableOffset: 3n, offsets: [0n, 1n, 2n], aborted: [[1n, 0n]] },
      `Fetch v${version} read_committed`,
    );
    t.like(await fetch(client, version, READ_COMMITTED, 3n), { offsets: [], aborted: [], lastStableOffset: 3n }, `v${version}: nothing is stable at 3 yet`);
    t.deepEqual(
      await fetch(client, version, READ_UNCOMMITTED, 0n),
      { errorCode: ErrorCode.NONE, highWatermark: 5n, lastStableOffset: 3n, offsets: [0n, 1n, 2n, 3n, 4n], aborted: null },
      `Fetch v${version} read_uncommitted`,
    );
  }
  for (const version of LIST_OFFSETS_VERSIONS) {
    t.is(await latest(client, version, READ_COMMITTED), 3n, `ListOffsets v${version} read_committed`);
    t.is(await latest(client, version, READ_UNCOMMITTED), 5n, `ListOffsets v${version} read_uncommitted`);
  }

  marker(broker, 2n, ControlRecordType.COMMIT); // 5
  t.is(await latest(client, 5, READ_COMMITTED), 6n);
  for (const version of FETCH_VERSIONS) {
    t.like(await fetch(client, version, READ_COMMITTED, 0n), { lastStableOffset: 6n, offsets: [0n, 1n, 2n, 3n, 4n, 5n], aborted: [[1n, 0n]] }, `v${version} after the commit`);
    t.like(await fetch(client, version, READ_COMMITTED, 5n), { offsets: [5n], aborted: [] }, `v${version}: the abort lies before offset 5`);
  }
});

test('the last stable offset and the aborted transactions survive a restart', async (t) => {
  const started = await startTestBroker(t);
  const client = await connect(t, started.port);
  await createTopic(client, TOPIC);
  write(started.broker, ['x'], { id: 7n, seq: 0 }); // 0
  marker(started.broker, 7n, ControlRecordType.ABORT); // 1
  write(started.broker, ['y'], { id: 8n, seq: 0 }); // 2, left open
  write(started.broker, ['z']); // 3
  client.close();

  const restarted = await started.restart();
  const again = await connect(t, restarted.port);
  t.is(restarted.broker.topics.lastStableOffset(handleOf(restarted.broker)), 2n);
  t.deepEqual(await fetch(again, 11, READ_COMMITTED, 0n), { errorCode: ErrorCode.NONE, highWatermark: 4n, lastStableOffset: 2n, offsets: [0n, 1n], aborted: [[7n, 0n]] });
  marker(restarted.broker, 8n, ControlRecordType.COMMIT); // 4
  t.like(await fetch(again, 11, READ_COMMITTED, 0n), { lastStableOffset: 5n, offsets: [0n, 1n, 2n, 3n, 4n] });
});
