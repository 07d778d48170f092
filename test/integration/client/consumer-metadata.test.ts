/**
 * client/consumer: the group leader watches the metadata it assigned from (every
 * metadataMaxAgeMs) and rejoins when a topic's partition count changes, so partitions added to
 * a subscribed topic get an owner — also those of a topic only another member subscribes to.
 * A subscribed topic that does not exist yet is looked for after every heartbeat instead.
 */
import test from 'ava';
import { Admin, Consumer } from '../../../client/index.ts';
import type { ConsumerBatch, ConsumerOptions, TopicPartition } from '../../../client/index.ts';
import { ErrorCode } from '../../../core/protocol/index.ts';
import { waitFor } from '../../helpers/wait-for.ts';
import { createTopic, produce, valuesBatch } from '../broker/records.ts';
import { startGroupFixture } from './group-fixtures.ts';

const GROUP_TIMINGS = { sessionTimeoutMs: 6000, heartbeatIntervalMs: 100, rebalanceTimeoutMs: 10_000, maxWaitMs: 100 } as const;
const WAIT_MS = 15_000;

const names = (tps: readonly TopicPartition[]): string[] => tps.map((tp) => `${tp.topic}-${tp.partition}`).sort();

test('partitions added to subscribed topics are assigned after the next metadata check, whichever member subscribes to them', async (t) => {
  const { bootstrap, wire } = await startGroupFixture(t, 'grown-a', 1);
  await createTopic(wire, 'grown-b', 1);
  const options: ConsumerOptions = { bootstrapServers: bootstrap, groupId: 'grown-g', autoOffsetReset: 'earliest', ...GROUP_TIMINGS, metadataMaxAgeMs: 200 };
  const first = new Consumer({ ...options, clientId: 'first' });
  const second = new Consumer({ ...options, clientId: 'second' });
  t.teardown(() => first.close());
  t.teardown(() => second.close());
  // The first member joins alone and leads; the second subscribes to a topic the leader does not read.
  await first.connect();
  first.subscribe(['grown-a']);
  await waitFor(() => first.assignment().length === 1, { timeoutMs: WAIT_MS });
  await second.connect();
  second.subscribe(['grown-b']);
  await waitFor(() => second.assignment().length === 1, { timeoutMs: WAIT_MS });

  const admin = new Admin({ bootstrapServers: bootstrap });
  t.teardown(() => admin.close());
  await admin.connect();
  await admin.createPartitions([
    { topic: 'grown-a', count: 2 },
    { topic: 'grown-b', count: 3 },
  ]);
  const describe = (): string => JSON.stringify({ first: names(first.assignment()), second: names(second.assignment()) });
  await waitFor(() => first.assignment().length === 2 && second.assignment().length === 3, { timeoutMs: WAIT_MS, describe });
  t.deepEqual(names(first.assignment()), ['grown-a-0', 'grown-a-1']);
  t.deepEqual(names(second.assignment()), ['grown-b-0', 'grown-b-1', 'grown-b-2']);

  // Records on a new partition reach the member that now owns it.
  t.is((await produce(wire, 'grown-b', 2, valuesBatch(['late']))).errorCode, ErrorCode.NONE);
  for await (const batch of second as AsyncIterable<ConsumerBatch>) {
    t.deepEqual([batch.topic, batch.partition, batch.records.map((r) => r.value?.toString())], ['grown-b', 2, ['late']]);
    break;
  }
});

test('a consumer subscribed before its topic exists reads it once created, long before metadataMaxAgeMs', async (t) => {
  const { bootstrap, wire } = await startGroupFixture(t, 'early-other', 1);
  // metadataMaxAgeMs stays at its default (5 minutes): only the missing-topic check can find it.
  const consumer = new Consumer({ bootstrapServers: bootstrap, groupId: 'early-g', autoOffsetReset: 'earliest', ...GROUP_TIMINGS });
  t.teardown(() => consumer.close());
  await consumer.connect();
  consumer.subscribe(['early-topic']);
  await waitFor(() => consumer.groupMetadata().generationId > 0, { timeoutMs: WAIT_MS, describe: () => 'the first generation' });
  t.deepEqual(consumer.assignment(), []);

  await createTopic(wire, 'early-topic', 2);
  t.is((await produce(wire, 'early-topic', 1, valuesBatch(['first']))).errorCode, ErrorCode.NONE);
  await waitFor(() => consumer.assignment().length === 2, { timeoutMs: WAIT_MS, describe: () => JSON.stringify(names(consumer.assignment())) });
  for await (const batch of consumer as AsyncIterable<ConsumerBatch>) {
    t.deepEqual([batch.topic, batch.partition, batch.records.map((r) => r.value?.toString())], ['early-topic', 1, ['first']]);
    break;
  }
});
