import test from 'ava';
import type { ExecutionContext } from 'ava';
import path from 'node:path';
import { PartitionLog } from '../../../core/log/index.ts';
import { ApiKey, ErrorCode } from '../../../core/protocol/index.ts';
import { encodeTxnKey, encodeTxnValue, transactionStatePartitionFor, TxnState } from '../../../broker/transactions/index.ts';
import { encodeRecordBatch } from '../../../core/records/index.ts';
import { startTestBroker } from '../../helpers/broker.ts';
import { WireClient } from '../../helpers/kafka-wire.ts';
import { pollUntil } from '../../helpers/wait-for.ts';
import { createTopic, valuesBatch } from './records.ts';
import { readCommitted } from './transactions-reads.ts';
import type { CommittedView } from './transactions-reads.ts';

/*
 * The transaction APIs over the wire, as a transactional producer drives them: FindCoordinator
 * (key type 1), InitProducerId, AddPartitionsToTxn, Produce, AddOffsetsToTxn, TxnOffsetCommit
 * and EndTxn, checked through read_committed fetches and OffsetFetch.
 */

const TOPIC = 'txn-wire';
const GROUP = 'txn-group';

async function connect(t: ExecutionContext, port: number): Promise<WireClient> {
  const client = await WireClient.connect(port);
  t.teardown(() => {
    client.close();
  });
  return client;
}

interface Producer {
  transactionalId: string;
  producerId: bigint;
  producerEpoch: number;
  seq: number;
}

async function init(client: WireClient, transactionalId: string, transactionTimeoutMs = 60_000): Promise<Producer> {
  const found = await client.request(ApiKey.FIND_COORDINATOR, 1, { key: transactionalId, keyType: 1 });
  if (found.errorCode !== ErrorCode.NONE) throw new Error(`FindCoordinator: ${found.errorCode}`);
  for (;;) {
    const r = await client.request(ApiKey.INIT_PRODUCER_ID, 1, { transactionalId, transactionTimeoutMs });
    if (r.errorCode === ErrorCode.CONCURRENT_TRANSACTIONS) continue;
    if (r.errorCode !== ErrorCode.NONE) throw new Error(`InitProducerId: ${r.errorCode}`);
    return { transactionalId, producerId: r.producerId, producerEpoch: r.producerEpoch, seq: 0 };
  }
}

async function addPartitions(client: WireClient, p: Producer, partitions: number[], version = 1): Promise<number[]> {
  const r = await client.request(ApiKey.ADD_PARTITIONS_TO_TXN, version, {
    v3AndBelowTransactionalId: p.transactionalId,
    v3AndBelowProducerId: p.producerId,
    v3AndBelowProducerEpoch: p.producerEpoch,
    v3AndBelowTopics: [{ name: TOPIC, partitions }],
  });
  return r.resultsByTopicV3AndBelow[0]!.resultsByPartition.map((x) => x.partitionErrorCode);
}

async function send(client: WireClient, p: Producer, partition: number, values: string[]): Promise<number> {
  const records = valuesBatch(values, { producerId: p.producerId, producerEpoch: p.producerEpoch, baseSequence: p.seq, transactional: true });
  const r = await client.request(ApiKey.PRODUCE, 8, {
    transactionalId: p.transactionalId,
    acks: -1,
    timeoutMs: 5000,
    topicData: [{ name: TOPIC, partitionData: [{ index: partition, records }] }],
  });
  const code = r.responses[0]!.partitionResponses[0]!.errorCode;
  if (code === ErrorCode.NONE) p.seq += values.length;
  return code;
}

async function endTxn(client: WireClient, p: Producer, committed: boolean): Promise<number> {
  const r = await client.request(ApiKey.END_TXN, 1, { transactionalId: p.transactionalId, producerId: p.producerId, producerEpoch: p.producerEpoch, committed });
  return r.errorCode;
}

function committedValues(client: WireClient, partition: number): Promise<CommittedView> {
  return readCommitted(client, TOPIC, partition);
}

async function groupOffset(client: WireClient, partition: number): Promise<bigint> {
  const r = await client.request(ApiKey.OFFSET_FETCH, 1, { groupId: GROUP, topics: [{ name: TOPIC, partitionIndexes: [partition] }] });
  return r.topics[0]!.partitions[0]!.committedOffset;
}

