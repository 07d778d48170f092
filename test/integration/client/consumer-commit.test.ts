/**
 * client/consumer: commits around rebalances against a real broker. Kafka's pattern of
 * committing in the revocation listener works, on a rebalance and on close; a commit the member
 * cannot make (it is between generations) fails with a retriable REBALANCE_IN_PROGRESS instead
 * of silently committing nothing.
 */
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { Consumer, KafkaError } from '../../../client/index.ts';
import type { ConsumerBatch, ConsumerOptions, TopicPartition } from '../../../client/index.ts';
import { ApiKey, ErrorCode } from '../../../core/protocol/index.ts';
import { WireClient } from '../../helpers/kafka-wire.ts';
import { startStallProxy } from '../../helpers/stall-proxy.ts';
import { waitFor } from '../../helpers/wait-for.ts';
import { createTopic } from '../broker/records.ts';
import { startGroupFixture } from './group-fixtures.ts';

const GROUP_TIMINGS = { sessionTimeoutMs: 6000, heartbeatIntervalMs: 100, rebalanceTimeoutMs: 10_000, maxWaitMs: 100 } as const;
const WAIT_MS = 15_000;

/** Reads batches until `count` records came, then leaves the loop (the last batch counts as processed). */
async function read(consumer: Consumer, count: number): Promise<ConsumerBatch[]> {
  const batches: ConsumerBatch[] = [];
  let seen = 0;
  for await (const batch of consumer) {
    batches.push(batch);
    seen += batch.records.length;
    if (seen >= count) break;
  }
  return batches;
}

const partitionsOf = (topic: string, n: number): TopicPartition[] => Array.from({ length: n }, (_, partition) => ({ topic, partition }));

/** The group's committed offsets in partition order (-1: none). */
async function committedOffsets(consumer: Consumer, topic: string, n: number): Promise<number[]> {
  const committed = await consumer.committed(partitionsOf(topic, n));
  return Array.from({ length: n }, (_, p) => Number(committed.get(`${topic}\u0000${p}`) ?? -1n));
}

function member(t: ExecutionContext, bootstrap: string, group: string, options: Partial<ConsumerOptions> = {}): Consumer {
  const consumer = new Consumer({ bootstrapServers: bootstrap, groupId: group, autoOffsetReset: 'earliest', autoCommit: false, ...GROUP_TIMINGS, ...options });
  t.teardown(() => consumer.close());
  return consumer;
}

test('commit() in an eager onRevoked listener commits what was processed before the partitions move', async (t) => {
  const topic = 'revoke-commit';
  const { bootstrap, send, ends } = await startGroupFixture(t, topic, 2);
  await send();
  const failures: unknown[] = [];
  const revocations: { revoked: number; assigned: number }[] = [];
  const first: Consumer = member(t, bootstrap, 'revoke-commit-g', {
    onRevoked: async (partitions) => {
      revocations.push({ revoked: partitions.length, assigned: first.assignment().length });
      // Kafka's pattern: the listener commits what the application processed, while it still owns the partitions.
      await first.commit().catch((error: unknown) => failures.push(error));
    },
  });
  await first.connect();
  first.subscribe([topic]);
  await read(first, 10);
  t.deepEqual(await committedOffsets(first, topic, 2), [-1, -1], 'nothing committed yet (autoCommit off)');

  const second = member(t, bootstrap, 'revoke-commit-g');
  await second.connect();
  second.subscribe([topic]);
  await waitFor(() => first.assignment().length === 1 && second.assignment().length === 1, { timeoutMs: WAIT_MS });
  t.deepEqual(revocations, [{ revoked: 2, assigned: 2 }]);
  t.deepEqual(failures, []);
  t.deepEqual(await committedOffsets(first, topic, 2), ends);
});

