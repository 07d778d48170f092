/**
 * Brook's transactional producer against a Brook broker: committed records reach read_committed
 * consumers, aborted ones never do, offsets sent in a transaction take effect only on commit, a
 * newer producer with the same transactional id fences the older one, and the state machine
 * refuses calls out of order.
 */
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { Producer, ProducerFencedError, TransactionError, TransactionErrorCode } from '../../../client/index.ts';
import type { Consumer } from '../../../client/index.ts';
import { startTestBroker } from '../../helpers/broker.ts';
import { testClients } from '../../helpers/clients.ts';
import type { TestClients } from '../../helpers/clients.ts';
import { pollUntil } from '../../helpers/wait-for.ts';

const BROKER_CONFIG = { autoCreateTopics: false, groups: { initialRebalanceDelayMs: 0, offsetsTopicPartitions: 3 }, transactions: { stateLogPartitions: 3 } };

async function fixture(t: ExecutionContext, topics: readonly { name: string; partitions: number }[]): Promise<TestClients> {
  const { bootstrap } = await startTestBroker(t, BROKER_CONFIG);
  const clients = await testClients(t, bootstrap);
  await clients.admin.createTopics(topics.map((topic) => ({ topic: topic.name, numPartitions: topic.partitions })));
  return clients;
}

/** `partition:value` of every record delivered until `last` is, sorted. */
async function readUntil(consumer: Consumer, last: string): Promise<string[]> {
  const seen: string[] = [];
  for await (const batch of consumer) {
    for (const record of batch.records) seen.push(`${batch.partition}:${record.value?.toString() ?? 'null'}`);
    if (batch.records.some((r) => r.value?.toString() === last)) break;
  }
  return seen.sort();
}

test('a committed transaction is visible to read_committed consumers, an aborted one never; offsets commit only with the transaction', async (t) => {
  const f = await fixture(t, [
    { name: 'tx-out', partitions: 2 },
    { name: 'tx-in', partitions: 1 },
  ]);
  const producer = await f.producer({ transactionalId: 'brook-tx' });
  t.true(producer.idempotent);
  await producer.initTransactions();

  producer.beginTransaction();
  await Promise.all([producer.send({ topic: 'tx-out', partition: 0, value: 'c1' }), producer.send({ topic: 'tx-out', partition: 1, value: 'c2' })]);
  await producer.commitTransaction();

  producer.beginTransaction();
  await producer.sendBatch([
    { topic: 'tx-out', partition: 0, value: 'a1' },
    { topic: 'tx-out', partition: 1, value: 'a2' },
  ]);
  await producer.sendOffsetsToTransaction([{ topic: 'tx-in', partition: 0, offset: 99n }], { groupId: 'tx-group' });
  await producer.abortTransaction();
  const groupOffsets = async (): Promise<bigint[]> => (await f.admin.fetchCommittedOffsets('tx-group', ['tx-in'])).map((o) => o.offset);
  t.deepEqual(await groupOffsets(), [-1n], 'offsets sent in an aborted transaction are dropped');

  producer.beginTransaction();
  // Not awaited: commitTransaction() sends it first.
  const last = producer.send({ topic: 'tx-out', partition: 0, value: 'c3' });
  await producer.sendOffsetsToTransaction([{ topic: 'tx-in', partition: 0, offset: 5n }], 'tx-group');
  await producer.commitTransaction();
  t.is((await last).partition, 0);
  // The coordinator writes the markers after it answers EndTxn: the offsets appear with them.
  t.deepEqual(await pollUntil(groupOffsets, (o) => o[0] === 5n, 'the offsets sent in the committed transaction'), [5n]);

  const committed = await f.consumer({ isolationLevel: 'read_committed' });
  await committed.assign([
    { topic: 'tx-out', partition: 0, offset: 0n },
    { topic: 'tx-out', partition: 1, offset: 0n },
  ]);
  // a1 lies before c3 in partition 0: had it leaked, it would come before c3 does.
  const seen = await readUntil(committed, 'c3');
  t.false(seen.includes('0:a1'));
  t.deepEqual(
    seen.filter((v) => v.startsWith('0:')),
    ['0:c1', '0:c3'],
  );

  const everything = await f.consumer({ isolationLevel: 'read_uncommitted' });
  await everything.assign([{ topic: 'tx-out', partition: 0, offset: 0n }]);
  t.deepEqual(await readUntil(everything, 'c3'), ['0:a1', '0:c1', '0:c3']);
});

