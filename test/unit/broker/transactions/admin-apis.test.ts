import test from 'ava';
import { ApiKey, ErrorCode } from '../../../../core/protocol/index.ts';
import { injectBroker } from '../../../helpers/inject.ts';
import type { InjectedBroker } from '../../../helpers/inject.ts';
import { addPartitions, createTopic, endTxn, initProducer, settleTxn } from './inject-txn.ts';

/*
 * ListTransactions and DescribeTransactions (KIP-664, flexible from v0) through the broker's
 * dispatcher: what the coordinator holds, filtered, and one transactional id in detail.
 */

const TOPIC = 'admin-txn';

async function listed(broker: InjectedBroker, stateFilters: string[] = [], producerIdFilters: bigint[] = []): Promise<{ ids: string[]; unknown: string[] }> {
  const response = await broker.inject(ApiKey.LIST_TRANSACTIONS, 0, { stateFilters, producerIdFilters });
  if (response.errorCode !== ErrorCode.NONE) throw new Error(`ListTransactions: error ${response.errorCode}`);
  return { ids: response.transactionStates.map((s) => `${s.transactionalId}:${s.transactionState}`), unknown: response.unknownStateFilters };
}

test('ApiVersions advertises DescribeTransactions and ListTransactions v0 and TxnOffsetCommit up to v3', async (t) => {
  const broker = injectBroker(t);
  const response = await broker.inject(ApiKey.API_VERSIONS, 3, { clientSoftwareName: 'test', clientSoftwareVersion: '1' });
  const range = (apiKey: number) => response.apiKeys.find((k) => k.apiKey === apiKey);
  t.like(range(ApiKey.DESCRIBE_TRANSACTIONS), { minVersion: 0, maxVersion: 0 });
  t.like(range(ApiKey.LIST_TRANSACTIONS), { minVersion: 0, maxVersion: 0 });
  t.like(range(ApiKey.TXN_OFFSET_COMMIT), { minVersion: 0, maxVersion: 3 });
});

test('ListTransactions lists every transactional id with its producer and state, filtered by state and producer id', async (t) => {
  const broker = injectBroker(t);
  await createTopic(broker, TOPIC, 2);
  t.deepEqual(await listed(broker), { ids: [], unknown: [] });
  const idle = await initProducer(broker, 'idle');
  const open = await initProducer(broker, 'open');
  const done = await initProducer(broker, 'done');
  t.deepEqual(await addPartitions(broker, open, TOPIC, [0, 1]), [ErrorCode.NONE, ErrorCode.NONE]);
  t.deepEqual(await addPartitions(broker, done, TOPIC, [0]), [ErrorCode.NONE]);
  t.is(await endTxn(broker, done, true), ErrorCode.NONE);
  await settleTxn(broker, 'done');

  t.deepEqual((await listed(broker)).ids, ['done:CompleteCommit', 'idle:Empty', 'open:Ongoing']);
  t.deepEqual((await listed(broker, ['Ongoing'])).ids, ['open:Ongoing']);
  t.deepEqual((await listed(broker, ['Ongoing', 'Empty'])).ids, ['idle:Empty', 'open:Ongoing']);
  t.deepEqual((await listed(broker, [], [idle.producerId, done.producerId])).ids, ['done:CompleteCommit', 'idle:Empty']);
  t.deepEqual((await listed(broker, ['Empty'], [open.producerId])).ids, [], 'both filters must match');
  t.deepEqual(await listed(broker, ['Ongoing', 'Sleeping']), { ids: ['open:Ongoing'], unknown: ['Sleeping'] }, 'an unknown state is echoed, the known ones still filter');
});

test('DescribeTransactions gives state, producer, timeout, start time and open partitions; an unknown id is TRANSACTIONAL_ID_NOT_FOUND', async (t) => {
  const broker = injectBroker(t);
  await createTopic(broker, TOPIC, 3);
  const p = await initProducer(broker, 'described', 45_000);
  const startedAt = BigInt(broker.scheduler.now());
  await addPartitions(broker, p, TOPIC, [2, 0]);
  const response = await broker.inject(ApiKey.DESCRIBE_TRANSACTIONS, 0, { transactionalIds: ['described', 'nobody', ''] });
  t.is(response.transactionStates.length, 3);
  const [described, nobody, empty] = response.transactionStates;
  t.like(described, {
    errorCode: ErrorCode.NONE,
    transactionalId: 'described',
    transactionState: 'Ongoing',
    transactionTimeoutMs: 45_000,
    transactionStartTimeMs: startedAt,
    producerId: p.producerId,
    producerEpoch: p.producerEpoch,
  });
  t.deepEqual(described?.topics, [{ topic: TOPIC, partitions: [2, 0] }]);
  t.like(nobody, { errorCode: ErrorCode.TRANSACTIONAL_ID_NOT_FOUND, transactionalId: 'nobody' });
  t.like(empty, { errorCode: ErrorCode.INVALID_REQUEST });

  t.is(await endTxn(broker, p, false), ErrorCode.NONE);
  await settleTxn(broker, 'described');
  const after = await broker.inject(ApiKey.DESCRIBE_TRANSACTIONS, 0, { transactionalIds: ['described'] });
  t.like(after.transactionStates[0], { errorCode: ErrorCode.NONE, transactionState: 'CompleteAbort' });
  t.deepEqual(after.transactionStates[0]?.topics, [], 'a complete transaction holds no partitions');
});
