import test from 'ava';
import type { ExecutionContext } from 'ava';
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
