import test from 'ava';
import type { ExecutionContext } from 'ava';
import { ClientErrorCode } from '../../../client/errors.ts';
import { Producer, ProducerErrorCode } from '../../../client/producer/index.ts';
import type { ProducerOptions } from '../../../client/producer/index.ts';
import { ApiKey, ErrorCode } from '../../../core/protocol/index.ts';
import { startTestBroker } from '../../helpers/broker.ts';
import type { TestBroker } from '../../helpers/broker.ts';
import type { WireClient } from '../../helpers/kafka-wire.ts';
import { rejectsCode } from '../../helpers/throws-code.ts';
import { wireBatches, wireClient } from '../../interop/kafkajs-helpers.ts';

async function createTopic(wire: WireClient, name: string, numPartitions: number): Promise<void> {
  const response = await wire.request(ApiKey.CREATE_TOPICS, 4, {
    topics: [{ name, numPartitions, replicationFactor: 1, assignments: [], configs: [] }],
    timeoutMs: 5000,
    validateOnly: false,
  });
  if (response.topics[0]?.errorCode !== ErrorCode.NONE) throw new Error(`create topic ${name}: error ${String(response.topics[0]?.errorCode)}`);
}

async function producerFor(t: ExecutionContext, broker: TestBroker, options: Partial<ProducerOptions> = {}): Promise<Producer> {
  const producer = new Producer({ bootstrapServers: broker.bootstrap, clientId: 'records-test', ...options });
  t.teardown(() => producer.close());
  await producer.connect();
  return producer;
}

test('sendBatch with a malformed record produces none of its records', async (t) => {
  const broker = await startTestBroker(t);
  const wire = await wireClient(t, broker.port);
  await createTopic(wire, 'all-or-nothing', 1);
  const producer = await producerFor(t, broker, { lingerMs: 0 });
  await rejectsCode(
    t,
    producer.sendBatch([
      { topic: 'all-or-nothing', value: 'first' },
      { topic: 'all-or-nothing', value: 42 as unknown as string },
      { topic: 'all-or-nothing', value: 'third' },
    ]),
    ProducerErrorCode.INVALID_RECORD,
  );
  await producer.send({ topic: 'all-or-nothing', value: 'marker' });
  const stored = (await wireBatches(wire, 'all-or-nothing', 0)).flatMap((b) => b.records.map((r) => r.value?.toString('utf8') ?? null));
  t.deepEqual(stored, ['marker']);
});

test('a record for a partition the cached metadata does not have yet is written once fresh metadata shows it', async (t) => {
  const broker = await startTestBroker(t);
  const wire = await wireClient(t, broker.port);
  await createTopic(wire, 'widened', 1);
  const producer = await producerFor(t, broker, { lingerMs: 0 });
  t.is((await producer.send({ topic: 'widened', value: 'before' })).partition, 0);
  const response = await wire.request(ApiKey.CREATE_PARTITIONS, 0, { topics: [{ name: 'widened', count: 3, assignments: null }], timeoutMs: 5000, validateOnly: false });
  t.is(response.results[0]?.errorCode, ErrorCode.NONE);
  t.is((await producer.send({ topic: 'widened', partition: 2, value: 'new partition' })).partition, 2);
  // Beyond the fresh count it still fails, naming the partition.
  const error = await t.throwsAsync(producer.send({ topic: 'widened', partition: 3, value: 'nowhere' }));
  t.regex(String(error), /partition 3 of topic widened/);
});

test('a deliveryTimeoutMs shorter than lingerMs + requestTimeoutMs is refused; by default it leaves room for both', (t) => {
  const error = t.throws(() => new Producer({ bootstrapServers: '127.0.0.1:1', lingerMs: 100, requestTimeoutMs: 1000, deliveryTimeoutMs: 1050 }));
  t.is((error as { code?: unknown }).code, ClientErrorCode.INVALID_CONFIG);
  t.regex(String(error), /producer option deliveryTimeoutMs \(1050\) must be at least lingerMs \+ requestTimeoutMs/);
  t.notThrows(() => new Producer({ bootstrapServers: '127.0.0.1:1', lingerMs: 100, requestTimeoutMs: 1000, deliveryTimeoutMs: 1100 }));
  t.notThrows(() => new Producer({ bootstrapServers: '127.0.0.1:1', lingerMs: 1000, requestTimeoutMs: 200_000 }));
});

test('headers given as bytes are the ones sent, even when the caller changes its list while the record waits for metadata', async (t) => {
  const broker = await startTestBroker(t);
  const wire = await wireClient(t, broker.port);
  await createTopic(wire, 'kept-headers', 1);
  const producer = await producerFor(t, broker, { lingerMs: 0 });
  await producer.send({ topic: 'kept-headers', value: 'known topic', headers: [{ key: 'a', value: Buffer.from('1') }] });
  // A topic the producer has no metadata for yet: the record waits, and its list is changed meanwhile.
  await createTopic(wire, 'kept-headers-later', 1);
  const headers = [{ key: 'a', value: Buffer.from('1') }, { key: 'b', value: null }];
  const sent = producer.send({ topic: 'kept-headers-later', value: 'waited', headers });
  headers[0] = { key: 'changed', value: Buffer.from('x') };
  headers.pop();
  await sent;
  const read = async (topic: string): Promise<{ key: string; value: string | null }[][]> =>
    (await wireBatches(wire, topic, 0)).flatMap((b) => b.records.map((r) => r.headers.map((h) => ({ key: h.key, value: h.value?.toString('utf8') ?? null }))));
  t.deepEqual(await read('kept-headers'), [[{ key: 'a', value: '1' }]]);
  t.deepEqual(await read('kept-headers-later'), [[{ key: 'a', value: '1' }, { key: 'b', value: null }]]);
});
