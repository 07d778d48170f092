/**
 * kill -9 in the middle of completing a transaction. The broker runs as a child process (the
 * real CLI) with BROOK_TXN_HALT_AT set, which stops the coordinator at an exact step (PrepareCommit
 * or PrepareAbort durable and no marker yet, or the first marker durable and no other): the
 * test sees the 'transaction halted for a crash test' line, checks that the partitions are still
 * unstable, sends SIGKILL, and restarts the broker on the same data directory without the hook.
 * The restarted coordinator must finish the transaction: a marker on every partition of it
 * (`__consumer_offsets` included), the last stable offset up to the high watermark, the
 * group's transactional offset committed or dropped, and no aborted record for read_committed.
 */
import test from 'ava';
import type { ExecutionContext } from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { Producer } from '../../../client/index.ts';
import { ApiKey } from '../../../core/protocol/index.ts';
import { TXN_HALT_ENV, TxnHaltPoint } from '../../../broker/transactions/index.ts';
import { startBrokerProcess } from '../../helpers/broker-process.ts';
import type { BrokerLogLine } from '../../helpers/broker-process.ts';
import { WireClient } from '../../helpers/kafka-wire.ts';
import { tempDir } from '../../helpers/temp-dir.ts';
import { pollUntil, waitFor } from '../../helpers/wait-for.ts';
import { createTopic } from './records.ts';
import { markersIn, readCommitted } from './transactions-reads.ts';

const TOPIC = 'crash-txn';
const GROUP = 'crash-group';
const OFFSETS_TOPIC = '__consumer_offsets';
const BROKER_CONFIG = { autoCreateTopics: false, groups: { initialRebalanceDelayMs: 0, offsetsTopicPartitions: 1 }, transactions: { stateLogPartitions: 1 } };

interface BrokerChild {
  readonly port: number;
  readonly lines: readonly BrokerLogLine[];
  readonly client: WireClient;
  kill(): Promise<void>;
}

async function startBroker(t: ExecutionContext, dataDir: string, configFile: string, haltAt?: TxnHaltPoint): Promise<BrokerChild> {
  const broker = await startBrokerProcess(t, { dataDir, configFile, env: { [TXN_HALT_ENV]: haltAt } });
  const client = await WireClient.connect(broker.port);
  t.teardown(() => {
    client.close();
  });
  return {
    port: broker.port,
    lines: broker.lines,
    client,
    kill: async () => {
      client.close();
      await broker.kill();
    },
  };
}

async function groupOffset(client: WireClient): Promise<bigint> {
  const response = await client.request(ApiKey.OFFSET_FETCH, 1, { groupId: GROUP, topics: [{ name: TOPIC, partitionIndexes: [0] }] });
  return response.topics[0]!.partitions[0]!.committedOffset;
}

/** Every partition of the transaction: the topic's three and the group's offsets partition. */
const TXN_PARTITIONS = [
  { topic: TOPIC, partition: 0 },
  { topic: TOPIC, partition: 1 },
  { topic: TOPIC, partition: 2 },
  { topic: OFFSETS_TOPIC, partition: 0 },
];