test('a committed transaction’s records and offsets become visible together; the APIs are advertised from version 0', async (t) => {
  const { port } = await startTestBroker(t);
  const client = await connect(t, port);
  await createTopic(client, TOPIC, 2);
  const versions = await client.request(ApiKey.API_VERSIONS, 0, {});
  for (const [key, max] of [
    [ApiKey.ADD_PARTITIONS_TO_TXN, 2],
    [ApiKey.ADD_OFFSETS_TO_TXN, 1],
    [ApiKey.END_TXN, 1],
    [ApiKey.TXN_OFFSET_COMMIT, 3],
    [ApiKey.INIT_PRODUCER_ID, 1],
  ] as const) {
    t.like(versions.apiKeys.find((k) => k.apiKey === key), { minVersion: 0, maxVersion: max }, `API ${key}`);
  }

  const p = await init(client, 'tx-wire');
  t.deepEqual(await addPartitions(client, p, [0, 1]), [ErrorCode.NONE, ErrorCode.NONE]);
  t.is(await send(client, p, 0, ['c0', 'c1']), ErrorCode.NONE);
  t.is(await send(client, p, 1, ['c2']), ErrorCode.NONE);
  const addOffsets = await client.request(ApiKey.ADD_OFFSETS_TO_TXN, 1, { transactionalId: p.transactionalId, producerId: p.producerId, producerEpoch: p.producerEpoch, groupId: GROUP });
  t.is(addOffsets.errorCode, ErrorCode.NONE);
  const commit = await client.request(ApiKey.TXN_OFFSET_COMMIT, 2, {
    transactionalId: p.transactionalId,
    groupId: GROUP,
    producerId: p.producerId,
    producerEpoch: p.producerEpoch,
    topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0, committedOffset: 17n, committedLeaderEpoch: -1, committedMetadata: null }] }],
  });
  t.is(commit.topics[0]!.partitions[0]!.errorCode, ErrorCode.NONE);

  t.like(await committedValues(client, 0), { values: [], lastStableOffset: 0n, highWatermark: 2n }, 'nothing is stable while the transaction is open');
  t.is(await groupOffset(client, 0), -1n, 'the transactional offset is pending');

  t.is(await endTxn(client, p, true), ErrorCode.NONE);
  await pollUntil(() => committedValues(client, 1), (v) => v.lastStableOffset === 2n, 'the commit markers');
  t.like(await committedValues(client, 0), { values: ['c0', 'c1'], lastStableOffset: 3n, highWatermark: 3n });
  t.deepEqual((await committedValues(client, 1)).values, ['c2']);
  await pollUntil(() => groupOffset(client, 0), (offset) => offset === 17n, 'the committed transactional offset');
});

test('an aborted transaction’s records and offsets never become visible', async (t) => {
  const { port } = await startTestBroker(t);
  const client = await connect(t, port);
  await createTopic(client, TOPIC, 1);
  const p = await init(client, 'tx-abort');
  await addPartitions(client, p, [0]);
  t.is(await send(client, p, 0, ['aborted-a', 'aborted-b']), ErrorCode.NONE);
  await client.request(ApiKey.ADD_OFFSETS_TO_TXN, 1, { transactionalId: p.transactionalId, producerId: p.producerId, producerEpoch: p.producerEpoch, groupId: GROUP });
  await client.request(ApiKey.TXN_OFFSET_COMMIT, 2, {
    transactionalId: p.transactionalId,
    groupId: GROUP,
    producerId: p.producerId,
    producerEpoch: p.producerEpoch,
    topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0, committedOffset: 99n, committedLeaderEpoch: -1, committedMetadata: null }] }],
  });
  t.is(await endTxn(client, p, false), ErrorCode.NONE);
  await pollUntil(() => committedValues(client, 0), (v) => v.lastStableOffset === 3n, 'the abort marker');
  t.deepEqual((await committedValues(client, 0)).values, []);
  t.is(await groupOffset(client, 0), -1n);
});

test('a second producer with the same transactional id fences the first: old-epoch requests get INVALID_PRODUCER_EPOCH (v0–1) or PRODUCER_FENCED (AddPartitionsToTxn v2)', async (t) => {
  const { port } = await startTestBroker(t);
  const client = await connect(t, port);
  await createTopic(client, TOPIC, 1);
  const first = await init(client, 'tx-fence');
  await addPartitions(client, first, [0]);
  t.is(await send(client, first, 0, ['zombie-1']), ErrorCode.NONE);
  const second = await init(client, 'tx-fence');
  t.is(second.producerEpoch, first.producerEpoch + 2, 'one bump to abort the open transaction, one for the new instance');
  t.is(await send(client, first, 0, ['zombie-2']), ErrorCode.INVALID_PRODUCER_EPOCH);
  t.is(await endTxn(client, first, true), ErrorCode.INVALID_PRODUCER_EPOCH);
  t.deepEqual(await addPartitions(client, first, [0], 1), [ErrorCode.INVALID_PRODUCER_EPOCH]);
  t.deepEqual(await addPartitions(client, first, [0], 2), [ErrorCode.PRODUCER_FENCED]);
  t.deepEqual((await committedValues(client, 0)).values, [], 'the zombie’s record was aborted');
});

