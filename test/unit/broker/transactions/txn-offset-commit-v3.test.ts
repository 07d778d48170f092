import test from 'ava';
import { ApiKey, ErrorCode } from '../../../../core/protocol/index.ts';
import { injectBroker } from '../../../helpers/inject.ts';
import type { InjectedBroker } from '../../../helpers/inject.ts';
import { addOffsets, createTopic, endTxn, initProducer, settleTxn } from './inject-txn.ts';
import type { TxnProducer } from './inject-txn.ts';

/*
 * TxnOffsetCommit v3 (KIP-447): the request names the consumer's generation and member, and
 * the group coordinator refuses a zombie (a member rebalanced away, or an old instance of a
 * static member) as OffsetCommit would. Versions 0-2 name no member and are not checked.
 */

const GROUPS = { groups: { initialRebalanceDelayMs: 0, offsetsTopicPartitions: 1 } };
const TOPIC = 'in';
const GROUP = 'eos-group';

interface Member {
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
}

async function join(broker: InjectedBroker, groupInstanceId: string | null = null, memberId = ''): Promise<Member> {
  const request = (id: string) =>
    broker.inject(ApiKey.JOIN_GROUP, 5, {
      groupId: GROUP,
      sessionTimeoutMs: 60_000,
      rebalanceTimeoutMs: 60_000,
      memberId: id,
      groupInstanceId,
      protocolType: 'consumer',
      protocols: [{ name: 'range', metadata: Buffer.from('sub') }],
    });
  let joined = await request(memberId);
  // v4+: a dynamic member's first join hands out its id, and it joins again with it.
  if (joined.errorCode === ErrorCode.MEMBER_ID_REQUIRED) joined = await request(joined.memberId);
  if (joined.errorCode !== ErrorCode.NONE) throw new Error(`JoinGroup: error ${joined.errorCode}`);
  const synced = await broker.inject(ApiKey.SYNC_GROUP, 3, {
    groupId: GROUP,
    generationId: joined.generationId,
    memberId: joined.memberId,
    groupInstanceId,
    assignments: [{ memberId: joined.memberId, assignment: Buffer.from('a') }],
  });
  if (synced.errorCode !== ErrorCode.NONE) throw new Error(`SyncGroup: error ${synced.errorCode}`);
  return { generationId: joined.generationId, memberId: joined.memberId, groupInstanceId };
}

async function commit(broker: InjectedBroker, p: TxnProducer, member: Member | null, version = 3, offset = 5n): Promise<number> {
  const response = await broker.inject(ApiKey.TXN_OFFSET_COMMIT, version, {
    transactionalId: p.transactionalId,
    groupId: GROUP,
    producerId: p.producerId,
    producerEpoch: p.producerEpoch,
    ...(member ?? {}),
    topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0, committedOffset: offset, committedLeaderEpoch: -1, committedMetadata: null }] }],
  });
  return response.topics[0]!.partitions[0]!.errorCode;
}

async function inTransaction(broker: InjectedBroker, transactionalId: string): Promise<TxnProducer> {
  const p = await initProducer(broker, transactionalId);
  const added = await addOffsets(broker, p, GROUP);
  if (added !== ErrorCode.NONE) throw new Error(`AddOffsetsToTxn: error ${added}`);
  return p;
}

async function committedOffset(broker: InjectedBroker): Promise<bigint> {
  const response = await broker.inject(ApiKey.OFFSET_FETCH, 5, { groupId: GROUP, topics: [{ name: TOPIC, partitionIndexes: [0] }] });
  return response.topics[0]!.partitions[0]!.committedOffset;
}

test('a current member of the current generation commits; the offset shows once the transaction commits', async (t) => {
  const broker = injectBroker(t, GROUPS);
  await createTopic(broker, TOPIC, 1);
  const member = await join(broker);
  const p = await inTransaction(broker, 'current');
  t.is(await commit(broker, p, member, 3, 42n), ErrorCode.NONE);
  t.is(await endTxn(broker, p, true), ErrorCode.NONE);
  await settleTxn(broker, 'current');
  t.is(await committedOffset(broker), 42n);
});

