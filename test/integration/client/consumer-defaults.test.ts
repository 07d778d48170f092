/**
 * client/consumer: the timeouts a consumer joins its group with, as the coordinator stores
 * them — sessionTimeoutMs 45 s (KIP-735) and the rebalance timeout equal to
 * maxPollIntervalMs, as Kafka's and librdkafka's consumers send — and close() not waiting for a
 * JoinGroup that the group holds back for up to that long.
 */
import test from 'ava';
import { Admin, Consumer } from '../../../client/index.ts';
import { decodeGroupValue, decodeKey, offsetsPartitionFor } from '../../../broker/groups/offsets-records.ts';
import type { StoredGroup } from '../../../broker/groups/offsets-records.ts';
import { ApiKey, ErrorCode } from '../../../core/protocol/index.ts';
import type { WireClient } from '../../helpers/kafka-wire.ts';
import { pollUntil, waitFor } from '../../helpers/wait-for.ts';
import { readPartition } from '../broker/records.ts';
import { startGroupFixture } from './group-fixtures.ts';

const OFFSETS_PARTITIONS = 5;
const WAIT_MS = 15_000;

/** The group's latest metadata record in __consumer_offsets. */
async function storedGroup(wire: WireClient, group: string): Promise<StoredGroup | undefined> {
  const { records } = await readPartition(wire, '__consumer_offsets', offsetsPartitionFor(group, OFFSETS_PARTITIONS));
  let latest: StoredGroup | undefined;
  for (const record of records) {
    if (record.key === null || record.value === null) continue;
    const key = decodeKey(record.key);
    if (key.kind === 'group' && key.group === group) latest = decodeGroupValue(record.value);
  }
  return latest;
}

test('by default a member joins with a 45 s session and maxPollIntervalMs as its rebalance timeout', async (t) => {
  const topic = 'defaults';
  const { bootstrap, wire } = await startGroupFixture(t, topic, 2);
  const options = { bootstrapServers: bootstrap, groupId: 'defaults-g', heartbeatIntervalMs: 100, maxWaitMs: 100 } as const;
  const plain = new Consumer({ ...options, clientId: 'plain' });
  const patient = new Consumer({ ...options, clientId: 'patient', maxPollIntervalMs: 123_000 });
  t.teardown(() => plain.close());
  t.teardown(() => patient.close());
  for (const consumer of [plain, patient]) {
    await consumer.connect();
    consumer.subscribe([topic]);
  }
  await waitFor(() => plain.assignment().length === 1 && patient.assignment().length === 1, { timeoutMs: WAIT_MS });
  const stored = await pollUntil(
    () => storedGroup(wire, 'defaults-g'),
    (group) => group?.members.length === 2,
    'a stored generation with both members',
    WAIT_MS,
  );
  const timeouts = Object.fromEntries(stored!.members.map((m) => [m.clientId, [m.sessionTimeoutMs, m.rebalanceTimeoutMs]]));
  t.deepEqual(timeouts, { plain: [45_000, 300_000], patient: [45_000, 123_000] });
});

test('close() does not wait for a JoinGroup the coordinator holds until another member rejoins', async (t) => {
  const topic = 'held-join';
  const group = 'held-join-g';
  const { bootstrap, wire, logs } = await startGroupFixture(t, topic, 1);
  // A member that never rejoins: the coordinator waits its whole rebalance timeout for it.
  const join = (memberId: string): ReturnType<typeof wire.request<typeof ApiKey.JOIN_GROUP>> =>
    wire.request(ApiKey.JOIN_GROUP, 5, {
      groupId: group,
      sessionTimeoutMs: 60_000,
      rebalanceTimeoutMs: 60_000,
      memberId,
      groupInstanceId: null,
      protocolType: 'consumer',
      protocols: [{ name: 'range', metadata: Buffer.alloc(0) }],
    });
  const first = await join('');
  t.is(first.errorCode, ErrorCode.MEMBER_ID_REQUIRED);
  const joined = await join(first.memberId);
  t.is(joined.errorCode, ErrorCode.NONE);
  const synced = await wire.request(ApiKey.SYNC_GROUP, 3, {
    groupId: group,
    generationId: joined.generationId,
    memberId: first.memberId,
    groupInstanceId: null,
    assignments: [{ memberId: first.memberId, assignment: Buffer.alloc(0) }],
  });
  t.is(synced.errorCode, ErrorCode.NONE);

  const admin = new Admin({ bootstrapServers: bootstrap });
  t.teardown(() => admin.close());
  await admin.connect();
  const state = async (): Promise<string> => (await admin.describeGroups([group]))[0]?.state ?? 'missing';

  const consumer = new Consumer({ bootstrapServers: bootstrap, groupId: group, heartbeatIntervalMs: 100, maxWaitMs: 100, rebalanceTimeoutMs: 5000 });
  t.teardown(() => consumer.close());
  await consumer.connect();
  consumer.subscribe([topic]);
  await pollUntil(state, (s) => s === 'PreparingRebalance', 'the consumer to start a rebalance', WAIT_MS);
  await waitFor(() => consumer.memberId !== '', { timeoutMs: WAIT_MS });
  const memberId = consumer.memberId;
  await consumer.close();
  // Had close() waited, its JoinGroup would have timed out on the client, taking the
  // connection (and the LeaveGroup) with it, while the coordinator still waits for the silent member.
  t.true(logs.some((l) => l.msg === 'member removed' && l['member'] === memberId && l['reason'] === 'left the group'));
  t.is(await state(), 'PreparingRebalance');
});