test('commit() in onRevoked during close() commits before the member leaves the group', async (t) => {
  const topic = 'close-commit';
  const { bootstrap, send, ends } = await startGroupFixture(t, topic, 2);
  await send();
  const failures: unknown[] = [];
  const seen: { assigned: number; member: string }[] = [];
  const consumer: Consumer = member(t, bootstrap, 'close-commit-g', {
    onRevoked: async () => {
      seen.push({ assigned: consumer.assignment().length, member: consumer.memberId });
      await consumer.commit().catch((error: unknown) => failures.push(error));
    },
  });
  await consumer.connect();
  consumer.subscribe([topic]);
  await read(consumer, 10);
  const memberId = consumer.memberId;
  await consumer.close();
  t.deepEqual(seen, [{ assigned: 2, member: memberId }], 'revoked fires while the partitions are assigned and the member is in the group');
  t.deepEqual(failures, []);
  const reader = member(t, bootstrap, 'close-commit-g');
  await reader.connect();
  t.deepEqual(await committedOffsets(reader, topic, 2), ends);
});

test('commit() of a member between generations throws a retriable REBALANCE_IN_PROGRESS', async (t) => {
  const topic = 'unstable-commit';
  const { bootstrap, send } = await startGroupFixture(t, topic, 1);
  await send();
  const consumer = member(t, bootstrap, 'unstable-commit-g');
  consumer.subscribe([topic]);
  await consumer.connect();
  // The member has not joined yet: it holds no generation to commit with.
  const error = await t.throwsAsync(consumer.commit([{ topic, partition: 0, offset: 3n }]), { instanceOf: KafkaError });
  t.is(error.errorCode, ErrorCode.REBALANCE_IN_PROGRESS);
  t.true(error.retriable);
  t.regex(error.message, /unstable-commit-g/);
  // Once it holds an assignment, the same commit goes through.
  await waitFor(() => consumer.assignment().length === 1, { timeoutMs: WAIT_MS });
  await consumer.commit([{ topic, partition: 0, offset: 3n }]);
  t.deepEqual(await committedOffsets(consumer, topic, 1), [3]);
});

test('a member that still holds its generation commits while a rebalance waits for the batch in hand', async (t) => {
  const topic = 'held-commit';
  const { bootstrap, send, ends } = await startGroupFixture(t, topic, 1);
  await send();
  const consumer = member(t, bootstrap, 'held-commit-g');
  await consumer.connect();
  consumer.subscribe([topic]);
  const iterator = consumer[Symbol.asyncIterator]();
  const step = await iterator.next();
  t.false(step.done);
  const batch = step.value as ConsumerBatch;
  // A new subscription starts a rebalance; its eager revocation waits for this batch, and until
  // the member sends JoinGroup its generation still commits (as between Kafka polls).
  consumer.subscribe([topic]);
  const next = batch.records[batch.records.length - 1]!.offset + 1n;
  await consumer.commit([{ topic, partition: 0, offset: next }]);
  t.deepEqual(await committedOffsets(consumer, topic, 1), ends);
  await iterator.return?.();
});

test('a member finds its group coordinator once for its membership, its commits and its committed offsets', async (t) => {
  const topic = 'one-lookup';
  const { broker, bootstrap, apiKeys } = await startStallProxy(t, { groups: { initialRebalanceDelayMs: 0, minSessionTimeoutMs: 1000, offsetsTopicPartitions: 5 } });
  const wire = await WireClient.connect(broker.port);
  t.teardown(() => {
    wire.close();
  });
  await createTopic(wire, topic, 1);
  const consumer = member(t, bootstrap, 'one-lookup-g');
  await consumer.connect();
  consumer.subscribe([topic]);
  await waitFor(() => consumer.assignment().length === 1, { timeoutMs: WAIT_MS });
  for (const offset of [1n, 2n, 3n]) await consumer.commit([{ topic, partition: 0, offset }]);
  t.deepEqual(await committedOffsets(consumer, topic, 1), [3]);
  t.is(apiKeys.filter((key) => key === ApiKey.FIND_COORDINATOR).length, 1);
});
