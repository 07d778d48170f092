/**
 * kafkajs 2.2.4 transactional producers against a Brook broker: commit, abort, sendOffsets,
 * and the fencing of an older instance with the same transactional id. A read_committed
 * kafkajs consumer (readUncommitted: false) must see exactly the committed records, a
 * read_uncommitted one everything, and the group offsets sent in a transaction must appear
 * only once it commits.
 */
import test from 'ava';
import type { ExecutionContext } from 'ava';
import type { Kafka } from 'kafkajs';
import { startTestBroker } from '../helpers/broker.ts';
import { pollUntil, waitFor } from '../helpers/wait-for.ts';
import { connectedAdmin, connectedConsumer, connectedProducer, kafkaClient } from './kafkajs-helpers.ts';

const BROKER_CONFIG = { autoCreateTopics: false, groups: { initialRebalanceDelayMs: 0, offsetsTopicPartitions: 3 }, transactions: { stateLogPartitions: 3 } };
const CONSUMED_WITHIN_MS = 30_000;

/** Reads `topic` from the beginning with a fresh group until `expected` values arrived, then a little more (nothing else may come). */
async function consumeAll(t: ExecutionContext, kafka: Kafka, topic: string, readUncommitted: boolean, expected: number): Promise<string[]> {
  const consumer = await connectedConsumer(t, kafka, { groupId: `reader-${topic}-${readUncommitted ? 'all' : 'committed'}`, readUncommitted, maxWaitTimeInMs: 100 });
  await consumer.subscribe({ topic, fromBeginning: true });
  const values: string[] = [];
  await consumer.run({
    eachMessage: ({ message }) => {
      values.push(message.value?.toString() ?? '');
      return Promise.resolve();
    },
  });
  await waitFor(() => values.length >= expected, { timeoutMs: CONSUMED_WITHIN_MS, describe: () => `${values.length} of ${expected} values: ${values.join(',')}` });
  return values;
}

test('kafkajs: committed transactions are visible to read_committed consumers, aborted ones never; sendOffsets commits with the transaction', async (t) => {
  const { bootstrap } = await startTestBroker(t, BROKER_CONFIG);
  const kafka = kafkaClient(bootstrap, 'txn-kafkajs', 8);
  const admin = await connectedAdmin(t, kafka);
  t.true(await admin.createTopics({ topics: [{ topic: 'tx-out', numPartitions: 2 }, { topic: 'tx-in', numPartitions: 1 }], waitForLeaders: true }));
  const producer = await connectedProducer(t, kafka, { transactionalId: 'kafkajs-tx', idempotent: true, maxInFlightRequests: 1 });

  const first = await producer.transaction();
  await first.send({ topic: 'tx-out', messages: [{ partition: 0, value: 'c1' }, { partition: 1, value: 'c2' }] });
  await first.commit();

  const aborted = await producer.transaction();
  await aborted.send({ topic: 'tx-out', messages: [{ partition: 0, value: 'a1' }, { partition: 1, value: 'a2' }] });
  await aborted.sendOffsets({ consumerGroupId: 'tx-group', topics: [{ topic: 'tx-in', partitions: [{ partition: 0, offset: '99' }] }] });
  await aborted.abort();
  const afterAbort = await admin.fetchOffsets({ groupId: 'tx-group', topics: ['tx-in'] });
  t.is(afterAbort[0]?.partitions[0]?.offset, '-1', 'offsets sent in an aborted transaction are dropped');

  const third = await producer.transaction();
  await third.send({ topic: 'tx-out', messages: [{ partition: 0, value: 'c3' }] });
  await third.sendOffsets({ consumerGroupId: 'tx-group', topics: [{ topic: 'tx-in', partitions: [{ partition: 0, offset: '5' }] }] });
  await third.commit();

  const offsets = await pollUntil(
    () => admin.fetchOffsets({ groupId: 'tx-group', topics: ['tx-in'] }),
    (o) => o[0]?.partitions[0]?.offset === '5',
    'the offsets sent in the committed transaction',
  );
  t.is(offsets[0]?.partitions[0]?.offset, '5');

  const committed = await consumeAll(t, kafka, 'tx-out', false, 3);
  t.deepEqual([...committed].sort(), ['c1', 'c2', 'c3']);
  const everything = await consumeAll(t, kafka, 'tx-out', true, 5);
  t.deepEqual([...everything].sort(), ['a1', 'a2', 'c1', 'c2', 'c3']);
  // Every transaction left a marker, and none is left open: the ends are past the last markers.
  const ends = await admin.fetchTopicOffsets('tx-out');
  t.deepEqual(
    [...ends].sort((a, b) => a.partition - b.partition).map((o) => o.high),
    ['6', '4'],
  );
});

test('kafkajs: a second producer with the same transactional id fences the first, whose open transaction is aborted', async (t) => {
  const { bootstrap } = await startTestBroker(t, BROKER_CONFIG);
  const kafka = kafkaClient(bootstrap, 'txn-kafkajs-fence', 8);
  const admin = await connectedAdmin(t, kafka);
  t.true(await admin.createTopics({ topics: [{ topic: 'fenced', numPartitions: 1 }], waitForLeaders: true }));
  const zombie = await connectedProducer(t, kafka, { transactionalId: 'shared-id', idempotent: true, maxInFlightRequests: 1 });
  const old = await zombie.transaction();
  await old.send({ topic: 'fenced', messages: [{ value: 'zombie' }] });

  const fresh = await connectedProducer(t, kafka, { transactionalId: 'shared-id', idempotent: true, maxInFlightRequests: 1 });
  const current = await fresh.transaction();
  await current.send({ topic: 'fenced', messages: [{ value: 'fresh' }] });
  await current.commit();

  const error = await t.throwsAsync(old.commit());
  t.regex(`${error.name} ${error.message} ${(error as { type?: string }).type ?? ""}`, /INVALID_PRODUCER_EPOCH|PRODUCER_FENCED|epoch/i);
  const committed = await consumeAll(t, kafka, 'fenced', false, 1);
  t.deepEqual(committed, ['fresh']);
});
