/**
 * client/consumer: where a consumer starts reading — data fetched for a partition's former
 * assignment never leaks into its new one, and start positions that cannot be looked up yet
 * (a topic still being created) are retried instead of failing the consumer.
 */
import test from 'ava';
import { Consumer } from '../../../client/index.ts';
import type { ConsumerBatch } from '../../../client/index.ts';
import { ErrorCode } from '../../../core/protocol/index.ts';
import { startTestBroker } from '../../helpers/broker.ts';
import { WireClient } from '../../helpers/kafka-wire.ts';
import { createTopic, produce, valuesBatch } from '../broker/records.ts';

const values = (prefix: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);

test('assign() again with a new offset drops what was fetched for the former assignment', async (t) => {
  const { port, bootstrap } = await startTestBroker(t);
  const wire = await WireClient.connect(port);
  t.teardown(() => {
    wire.close();
  });
  await createTopic(wire, 'reassigned', 2);
  for (const partition of [0, 1]) {
    const result = await produce(wire, 'reassigned', partition, valuesBatch(values(`p${partition}`, 20)));
    t.is(result.errorCode, ErrorCode.NONE);
  }
  const consumer = new Consumer({ bootstrapServers: bootstrap, maxWaitMs: 100 });
  t.teardown(() => consumer.close());
  await consumer.connect();
  // One Fetch asks for both partitions; its response buffers both batches at once.
  await consumer.assign([
    { topic: 'reassigned', partition: 0, offset: 0n },
    { topic: 'reassigned', partition: 1, offset: 0n },
  ]);
  const iterator = consumer[Symbol.asyncIterator]();
  const first = await iterator.next();
  t.false(first.done);
  const taken = (first.value as ConsumerBatch).partition;
  const other = 1 - taken;
  // The other partition's batch (offsets 0-19) is still buffered; the new assignment starts it at 15.
  await consumer.assign([{ topic: 'reassigned', partition: other, offset: 15n }]);
  const next = await iterator.next();
  t.false(next.done);
  const batch = next.value as ConsumerBatch;
  t.is(batch.partition, other);
  t.deepEqual(
    batch.records.map((r) => r.offset),
    [15n, 16n, 17n, 18n, 19n],
  );
  t.is(consumer.position('reassigned', other), 20n);
  await iterator.return?.();
});

test('a start position that cannot be looked up yet is retried: assign() to a topic created afterwards reads it', async (t) => {
  const { port, bootstrap } = await startTestBroker(t);
  const wire = await WireClient.connect(port);
  t.teardown(() => {
    wire.close();
  });
  // A short request timeout makes the first lookup give up quickly, before the topic exists.
  const consumer = new Consumer({ bootstrapServers: bootstrap, autoOffsetReset: 'earliest', maxWaitMs: 100, requestTimeoutMs: 500 });
  t.teardown(() => consumer.close());
  await consumer.connect();
  await consumer.assign([{ topic: 'created-later', partition: 0 }]);
  await createTopic(wire, 'created-later', 1);
  t.is((await produce(wire, 'created-later', 0, valuesBatch(values('late', 3)))).errorCode, ErrorCode.NONE);
  const iterator = consumer[Symbol.asyncIterator]();
  const next = await iterator.next();
  t.false(next.done);
  t.deepEqual(
    (next.value as ConsumerBatch).records.map((r) => r.value?.toString()),
    values('late', 3),
  );
  await iterator.return?.();
});