async function crashMidCompletion(t: ExecutionContext, committed: boolean, haltAt: TxnHaltPoint): Promise<void> {
  const root = tempDir(t);
  const dataDir = path.join(root, 'data');
  const configFile = path.join(root, 'broker.json');
  fs.writeFileSync(configFile, JSON.stringify(BROKER_CONFIG));
  const first = await startBroker(t, dataDir, configFile, haltAt);
  await createTopic(first.client, TOPIC, 3);

  // Records outside any transaction, written first: read_committed must keep showing them.
  const plain = new Producer({ bootstrapServers: `127.0.0.1:${first.port}`, lingerMs: 0 });
  await plain.connect();
  await plain.sendBatch([0, 1, 2].map((partition) => ({ topic: TOPIC, partition, value: `plain-${partition}` })));
  await plain.close();

  const producer = new Producer({ bootstrapServers: `127.0.0.1:${first.port}`, lingerMs: 0, transactionalId: 'crash-tx' });
  await producer.connect();
  await producer.initTransactions();
  producer.beginTransaction();
  await producer.sendBatch([0, 1, 2].flatMap((partition) => [1, 2].map((n) => ({ topic: TOPIC, partition, value: `txn-${partition}-${n}` }))));
  await producer.sendOffsetsToTransaction([{ topic: TOPIC, partition: 0, offset: 42n }], GROUP);
  const { producerId } = producer.producerIdentity;
  // Answered once the decision is durable; the coordinator then halts.
  if (committed) await producer.commitTransaction();
  else await producer.abortTransaction();
  await producer.close();
  await waitFor(() => first.lines.some((l) => l.msg === 'transaction halted for a crash test' && l['point'] === haltAt), { timeoutMs: 10_000, describe: () => 'the halt line' });

  const markersBefore = await Promise.all(TXN_PARTITIONS.map((p) => markersIn(first.client, p.topic, p.partition)));
  t.is(markersBefore.flat().length, haltAt === TxnHaltPoint.FIRST_MARKER_WRITTEN ? 1 : 0, 'the halt came at the step named');
  for (const partition of [0, 1, 2]) {
    const view = await readCommitted(first.client, TOPIC, partition);
    const marked = markersBefore[partition]!.length > 0;
    if (!marked) t.deepEqual(view.values, [`plain-${partition}`], `partition ${partition}: unstable, the transaction hidden`);
    if (!marked) t.true(view.lastStableOffset < view.highWatermark, `partition ${partition}: the LSO waits`);
  }
  t.is(await groupOffset(first.client), -1n, 'the transactional offset is pending');
  await first.kill();

  const second = await startBroker(t, dataDir, configFile);
  const markers = await pollUntil(
    () => Promise.all(TXN_PARTITIONS.map((p) => markersIn(second.client, p.topic, p.partition))),
    (all) => all.every((m) => m.length >= 1),
    'a marker on every partition of the transaction',
  );
  // The restart writes every marker of the decided transaction again, as Kafka's coordinator
  // does after loading: the partition that already had one gets a second, which readers ignore.
  for (const [i, m] of markers.entries()) {
    const where = `${TXN_PARTITIONS[i]!.topic}-${TXN_PARTITIONS[i]!.partition}`;
    t.true(m.length <= 2, where);
    for (const x of m) t.deepEqual({ producerId: x.producerId, committed: x.committed }, { producerId, committed }, where);
  }
  for (const partition of [0, 1, 2]) {
    const view = await readCommitted(second.client, TOPIC, partition);
    t.is(view.lastStableOffset, view.highWatermark, `partition ${partition}: the LSO advanced to the end`);
    t.deepEqual(view.values, committed ? [`plain-${partition}`, `txn-${partition}-1`, `txn-${partition}-2`] : [`plain-${partition}`], `partition ${partition}`);
  }
  t.is(await pollUntil(() => groupOffset(second.client), (o) => !committed || o === 42n, 'the group offset'), committed ? 42n : -1n);

  // The transactional id carries on after the restart.
  const again = new Producer({ bootstrapServers: `127.0.0.1:${second.port}`, lingerMs: 0, transactionalId: 'crash-tx' });
  t.teardown(() => again.close());
  await again.connect();
  await again.initTransactions();
  await again.transaction(async (tx) => {
    await tx.send({ topic: TOPIC, partition: 1, value: 'after' });
  });
  const after = await pollUntil(() => readCommitted(second.client, TOPIC, 1), (v) => v.values.includes('after'), 'the transaction after the restart');
  t.is(after.values.filter((v) => v.startsWith('txn-')).length, committed ? 2 : 0, 'the crashed transaction’s outcome stands');
}

test('kill -9 after PrepareCommit: the restarted coordinator writes every COMMIT marker', async (t) => {
  await crashMidCompletion(t, true, TxnHaltPoint.PREPARE_WRITTEN);
});

test('kill -9 after the first COMMIT marker: the restarted coordinator writes the rest', async (t) => {
  await crashMidCompletion(t, true, TxnHaltPoint.FIRST_MARKER_WRITTEN);
});

test('kill -9 after PrepareAbort: the restarted coordinator writes every ABORT marker and nothing aborted is read', async (t) => {
  await crashMidCompletion(t, false, TxnHaltPoint.PREPARE_WRITTEN);
});

test('kill -9 after the first ABORT marker: the rest are written and nothing aborted is read', async (t) => {
  await crashMidCompletion(t, false, TxnHaltPoint.FIRST_MARKER_WRITTEN);
});