test('a second producer with the same transactional id fences the first, whose open transaction is aborted', async (t) => {
  const f = await fixture(t, [{ name: 'fenced', partitions: 1 }]);
  const zombie = await f.producer({ transactionalId: 'shared-id' });
  await zombie.initTransactions();
  zombie.beginTransaction();
  await zombie.send({ topic: 'fenced', value: 'zombie' });

  const fresh = await f.producer({ transactionalId: 'shared-id' });
  await fresh.initTransactions();
  fresh.beginTransaction();
  await fresh.send({ topic: 'fenced', value: 'fresh' });
  await fresh.commitTransaction();

  const error = await t.throwsAsync(zombie.commitTransaction(), { instanceOf: ProducerFencedError });
  t.is(error.code, TransactionErrorCode.FENCED);
  // Fatal: nothing more goes through this producer.
  t.throws(() => { zombie.beginTransaction(); }, { instanceOf: ProducerFencedError });
  await t.throwsAsync(zombie.abortTransaction(), { instanceOf: ProducerFencedError });

  const committed = await f.consumer({ isolationLevel: 'read_committed' });
  await committed.assign([{ topic: 'fenced', partition: 0, offset: 0n }]);
  t.deepEqual(await readUntil(committed, 'fresh'), ['0:fresh']);
});

test('the transaction state machine refuses calls out of order, as Kafka does', async (t) => {
  const f = await fixture(t, [{ name: 'states', partitions: 1 }]);
  const producer = await f.producer({ transactionalId: 'states-id' });
  const stateError = { instanceOf: TransactionError, code: TransactionErrorCode.STATE };
  t.throws(() => { producer.beginTransaction(); }, stateError);
  await producer.initTransactions();
  await t.throwsAsync(producer.initTransactions(), stateError);
  await t.throwsAsync(producer.send({ topic: 'states', value: 'outside' }), stateError);
  await t.throwsAsync(producer.commitTransaction(), stateError);
  producer.beginTransaction();
  t.throws(() => { producer.beginTransaction(); }, stateError);
  // An empty transaction commits without asking the coordinator anything.
  await producer.commitTransaction();
  producer.beginTransaction();
  await producer.send({ topic: 'states', value: 'v' });
  await producer.abortTransaction();

  const plain = await f.producer({});
  t.throws(() => { plain.beginTransaction(); }, { code: 'ERR_CLIENT_INVALID_CONFIG' });
  t.throws(() => new Producer({ bootstrapServers: 'localhost:1', transactionalId: 'x', idempotent: false }), { code: 'ERR_CLIENT_INVALID_CONFIG' });
});

test('a record that fails makes the transaction abortable: commit refuses, abort recovers, the next transaction commits', async (t) => {
  const f = await fixture(t, [{ name: 'recover', partitions: 1 }]);
  const producer = await f.producer({ transactionalId: 'recover-id', maxBlockMs: 2000 });
  await producer.initTransactions();
  producer.beginTransaction();
  await producer.send({ topic: 'recover', value: 'doomed' });
  // Auto-creation is off: the record fails, and with it the transaction.
  await t.throwsAsync(producer.send({ topic: 'no-such-topic', value: 'x' }));
  const abortable = { instanceOf: TransactionError, code: TransactionErrorCode.ABORTABLE };
  await t.throwsAsync(producer.commitTransaction(), abortable);
  await t.throwsAsync(producer.send({ topic: 'recover', value: 'after' }), abortable);
  await producer.abortTransaction();

  producer.beginTransaction();
  await producer.send({ topic: 'recover', value: 'kept' });
  await producer.commitTransaction();
  const committed = await f.consumer({ isolationLevel: 'read_committed' });
  await committed.assign([{ topic: 'recover', partition: 0, offset: 0n }]);
  t.deepEqual(await readUntil(committed, 'kept'), ['0:kept']);
});
