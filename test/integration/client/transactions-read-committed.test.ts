/**
 * The consumer's isolationLevel against a Brook broker holding real transactional logs written
 * by a kafkajs 2.2.4 transactional producer: read_committed never delivers aborted records,
 * open transactions' records or control batches, and resets "latest" to the last stable offset;
 * read_uncommitted delivers every data record.
 */
import test from 'ava';
import type { ExecutionContext } from 'ava';
import type { Producer } from 'kafkajs';
import { Consumer } from '../../../client/index.ts';
import type { ConsumerOptions } from '../../../client/index.ts';
import { startTestBroker } from '../../helpers/broker.ts';
import { connectedAdmin, connectedProducer, kafkaClient } from '../../interop/kafkajs-helpers.ts';

const BROKER_CONFIG = { autoCreateTopics: false, groups: { initialRebalanceDelayMs: 0, offsetsTopicPartitions: 3 }, transactions: { stateLogPartitions: 3 } };

async function setup(t: ExecutionContext, topic: string): Promise<{ producer: Producer; consumer: (options: Partial<ConsumerOptions>) => Promise<Consumer> }> {
  const { bootstrap } = await startTestBroker(t, BROKER_CONFIG);
  const kafka = kafkaClient(bootstrap, `txn-${topic}`, 8);
  const admin = await connectedAdmin(t, kafka);
  t.true(await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true }));
  const producer = await connectedProducer(t, kafka, { transactionalId: `tx-${topic}`, idempotent: true, maxInFlightRequests: 1 });
  return {
    producer,
    consumer: async (options) => {
      const consumer = new Consumer({ bootstrapServers: bootstrap, maxWaitMs: 100, ...options });
      t.teardown(() => consumer.close());
      await consumer.connect();
      return consumer;
    },
  };
}

async function transaction(producer: Producer, topic: string, values: readonly string[], outcome: 'commit' | 'abort'): Promise<void> {
  const tx = await producer.transaction();
  await tx.send({ topic, messages: values.map((value) => ({ partition: 0, value })) });
  if (outcome === 'commit') await tx.commit();
  else await tx.abort();
}

/** `offset=value` of every record delivered until `last` is, in delivery order. */
async function readUntil(consumer: Consumer, last: string): Promise<string[]> {
  const seen: string[] = [];
  for await (const batch of consumer) {
    for (const record of batch.records) seen.push(`${record.offset}=${record.value?.toString() ?? 'null'}`);
    if (batch.records.some((r) => r.value?.toString() === last)) break;
  }
  return seen;
}

test('read_committed skips aborted transactions and markers; read_uncommitted gets every data record', async (t) => {
  const topic = 'rc-mixed';
  const { producer, consumer } = await setup(t, topic);
  // Offsets: c1 0, c2 1, commit marker 2, a1 3, a2 4, abort marker 5, c3 6, commit marker 7, a3 8, abort marker 9, c4 10, marker 11.
  await transaction(producer, topic, ['c1', 'c2'], 'commit');
  await transaction(producer, topic, ['a1', 'a2'], 'abort');
  await transaction(producer, topic, ['c3'], 'commit');
  await transaction(producer, topic, ['a3'], 'abort');
  await transaction(producer, topic, ['c4'], 'commit');

  const committed = await consumer({ isolationLevel: 'read_committed' });
  await committed.assign([{ topic, partition: 0, offset: 0n }]);
  t.deepEqual(await readUntil(committed, 'c4'), ['0=c1', '1=c2', '6=c3', '10=c4']);
  // Past c4's commit marker too: control batches move the position though nothing is delivered.
  t.is(committed.position(topic, 0), 12n);

  // Starting inside an aborted transaction (after its first offset) still skips the rest of it.
  const fromMiddle = await consumer({ isolationLevel: 'read_committed' });
  await fromMiddle.assign([{ topic, partition: 0, offset: 4n }]);
  t.deepEqual(await readUntil(fromMiddle, 'c4'), ['6=c3', '10=c4']);

  const everything = await consumer({ isolationLevel: 'read_uncommitted' });
  await everything.assign([{ topic, partition: 0, offset: 0n }]);
  t.deepEqual(await readUntil(everything, 'c4'), ['0=c1', '1=c2', '3=a1', '4=a2', '6=c3', '8=a3', '10=c4']);
});

test('read_committed waits at an open transaction and resets "latest" to the last stable offset', async (t) => {
  const topic = 'rc-open';
  const { producer, consumer } = await setup(t, topic);
  await transaction(producer, topic, ['c1'], 'commit');
  const open = await producer.transaction();
  await open.send({ topic, messages: [{ partition: 0, value: 'o1' }] });

  // c1 0, its marker 1, o1 2: the last stable offset is 2, the high watermark 3.
  const committed = await consumer({ isolationLevel: 'read_committed', autoOffsetReset: 'latest' });
  await committed.assign([{ topic, partition: 0 }]);
  t.is(committed.position(topic, 0), 2n);
  const uncommitted = await consumer({ isolationLevel: 'read_uncommitted', autoOffsetReset: 'latest' });
  await uncommitted.assign([{ topic, partition: 0 }]);
  t.is(uncommitted.position(topic, 0), 3n);

  const fromStart = await consumer({ isolationLevel: 'read_committed' });
  await fromStart.assign([{ topic, partition: 0, offset: 0n }]);
  t.deepEqual(await readUntil(fromStart, 'c1'), ['0=c1']);

  await open.abort();
  await transaction(producer, topic, ['c2'], 'commit');
  // o1 lies before c2: had it leaked while open or once aborted, it would come first.
  t.deepEqual(await readUntil(fromStart, 'c2'), ['4=c2']);
  t.deepEqual(await readUntil(committed, 'c2'), ['4=c2']);
});
