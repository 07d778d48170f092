import test from 'ava';
import { Admin } from '../../../client/index.ts';
import { Producer } from '../../../client/producer/index.ts';
import type { RecordMetadata } from '../../../client/producer/index.ts';
import { startTestBroker } from '../../helpers/broker.ts';

test('sendBatch calls onRecord once per record as it is acknowledged, with the metadata the promise resolves with', async (t) => {
  const broker = await startTestBroker(t);
  const admin = new Admin({ bootstrapServers: broker.bootstrap });
  t.teardown(() => admin.close());
  await admin.connect();
  await admin.createTopics([{ topic: 'acked', numPartitions: 2, replicationFactor: 1 }]);
  const producer = new Producer({ bootstrapServers: broker.bootstrap, clientId: 'callback-test' });
  t.teardown(() => producer.close());
  await producer.connect();
  const seen: [number, RecordMetadata][] = [];
  const records = Array.from({ length: 6 }, (_, i) => ({ topic: 'acked', partition: i % 2, value: `v${i}`, headers: [{ key: 'n', value: String(i) }] }));
  const results = await producer.sendBatch(records, (index, metadata) => seen.push([index, metadata]));
  t.is(seen.length, 6);
  t.deepEqual(
    [...seen].sort((a, b) => a[0] - b[0]).map(([, m]) => m),
    results,
  );
  t.deepEqual(
    results.map((m) => [m.partition, m.offset]),
    [
      [0, 0n],
      [1, 0n],
      [0, 1n],
      [1, 1n],
      [0, 2n],
      [1, 2n],
    ],
  );
});

test('an onRecord that throws rejects the batch with its error; every record is still produced', async (t) => {
  const broker = await startTestBroker(t);
  const producer = new Producer({ bootstrapServers: broker.bootstrap, clientId: 'callback-test' });
  t.teardown(() => producer.close());
  await producer.connect();
  let calls = 0;
  const error = await t.throwsAsync(
    producer.sendBatch(
      [
        { topic: 'thrown', value: 'a' },
        { topic: 'thrown', value: 'b' },
      ],
      () => {
        calls++;
        throw new Error('callback broke');
      },
    ),
  );
  t.is(error.message, 'callback broke');
  t.is(calls, 2);
  const [end] = await (async () => {
    const admin = new Admin({ bootstrapServers: broker.bootstrap });
    t.teardown(() => admin.close());
    await admin.connect();
    return admin.listOffsets([{ topic: 'thrown', partition: 0, timestamp: 'latest' }]);
  })();
  t.is(end?.offset, 2n);
});