test('a zombie is refused: a stale generation is ILLEGAL_GENERATION, a member rebalanced away UNKNOWN_MEMBER_ID', async (t) => {
  const broker = injectBroker(t, GROUPS);
  await createTopic(broker, TOPIC, 1);
  const first = await join(broker);
  // A rejoin of the same member starts generation 2: its generation-1 self is a zombie.
  const rejoined = await join(broker, null, first.memberId);
  t.true(rejoined.generationId > first.generationId);
  const p = await inTransaction(broker, 'zombie');
  t.is(await commit(broker, p, first), ErrorCode.ILLEGAL_GENERATION);
  t.is(await commit(broker, p, { ...rejoined, memberId: 'gone-member' }), ErrorCode.UNKNOWN_MEMBER_ID);
  t.is(await commit(broker, p, { ...rejoined, generationId: rejoined.generationId + 1 }), ErrorCode.ILLEGAL_GENERATION);
  t.is(await commit(broker, p, rejoined, 3, 7n), ErrorCode.NONE, 'the live member still commits');
  t.is(await endTxn(broker, p, true), ErrorCode.NONE);
  await settleTxn(broker, 'zombie');
  t.is(await committedOffset(broker), 7n, 'only the live member’s offset');
});

test('a member named for a group the coordinator does not know is UNKNOWN_MEMBER_ID; generation -1 commits', async (t) => {
  const broker = injectBroker(t, GROUPS);
  await createTopic(broker, TOPIC, 1);
  const p = await inTransaction(broker, 'no-group');
  t.is(await commit(broker, p, { generationId: 3, memberId: 'ghost', groupInstanceId: null }), ErrorCode.UNKNOWN_MEMBER_ID);
  t.is(await commit(broker, p, { generationId: -1, memberId: '', groupInstanceId: null }), ErrorCode.NONE);
});

test('an old instance of a static member is FENCED_INSTANCE_ID', async (t) => {
  const broker = injectBroker(t, GROUPS);
  await createTopic(broker, TOPIC, 1);
  const old = await join(broker, 'instance-1');
  // The same instance id joining afresh replaces the old member id.
  const replacement = await join(broker, 'instance-1');
  t.not(replacement.memberId, old.memberId);
  const p = await inTransaction(broker, 'static');
  t.is(await commit(broker, p, { ...old, generationId: replacement.generationId }), ErrorCode.FENCED_INSTANCE_ID);
  t.is(await commit(broker, p, replacement), ErrorCode.NONE);
});

test('v0-2 carry no member and are accepted whatever the group; v3 without a member is too, as in Kafka', async (t) => {
  const broker = injectBroker(t, GROUPS);
  await createTopic(broker, TOPIC, 1);
  await join(broker);
  const p = await inTransaction(broker, 'old-client');
  for (const version of [0, 1, 2]) t.is(await commit(broker, p, null, version), ErrorCode.NONE, `v${version}`);
  t.is(await commit(broker, p, { generationId: -1, memberId: '', groupInstanceId: null }, 3), ErrorCode.NONE);
});

test('a producer fenced by a newer epoch is refused before the group is asked', async (t) => {
  const broker = injectBroker(t, GROUPS);
  await createTopic(broker, TOPIC, 1);
  const member = await join(broker);
  const p = await inTransaction(broker, 'fenced');
  await initProducer(broker, 'fenced');
  t.is(await commit(broker, p, member, 3), ErrorCode.PRODUCER_FENCED);
  t.is(await commit(broker, p, null, 2), ErrorCode.INVALID_PRODUCER_EPOCH, 'older versions hear INVALID_PRODUCER_EPOCH');
});
