import test from 'ava';
import type { ExecutionContext } from 'ava';
import { ClientErrorCode } from '../../../client/index.ts';
import { Producer } from '../../../client/producer/index.ts';
import type { ProducerOptions, RecordMetadata } from '../../../client/producer/index.ts';
import { ApiKey, ErrorCode } from '../../../core/protocol/index.ts';
import { startStallProxy } from '../../helpers/stall-proxy.ts';
import type { StallProxy } from '../../helpers/stall-proxy.ts';
import { waitFor } from '../../helpers/wait-for.ts';
import { wireClient } from '../../interop/kafkajs-helpers.ts';

async function createTopic(t: ExecutionContext, proxy: StallProxy, name: string, numPartitions = 1): Promise<void> {
  const wire = await wireClient(t, proxy.broker.port);
  const response = await wire.request(ApiKey.CREATE_TOPICS, 4, {
    topics: [{ name, numPartitions, replicationFactor: 1, assignments: [], configs: [] }],
    timeoutMs: 5000,
    validateOnly: false,
  });
  t.is(response.topics[0]?.errorCode, ErrorCode.NONE);
}

async function producerFor(t: ExecutionContext, proxy: StallProxy, options: Partial<ProducerOptions>): Promise<Producer> {
  const producer = new Producer({ bootstrapServers: proxy.bootstrap, clientId: 'stall-test', ...options });
  t.teardown(() => producer.close());
  await producer.connect();
  return producer;
}

/** Tracks a promise's outcome without awaiting it. */
function watch<T>(promise: Promise<T>): { settled: () => boolean; result: Promise<T> } {
  let settled = false;
  const result = promise.finally(() => {
    settled = true;
  });
  result.catch(() => undefined);
  return { settled: () => settled, result };
}

const count = (keys: number[], apiKey: number): number => keys.filter((k) => k === apiKey).length;

test('a failed producer id reset is retried; batches within their delivery timeout wait for it and are written', async (t) => {
  const proxy = await startStallProxy(t);
  await createTopic(t, proxy, 'reset-retry');
  const producer = await producerFor(t, proxy, { lingerMs: 0, requestTimeoutMs: 400, deliveryTimeoutMs: 2000, retryBackoffMs: 20 });
  const first = producer.producerIdentity.producerId;
  await producer.send({ topic: 'reset-retry', value: 'before' });
  proxy.hold([ApiKey.PRODUCE, ApiKey.INIT_PRODUCER_ID]);
  // Expires unanswered: sequences must restart under a new producer id, which the broker does not give yet.
  const expired = await t.throwsAsync(producer.send({ topic: 'reset-retry', value: 'expired' }));
  t.is((expired as { code?: unknown }).code, ClientErrorCode.TIMEOUT, String(expired));
  const afterExpiry = count(proxy.apiKeys, ApiKey.INIT_PRODUCER_ID);
  const waiting = watch(producer.send({ topic: 'reset-retry', value: 'after' }));
  await waitFor(() => waiting.settled() || count(proxy.apiKeys, ApiKey.INIT_PRODUCER_ID) >= afterExpiry + 2, {
    timeoutMs: 10_000,
    describe: () => 'a second InitProducerId after the first went unanswered',
  });
  t.false(waiting.settled(), 'the record waiting behind the failed reset was failed with it');
  proxy.release();
  const metadata: RecordMetadata = await waiting.result;
  t.is(metadata.partition, 0);
  t.not(producer.producerIdentity.producerId, first);
});

test('acks=0: when the broker stops reading, flush and close end and the records fail once their time is up', async (t) => {
  const proxy = await startStallProxy(t);
  await createTopic(t, proxy, 'unread');
  const producer = await producerFor(t, proxy, { acks: 0, lingerMs: 0, requestTimeoutMs: 500, deliveryTimeoutMs: 1500, retryBackoffMs: 20 });
  await producer.send({ topic: 'unread', value: 'read' });
  proxy.block();
  // Far more than socket buffers hold, so writes stay pending.
  const value = Buffer.alloc(256 * 1024, 1);
  const sends = Array.from({ length: 120 }, () => watch(producer.send({ topic: 'unread', value })));
  const flushed = watch(producer.flush());
  await waitFor(() => flushed.settled(), { timeoutMs: 20_000, describe: () => 'flush() to end while the broker reads nothing' });
  const outcomes = await Promise.all(sends.map(async (s) => s.result.then(() => 'ok', (error: unknown) => (error as { code?: unknown }).code)));
  t.true(outcomes.includes(ClientErrorCode.TIMEOUT), [...new Set(outcomes)].map(String).join(", "));
  const closed = watch(producer.close());
  await waitFor(() => closed.settled(), { timeoutMs: 10_000, describe: () => 'close() to end' });
  await closed.result;
});

test('records waiting for metadata of an unresponsive broker share its attempts and fail together once maxBlockMs has passed', async (t) => {
  const proxy = await startStallProxy(t);
  await createTopic(t, proxy, 'unanswered');
  const producer = await producerFor(t, proxy, { lingerMs: 0, requestTimeoutMs: 500, maxBlockMs: 1200, retryBackoffMs: 20 });
  proxy.hold();
  const before = proxy.apiKeys.length;
  const sends = Array.from({ length: 40 }, (_, i) => watch(producer.send({ topic: 'unanswered', value: `v${i}` })));
  await waitFor(() => sends.every((s) => s.settled()), { timeoutMs: 15_000, describe: () => `${sends.filter((s) => !s.settled()).length} sends still waiting` });
  for (const s of sends) {
    const error = await t.throwsAsync(s.result);
    t.is((error as { code?: unknown }).code, ClientErrorCode.TIMEOUT, String(error));
  }
  // One metadata attempt (and its reconnects) per backoff, not one per record.
  const requests = proxy.apiKeys.length - before;
  t.true(requests < 20, `${requests} requests`);
  proxy.release();
  const metadata = await producer.send({ topic: 'unanswered', value: 'later' });
  t.is(metadata.topic, 'unanswered');
});

test('UNKNOWN_PRODUCER_ID: the producer takes a new producer id and the batch is resent under it', async (t) => {
  const proxy = await startStallProxy(t);
  await createTopic(t, proxy, 'forgotten');
  const producer = await producerFor(t, proxy, { lingerMs: 0, retryBackoffMs: 20 });
  const first = producer.producerIdentity.producerId;
  let refused = 0;
  proxy.rewrite(ApiKey.PRODUCE, (body) => {
    if (refused > 0) return body;
    refused++;
    return {
      ...body,
      responses: body.responses.map((topic) => ({
        ...topic,
        partitionResponses: topic.partitionResponses.map((p) => ({ ...p, errorCode: ErrorCode.UNKNOWN_PRODUCER_ID })),
      })),
    };
  });
  const metadata = await producer.send({ topic: 'forgotten', value: 'again' });
  t.is(refused, 1);
  t.is(metadata.partition, 0);
  t.not(producer.producerIdentity.producerId, first);
  // Later records go on under the new id, in sequence.
  await producer.send({ topic: 'forgotten', value: 'next' });
});