test('KIP-890: a transactional produce to a partition not in the transaction is refused, so a late write cannot hang the partition', async (t) => {
  const { port } = await startTestBroker(t);
  const client = await connect(t, port);
  await createTopic(client, TOPIC, 1);
  const p = await init(client, 'tx-hang');
  // Without AddPartitionsToTxn the broker would open a transaction no marker will close.
  t.is(await send(client, p, 0, ['unannounced']), ErrorCode.INVALID_TXN_STATE);
  await addPartitions(client, p, [0]);
  t.is(await send(client, p, 0, ['in-txn']), ErrorCode.NONE);
  t.is(await endTxn(client, p, true), ErrorCode.NONE);
  await pollUntil(() => committedValues(client, 0), (v) => v.lastStableOffset === 2n, 'the commit marker');
  // The hanging-transaction case: a produce delayed past its transaction's commit (a
  // retry, or a zombie) arrives now. Appended, it would open a transaction the coordinator
  // never hears of: no marker would come, and the last stable offset would stay put forever.
  t.is(await send(client, p, 0, ['late']), ErrorCode.INVALID_TXN_STATE);
  const after = await committedValues(client, 0);
  t.is(after.lastStableOffset, after.highWatermark, 'nothing is left open');
  t.deepEqual(after.values, ['in-txn']);
});

test('after a restart a committed transaction’s records and offsets stay visible, and an open one still holds the LSO until it is fenced', async (t) => {
  const started = await startTestBroker(t);
  const client = await connect(t, started.port);
  await createTopic(client, TOPIC, 1);
  const p = await init(client, 'tx-restart');
  await addPartitions(client, p, [0]);
  await send(client, p, 0, ['r0']);
  await client.request(ApiKey.ADD_OFFSETS_TO_TXN, 1, { transactionalId: p.transactionalId, producerId: p.producerId, producerEpoch: p.producerEpoch, groupId: GROUP });
  await client.request(ApiKey.TXN_OFFSET_COMMIT, 2, {
    transactionalId: p.transactionalId,
    groupId: GROUP,
    producerId: p.producerId,
    producerEpoch: p.producerEpoch,
    topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0, committedOffset: 5n, committedLeaderEpoch: -1, committedMetadata: null }] }],
  });
  const open = await init(client, 'tx-open');
  await addPartitions(client, open, [0]);
  await send(client, open, 0, ['left-open']);
  t.is(await endTxn(client, p, true), ErrorCode.NONE);
  await pollUntil(() => groupOffset(client, 0), (offset) => offset === 5n, 'the committed transactional offset');
  client.close();
  const restarted = await started.restart();
  const again = await connect(t, restarted.port);
  // tx-open is still ongoing, so the LSO stays at its first record; tx-restart is committed.
  const state = await committedValues(again, 0);
  t.is(state.lastStableOffset, 1n);
  t.deepEqual(state.values, ['r0']);
  // Rebuilt from __consumer_offsets: the transactional offset record, then its COMMIT marker.
  t.is(await groupOffset(again, 0), 5n);
  const next = await init(again, 'tx-open');
  t.is(next.producerEpoch, open.producerEpoch + 2);
  await pollUntil(() => committedValues(again, 0), (v) => v.lastStableOffset === v.highWatermark, 'the fencing abort');
  t.deepEqual((await committedValues(again, 0)).values, ['r0']);
});

test('a broker that died right after writing PrepareCommit completes the commit when it restarts: markers written, LSO advanced', async (t) => {
  const started = await startTestBroker(t);
  const client = await connect(t, started.port);
  await createTopic(client, TOPIC, 1);
  const p = await init(client, 'tx-crash');
  await addPartitions(client, p, [0]);
  t.is(await send(client, p, 0, ['d0', 'd1']), ErrorCode.NONE);
  t.like(await committedValues(client, 0), { lastStableOffset: 0n, values: [] });
  client.close();
  await started.broker.close();

  // What a kill -9 just after the PrepareCommit write (before any marker) leaves on disk.
  const partition = transactionStatePartitionFor('tx-crash', 50);
  const stateLog = PartitionLog.open(path.join(started.dataDir, `__transaction_state-${partition}`));
  const value = encodeTxnValue({
    producerId: p.producerId,
    producerEpoch: p.producerEpoch,
    timeoutMs: 60_000,
    state: TxnState.PREPARE_COMMIT,
    partitions: [{ topic: TOPIC, partitions: [0] }],
    lastUpdateMs: 1n,
    startMs: 1n,
  });
  stateLog.append(encodeRecordBatch([{ timestamp: 1n, key: encodeTxnKey('tx-crash'), value }]), { origin: 'internal' });
  await stateLog.close();

  const restarted = await started.restart();
  const again = await connect(t, restarted.port);
  const after = await pollUntil(() => committedValues(again, 0), (v) => v.lastStableOffset === 3n, 'the commit marker written after the restart');
  t.deepEqual(after.values, ['d0', 'd1']);
  t.is(after.highWatermark, 3n, 'two records and one marker');
  // The producer can carry on: the transaction is complete.
  const next = await init(again, 'tx-crash');
  t.is(next.producerEpoch, p.producerEpoch + 1);
});
