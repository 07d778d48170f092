import test from 'ava';
import type { ExecutionContext } from 'ava';
import { ApiKey, ErrorCode } from '../../../core/protocol/index.ts';
import type { JoinGroupResponse, OffsetCommitResponse, OffsetFetchResponse } from '../../../core/protocol/index.ts';
import { decodeKey, decodeOffsetValue, encodeOffsetKey } from '../../../broker/groups/offsets-records.ts';
import { startTestBroker } from '../../helpers/broker.ts';
import { WireClient } from '../../helpers/kafka-wire.ts';
import { createTopic, readPartition } from './records.ts';
import { pollUntil } from '../../helpers/wait-for.ts';

/*
 * Committed offsets over the wire: OffsetCommit v0-7 and OffsetFetch v0-5 round trips, the
 * classic commit checks (generation, member, rebalance state), per-partition errors, and
 * what happens to offsets over time: they survive a restart, __consumer_offsets is
 * compacted, and an empty group's offsets expire after offsets.retention.ms.
 */

/** No 3 s initial rebalance delay; one __consumer_offsets partition unless a test wants Kafka's 50. */
const GROUPS = { initialRebalanceDelayMs: 0, offsetsTopicPartitions: 1 };
/** Long enough that no member's session ends while a slow, busy machine runs the test. */
const SESSION_MS = 60_000;
const OFFSETS_TOPIC = '__consumer_offsets';

type FetchedTopic = OffsetFetchResponse['topics'][number];

interface CommitPartition {
  partition: number;
  offset: bigint;
  metadata?: string | null;
  leaderEpoch?: number;
}

interface CommitRef {
  generationId?: number;
  memberId?: string;
  groupInstanceId?: string | null;
}

async function connect(t: ExecutionContext, port: number): Promise<WireClient> {
  const client = await WireClient.connect(port);
  t.teardown(() => {
    client.close();
  });
  return client;
}

function commit(
  client: WireClient,
  version: number,
  groupId: string,
  topics: Readonly<Record<string, readonly CommitPartition[]>>,
  ref: CommitRef = {},
): Promise<OffsetCommitResponse> {
  return client.request(ApiKey.OFFSET_COMMIT, version, {
    groupId,
    generationIdOrMemberEpoch: ref.generationId ?? -1,
    memberId: ref.memberId ?? '',
    groupInstanceId: ref.groupInstanceId ?? null,
    retentionTimeMs: -1n,
    topics: Object.entries(topics).map(([name, partitions]) => ({
      name,
      partitions: partitions.map((p) => ({
        partitionIndex: p.partition,
        committedOffset: p.offset,
        committedLeaderEpoch: p.leaderEpoch ?? -1,
        commitTimestamp: -1n,
        committedMetadata: p.metadata === undefined ? '' : p.metadata,
      })),
    })),
  });
}

/** topic → partition → error code, from a commit response. */
function commitErrors(response: OffsetCommitResponse): Record<string, Record<number, number>> {
  const out: Record<string, Record<number, number>> = {};
  for (const topic of response.topics) {
    const partitions: Record<number, number> = {};
    for (const p of topic.partitions) partitions[p.partitionIndex] = p.errorCode;
    out[topic.name] = partitions;
  }
  return out;
}

function fetchOffsets(client: WireClient, version: number, groupId: string, topics: Readonly<Record<string, readonly number[]>> | null): Promise<OffsetFetchResponse> {
  return client.request(ApiKey.OFFSET_FETCH, version, {
    groupId,
    topics: topics === null ? null : Object.entries(topics).map(([name, partitionIndexes]) => ({ name, partitionIndexes })),
  });
}

interface Fetched {
  offset: bigint;
  leaderEpoch: number;
  metadata: string | null;
  errorCode: number;
}

/** `topic:partition` → what OffsetFetch said, sorted by key, so whole answers compare with deepEqual. */
function fetchedMap(topics: readonly FetchedTopic[]): Record<string, Fetched> {
  const entries: [string, Fetched][] = [];
  for (const topic of topics) {
    for (const p of topic.partitions) {
      entries.push([`${topic.name}:${p.partitionIndex}`, { offset: p.committedOffset, leaderEpoch: p.committedLeaderEpoch, metadata: p.metadata, errorCode: p.errorCode }]);
    }
  }
  return Object.fromEntries(entries.sort(([a], [b]) => a.localeCompare(b)));
}

async function committedOffset(client: WireClient, groupId: string, topic: string, partition: number): Promise<bigint> {
  const response = await fetchOffsets(client, 5, groupId, { [topic]: [partition] });
  const p = response.topics[0]?.partitions[0];
  if (p === undefined) throw new Error(`OffsetFetch for ${groupId} answered nothing for ${topic}-${partition}`);
  return p.committedOffset;
}


function joinGroup(client: WireClient, groupId: string, memberId: string, groupInstanceId: string | null = null): Promise<JoinGroupResponse> {
  return client.request(ApiKey.JOIN_GROUP, 5, {
    groupId,
    sessionTimeoutMs: SESSION_MS,
    rebalanceTimeoutMs: SESSION_MS,
    memberId,
    groupInstanceId,
    protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: Buffer.from('sub') }],
  });
}

interface Member {
  client: WireClient;
  memberId: string;
  generationId: number;
}

/** A member joins (KIP-394's two steps) and syncs: a Stable group of one. */
async function stableMember(t: ExecutionContext, port: number, groupId: string): Promise<Member> {
  const client = await connect(t, port);
  const first = await joinGroup(client, groupId, '');
  if (first.errorCode !== ErrorCode.MEMBER_ID_REQUIRED) throw new Error(`first join: ${first.errorCode}`);
  const joined = await joinGroup(client, groupId, first.memberId);
  if (joined.errorCode !== ErrorCode.NONE) throw new Error(`join: ${joined.errorCode}`);
  const memberId = joined.memberId;
  const synced = await client.request(ApiKey.SYNC_GROUP, 3, {
    groupId,
    generationId: joined.generationId,
    memberId,
    groupInstanceId: null,
    assignments: [{ memberId, assignment: Buffer.from('asg') }],
  });
  if (synced.errorCode !== ErrorCode.NONE) throw new Error(`sync: ${synced.errorCode}`);
  return { client, memberId, generationId: joined.generationId };
}

function heartbeat(client: WireClient, groupId: string, generationId: number, memberId: string, groupInstanceId: string | null = null): Promise<number> {
  return client.request(ApiKey.HEARTBEAT, 3, { groupId, generationId, memberId, groupInstanceId }).then((r) => r.errorCode);
}

async function leave(member: Member, groupId: string): Promise<void> {
  const left = await member.client.request(ApiKey.LEAVE_GROUP, 1, { groupId, memberId: member.memberId });
  if (left.errorCode !== ErrorCode.NONE) throw new Error(`leave: ${left.errorCode}`);
}

// ---------------------------------------------------------------------------------------------
// Round trips

test('OffsetCommit v0-7 round-trip through OffsetFetch v0-5 with their metadata (null stored as "") and leader epochs (v6+ / v5+)', async (t) => {
  const { port } = await startTestBroker(t, { groups: GROUPS });
  const client = await connect(t, port);
  await createTopic(client, 'rt', 3);
  for (let commitVersion = 0; commitVersion <= 7; commitVersion++) {
    const groupId = `rt-commit-v${commitVersion}`;
    const committed = await commit(client, commitVersion, groupId, {
      rt: [
        { partition: 0, offset: 100n + BigInt(commitVersion), metadata: `meta-v${commitVersion}`, leaderEpoch: 5 },
        { partition: 1, offset: 200n + BigInt(commitVersion), metadata: '' },
        { partition: 2, offset: 300n + BigInt(commitVersion), metadata: null, leaderEpoch: 9 },
      ],
    });
    t.deepEqual(commitErrors(committed), { rt: { 0: ErrorCode.NONE, 1: ErrorCode.NONE, 2: ErrorCode.NONE } }, `commit v${commitVersion}`);

    // Leader epochs travel in OffsetCommit v6+ and come back in OffsetFetch v5+.
    const storedEpoch = (sent: number): number => (commitVersion >= 6 ? sent : -1);
    for (let fetchVersion = 0; fetchVersion <= 5; fetchVersion++) {
      const fetched = await fetchOffsets(client, fetchVersion, groupId, { rt: [0, 1, 2] });
      if (fetchVersion >= 2) t.is(fetched.errorCode, ErrorCode.NONE);
      const epoch = (sent: number): number => (fetchVersion >= 5 ? storedEpoch(sent) : -1);
      t.deepEqual(
        fetchedMap(fetched.topics),
        {
          'rt:0': { offset: 100n + BigInt(commitVersion), leaderEpoch: epoch(5), metadata: `meta-v${commitVersion}`, errorCode: ErrorCode.NONE },
          'rt:1': { offset: 200n + BigInt(commitVersion), leaderEpoch: -1, metadata: '', errorCode: ErrorCode.NONE },
          'rt:2': { offset: 300n + BigInt(commitVersion), leaderEpoch: epoch(9), metadata: '', errorCode: ErrorCode.NONE },
        },
        `commit v${commitVersion}, fetch v${fetchVersion}`,
      );
    }
  }
});

test('a later commit replaces an earlier one; metadata with any UTF-8 round-trips', async (t) => {
  const { port } = await startTestBroker(t, { groups: GROUPS });
  const client = await connect(t, port);
  await createTopic(client, 'overwrite', 1);
  t.deepEqual(commitErrors(await commit(client, 7, 'ow', { overwrite: [{ partition: 0, offset: 1n, metadata: 'first' }] })), { overwrite: { 0: 0 } });
  t.deepEqual(commitErrors(await commit(client, 7, 'ow', { overwrite: [{ partition: 0, offset: 0n, metadata: 'ünïcødé 😀 {"json":true}', leaderEpoch: 2 }] })), { overwrite: { 0: 0 } });
  const fetched = await fetchOffsets(client, 5, 'ow', { overwrite: [0] });
  t.deepEqual(fetchedMap(fetched.topics), { 'overwrite:0': { offset: 0n, leaderEpoch: 2, metadata: 'ünïcødé 😀 {"json":true}', errorCode: 0 } });
});

test('OffsetFetch with topics null (v2+) returns every committed partition; an unknown group has offsets -1', async (t) => {
  const { port } = await startTestBroker(t, { groups: GROUPS });
  const client = await connect(t, port);
  await createTopic(client, 'all-a', 3);
  await createTopic(client, 'all-b', 2);
  const committed = await commit(client, 7, 'all', {
    'all-a': [
      { partition: 2, offset: 12n, metadata: 'a2' },
      { partition: 0, offset: 10n, metadata: 'a0' },
    ],
    'all-b': [{ partition: 1, offset: 21n, metadata: null, leaderEpoch: 4 }],
  });
  t.deepEqual(commitErrors(committed), { 'all-a': { 0: 0, 2: 0 }, 'all-b': { 1: 0 } });
  for (const version of [2, 3, 4, 5]) {
    const fetched = await fetchOffsets(client, version, 'all', null);
    t.is(fetched.errorCode, ErrorCode.NONE);
    t.deepEqual(
      fetchedMap(fetched.topics),
      {
        'all-a:0': { offset: 10n, leaderEpoch: -1, metadata: 'a0', errorCode: 0 },
        'all-a:2': { offset: 12n, leaderEpoch: -1, metadata: 'a2', errorCode: 0 },
        'all-b:1': { offset: 21n, leaderEpoch: version >= 5 ? 4 : -1, metadata: '', errorCode: 0 },
      },
      `v${version}`,
    );
  }
  // A partition never committed, in a group that has commits.
  const missing = await fetchOffsets(client, 5, 'all', { 'all-a': [1] });
  t.deepEqual(fetchedMap(missing.topics), { 'all-a:1': { offset: -1n, leaderEpoch: -1, metadata: '', errorCode: 0 } });

  for (const version of [0, 1, 2, 3, 4, 5]) {
    const unknown = await fetchOffsets(client, version, 'no-such-group', { 'all-a': [0, 1], 'never-created': [0] });
    t.deepEqual(
      fetchedMap(unknown.topics),
      {
        'all-a:0': { offset: -1n, leaderEpoch: -1, metadata: '', errorCode: 0 },
        'all-a:1': { offset: -1n, leaderEpoch: -1, metadata: '', errorCode: 0 },
        'never-created:0': { offset: -1n, leaderEpoch: -1, metadata: '', errorCode: 0 },
      },
      `v${version}`,
    );
  }
  const unknownAll = await fetchOffsets(client, 5, 'no-such-group', null);
  t.is(unknownAll.errorCode, ErrorCode.NONE);
  t.deepEqual(unknownAll.topics, []);
});

// ---------------------------------------------------------------------------------------------
// Who may commit

test('a member of the current generation commits; a wrong generation gets ILLEGAL_GENERATION, an unknown member UNKNOWN_MEMBER_ID', async (t) => {
  const { port } = await startTestBroker(t, { groups: GROUPS });
  const admin = await connect(t, port);
  await createTopic(admin, 'member-commits', 1);
  const m = await stableMember(t, port, 'mc');
  const at = (offset: bigint): Record<string, CommitPartition[]> => ({ 'member-commits': [{ partition: 0, offset, metadata: `o${offset}` }] });

  for (const version of [1, 2, 5, 7]) {
    const ok = await commit(m.client, version, 'mc', at(BigInt(version)), { generationId: m.generationId, memberId: m.memberId });
    t.deepEqual(commitErrors(ok), { 'member-commits': { 0: ErrorCode.NONE } }, `v${version}`);
    t.is(await committedOffset(admin, 'mc', 'member-commits', 0), BigInt(version));

    const wrongGeneration = await commit(m.client, version, 'mc', at(100n), { generationId: m.generationId + 1, memberId: m.memberId });
    t.deepEqual(commitErrors(wrongGeneration), { 'member-commits': { 0: ErrorCode.ILLEGAL_GENERATION } }, `v${version}`);
    const unknownMember = await commit(m.client, version, 'mc', at(101n), { generationId: m.generationId, memberId: 'nobody' });
    t.deepEqual(commitErrors(unknownMember), { 'member-commits': { 0: ErrorCode.UNKNOWN_MEMBER_ID } }, `v${version}`);
    t.is(await committedOffset(admin, 'mc', 'member-commits', 0), BigInt(version), 'refused commits change nothing');
  }
  // A generation for a group that does not exist: ILLEGAL_GENERATION (OffsetCommit before v9).
  const noGroup = await commit(admin, 7, 'no-such-group', at(1n), { generationId: 3, memberId: 'someone' });
  t.deepEqual(commitErrors(noGroup), { 'member-commits': { 0: ErrorCode.ILLEGAL_GENERATION } });
});

test('a commit without generation or member (admin tools, assign() users) is accepted by an Empty or unknown group and refused by a group with members', async (t) => {
  const { port } = await startTestBroker(t, { groups: GROUPS });
  const admin = await connect(t, port);
  await createTopic(admin, 'simple', 1);
  const at = (offset: bigint): Record<string, CommitPartition[]> => ({ simple: [{ partition: 0, offset }] });

  // An unknown group becomes a "simple" group.
  for (const version of [0, 1, 7]) {
    t.deepEqual(commitErrors(await commit(admin, version, `simple-v${version}`, at(5n))), { simple: { 0: ErrorCode.NONE } }, `v${version}`);
    t.is(await committedOffset(admin, `simple-v${version}`, 'simple', 0), 5n);
  }

  const m = await stableMember(t, port, 'with-members');
  for (const version of [0, 1, 2, 7]) {
    const refused = await commit(admin, version, 'with-members', at(6n));
    t.deepEqual(commitErrors(refused), { simple: { 0: ErrorCode.UNKNOWN_MEMBER_ID } }, `v${version}`);
  }
  t.is(await committedOffset(admin, 'with-members', 'simple', 0), -1n);

  await leave(m, 'with-members');
  await pollUntil(
    async () => (await admin.request(ApiKey.DESCRIBE_GROUPS, 4, { groups: ['with-members'] })).groups[0]?.groupState,
    (state) => state === 'Empty',
    'the group to be Empty',
  );
  for (const version of [0, 1, 7]) {
    t.deepEqual(commitErrors(await commit(admin, version, 'with-members', at(7n + BigInt(version)))), { simple: { 0: ErrorCode.NONE } }, `v${version}`);
  }
  t.is(await committedOffset(admin, 'with-members', 'simple', 0), 14n);
});

test('commits are refused with REBALANCE_IN_PROGRESS while the group completes a rebalance, and accepted from the current generation while it prepares one', async (t) => {
  const { port } = await startTestBroker(t, { groups: GROUPS });
  const admin = await connect(t, port);
  await createTopic(admin, 'rebalancing', 1);
  const at = (offset: bigint): Record<string, CommitPartition[]> => ({ rebalancing: [{ partition: 0, offset }] });
  const m = await stableMember(t, port, 'rb');

  // A second member arrives; the group prepares a rebalance until m rejoins.
  const other = await connect(t, port);
  const first = await joinGroup(other, 'rb', '');
  t.is(first.errorCode, ErrorCode.MEMBER_ID_REQUIRED);
  const otherJoined = joinGroup(other, 'rb', first.memberId);
  await pollUntil(
    () => heartbeat(m.client, 'rb', m.generationId, m.memberId),
    (code) => code === ErrorCode.REBALANCE_IN_PROGRESS,
    'the rebalance to start',
  );
  const duringPrepare = await commit(m.client, 7, 'rb', at(1n), { generationId: m.generationId, memberId: m.memberId });
  t.deepEqual(commitErrors(duringPrepare), { rebalancing: { 0: ErrorCode.NONE } });

  const [rejoined, otherJoin] = await Promise.all([joinGroup(m.client, 'rb', m.memberId), otherJoined]);
  t.is(rejoined.generationId, m.generationId + 1);
  t.is(otherJoin.generationId, m.generationId + 1);
  // CompletingRebalance: no SyncGroup yet.
  const duringComplete = await commit(m.client, 7, 'rb', at(2n), { generationId: rejoined.generationId, memberId: m.memberId });
  t.deepEqual(commitErrors(duringComplete), { rebalancing: { 0: ErrorCode.REBALANCE_IN_PROGRESS } });
  t.is(await committedOffset(admin, 'rb', 'rebalancing', 0), 1n);
});

test('a commit from a fenced static member id gets FENCED_INSTANCE_ID', async (t) => {
  const { port } = await startTestBroker(t, { groups: GROUPS });
  const admin = await connect(t, port);
  await createTopic(admin, 'static-commits', 1);
  const oldClient = await connect(t, port);
  const old = await joinGroup(oldClient, 'static-c', '', 'inst');
  t.is(old.errorCode, ErrorCode.NONE);
  const replacement = await joinGroup(await connect(t, port), 'static-c', '', 'inst');
  t.is(replacement.errorCode, ErrorCode.NONE);
  t.not(replacement.memberId, old.memberId);
  const fenced = await commit(oldClient, 7, 'static-c', { 'static-commits': [{ partition: 0, offset: 1n }] }, { generationId: old.generationId, memberId: old.memberId, groupInstanceId: 'inst' });
  t.deepEqual(commitErrors(fenced), { 'static-commits': { 0: ErrorCode.FENCED_INSTANCE_ID } });
  t.is(await committedOffset(admin, 'static-c', 'static-commits', 0), -1n);
});

// ---------------------------------------------------------------------------------------------
// Per-partition errors

test('metadata longer than offsetMetadataMaxBytes fails that partition only with OFFSET_METADATA_TOO_LARGE', async (t) => {
  const { port } = await startTestBroker(t, { groups: GROUPS });
  const client = await connect(t, port);
  await createTopic(client, 'meta', 3);
  const response = await commit(client, 7, 'meta-g', {
    meta: [
      { partition: 0, offset: 1n, metadata: 'x'.repeat(4097) },
      { partition: 1, offset: 2n, metadata: 'y'.repeat(4096) },
      { partition: 2, offset: 3n, metadata: 'z' },
    ],
  });
  t.deepEqual(commitErrors(response), { meta: { 0: ErrorCode.OFFSET_METADATA_TOO_LARGE, 1: ErrorCode.NONE, 2: ErrorCode.NONE } });
  const fetched = await fetchOffsets(client, 5, 'meta-g', { meta: [0, 1, 2] });
  t.deepEqual(fetchedMap(fetched.topics), {
    'meta:0': { offset: -1n, leaderEpoch: -1, metadata: '', errorCode: 0 },
    'meta:1': { offset: 2n, leaderEpoch: -1, metadata: 'y'.repeat(4096), errorCode: 0 },
    'meta:2': { offset: 3n, leaderEpoch: -1, metadata: 'z', errorCode: 0 },
  });
});

test('the metadata limit follows groups.offsetMetadataMaxBytes', async (t) => {
  const { port } = await startTestBroker(t, { groups: { ...GROUPS, offsetMetadataMaxBytes: 8 } });
  const client = await connect(t, port);
  await createTopic(client, 'meta-small', 2);
  const response = await commit(client, 2, 'meta-small-g', {
    'meta-small': [
      { partition: 0, offset: 1n, metadata: '123456789' },
      { partition: 1, offset: 2n, metadata: '12345678' },
    ],
  });
  t.deepEqual(commitErrors(response), { 'meta-small': { 0: ErrorCode.OFFSET_METADATA_TOO_LARGE, 1: ErrorCode.NONE } });
});

test('a commit to an unknown topic fails those partitions with UNKNOWN_TOPIC_OR_PARTITION; the rest are stored', async (t) => {
  const { port } = await startTestBroker(t, { groups: GROUPS, autoCreateTopics: true });
  const client = await connect(t, port);
  await createTopic(client, 'known', 1);
  const response = await commit(client, 7, 'unknown-topic-g', {
    known: [{ partition: 0, offset: 9n }],
    'not-a-topic': [
      { partition: 0, offset: 1n },
      { partition: 1, offset: 2n },
    ],
  });
  t.deepEqual(commitErrors(response), {
    known: { 0: ErrorCode.NONE },
    'not-a-topic': { 0: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 1: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION },
  });
  t.is(await committedOffset(client, 'unknown-topic-g', 'known', 0), 9n);
  t.is(await committedOffset(client, 'unknown-topic-g', 'not-a-topic', 0), -1n);
  // OffsetCommit never creates topics.
  const metadata = await client.request(ApiKey.METADATA, 8, { topics: null, allowAutoTopicCreation: false });
  t.false(metadata.topics.some((topic) => topic.name === 'not-a-topic'));
});

test('the empty group id may commit and fetch offsets (Kafka allows it for OffsetCommit/OffsetFetch)', async (t) => {
  const { port } = await startTestBroker(t, { groups: GROUPS });
  const client = await connect(t, port);
  await createTopic(client, 'nameless', 1);
  const response = await commit(client, 2, '', { nameless: [{ partition: 0, offset: 3n, metadata: 'm' }] });
  t.deepEqual(commitErrors(response), { nameless: { 0: ErrorCode.NONE } });
  t.is(await committedOffset(client, '', 'nameless', 0), 3n);
});

// ---------------------------------------------------------------------------------------------
// Durability and housekeeping

test('offsets and the stable group survive a restart: the member keeps heartbeating, a newcomer starts the next generation', async (t) => {
  // Kafka's 50 partitions: the two groups' records land in different ones.
  const first = await startTestBroker(t, { groups: { ...GROUPS, offsetsTopicPartitions: 50 } });
  const admin = await connect(t, first.port);
  await createTopic(admin, 'durable', 2);
  const m = await stableMember(t, first.port, 'durable-g');
  // The leader rejoins: generation 2.
  const rejoined = await joinGroup(m.client, 'durable-g', m.memberId);
  t.is(rejoined.generationId, 2);
  const synced = await m.client.request(ApiKey.SYNC_GROUP, 3, {
    groupId: 'durable-g',
    generationId: 2,
    memberId: m.memberId,
    groupInstanceId: null,
    assignments: [{ memberId: m.memberId, assignment: Buffer.from('asg') }],
  });
  t.is(synced.errorCode, ErrorCode.NONE);
  const committed = await commit(
    m.client,
    7,
    'durable-g',
    {
      durable: [
        { partition: 0, offset: 10n, metadata: 'kept', leaderEpoch: 3 },
        { partition: 1, offset: 20n, metadata: null },
      ],
    },
    { generationId: 2, memberId: m.memberId },
  );
  t.deepEqual(commitErrors(committed), { durable: { 0: 0, 1: 0 } });
  t.deepEqual(commitErrors(await commit(admin, 1, 'durable-admin', { durable: [{ partition: 1, offset: 77n, metadata: 'simple' }] })), { durable: { 1: 0 } });
  const before = fetchedMap((await fetchOffsets(admin, 5, 'durable-g', null)).topics);
  t.deepEqual(before, {
    'durable:0': { offset: 10n, leaderEpoch: 3, metadata: 'kept', errorCode: 0 },
    'durable:1': { offset: 20n, leaderEpoch: -1, metadata: '', errorCode: 0 },
  });

  const second = await first.restart();
  const after = await connect(t, second.port);
  t.deepEqual(fetchedMap((await fetchOffsets(after, 5, 'durable-g', null)).topics), before);
  t.deepEqual(fetchedMap((await fetchOffsets(after, 5, 'durable-admin', { durable: [1] })).topics), {
    'durable:1': { offset: 77n, leaderEpoch: -1, metadata: 'simple', errorCode: 0 },
  });

  // As Kafka reloads groups: the member and its assignment are back, in the same generation.
  t.is(await heartbeat(after, 'durable-g', 2, m.memberId), ErrorCode.NONE);
  const resynced = await after.request(ApiKey.SYNC_GROUP, 3, {
    groupId: 'durable-g',
    generationId: 2,
    memberId: m.memberId,
    groupInstanceId: null,
    assignments: [],
  });
  t.is(resynced.errorCode, ErrorCode.NONE);
  t.deepEqual(resynced.assignment, Buffer.from('asg'));
  // A parked JoinGroup holds back later answers on its connection, so the newcomer has its own.
  const newcomer = await connect(t, second.port);
  const firstJoin = await joinGroup(newcomer, 'durable-g', '');
  t.is(firstJoin.errorCode, ErrorCode.MEMBER_ID_REQUIRED);
  const joinedLater = joinGroup(newcomer, 'durable-g', firstJoin.memberId);
  // The old member learns of the rebalance from its heartbeat and rejoins; both land in generation 3.
  t.is(await heartbeat(after, 'durable-g', 2, m.memberId), ErrorCode.REBALANCE_IN_PROGRESS);
  const [oldRejoined, joined] = await Promise.all([joinGroup(after, 'durable-g', m.memberId), joinedLater]);
  t.is(oldRejoined.errorCode, ErrorCode.NONE);
  t.is(joined.errorCode, ErrorCode.NONE);
  t.is(joined.generationId, 3);
});

test('__consumer_offsets is compacted: 500 commits of one partition shrink to a few records and the latest offset survives a restart', async (t) => {
  const settings = { groups: { ...GROUPS, offsetsTopicPartitions: 1, offsetsTopicSegmentBytes: 4096 }, log: { cleanerIntervalMs: 200 } };
  const first = await startTestBroker(t, settings);
  const client = await connect(t, first.port);
  await createTopic(client, 'compacted-src', 1);
  const commits = Array.from({ length: 500 }, (_, i) => commit(client, 7, 'compact-g', { 'compacted-src': [{ partition: 0, offset: BigInt(i), metadata: `m${i}` }] }));
  const results = await Promise.all(commits);
  t.true(results.every((r) => r.topics[0]?.partitions[0]?.errorCode === ErrorCode.NONE));
  t.is(await committedOffset(client, 'compact-g', 'compacted-src', 0), 499n);

  const key = encodeOffsetKey('compact-g', 'compacted-src', 0);
  const recordsForKey = async (): Promise<{ count: number; last: bigint | undefined; highWatermark: bigint }> => {
    const { records, highWatermark } = await readPartition(client, OFFSETS_TOPIC, 0);
    const mine = records.filter((r) => r.key?.equals(key) === true);
    const last = mine[mine.length - 1];
    return { count: mine.length, last: last?.value ? decodeOffsetValue(last.value).offset : undefined, highWatermark };
  };
  const shrunk = await pollUntil(recordsForKey, (r) => r.count <= 100, 'compaction of __consumer_offsets', 20_000);
  t.is(shrunk.last, 499n);
  t.true(shrunk.highWatermark >= 500n, 'offsets are never renumbered');

  const { records } = await readPartition(client, OFFSETS_TOPIC, 0);
  for (const record of records) {
    t.deepEqual(decodeKey(record.key ?? Buffer.alloc(0)), { kind: 'offset', group: 'compact-g', topic: 'compacted-src', partition: 0 });
  }

  const second = await first.restart();
  const after = await connect(t, second.port);
  const fetched = await fetchOffsets(after, 5, 'compact-g', { 'compacted-src': [0] });
  t.deepEqual(fetchedMap(fetched.topics), { 'compacted-src:0': { offset: 499n, leaderEpoch: -1, metadata: 'm499', errorCode: 0 } });
});

test('offsets of a group that stays Empty expire after offsetsRetentionMs; a group with a live member keeps them', async (t) => {
  const { port } = await startTestBroker(t, { groups: { ...GROUPS, offsetsRetentionMs: 500, offsetsRetentionCheckIntervalMs: 100 } });
  const admin = await connect(t, port);
  await createTopic(admin, 'retained', 1);
  const at = (offset: bigint): Record<string, CommitPartition[]> => ({ retained: [{ partition: 0, offset }] });

  // Committed first, so it has been around longest when the others expire.
  const live = await stableMember(t, port, 'live-g');
  t.deepEqual(commitErrors(await commit(live.client, 7, 'live-g', at(1n), { generationId: live.generationId, memberId: live.memberId })), { retained: { 0: 0 } });

  const leaver = await stableMember(t, port, 'left-g');
  t.deepEqual(commitErrors(await commit(leaver.client, 7, 'left-g', at(2n), { generationId: leaver.generationId, memberId: leaver.memberId })), { retained: { 0: 0 } });
  await leave(leaver, 'left-g');

  t.deepEqual(commitErrors(await commit(admin, 7, 'simple-g', at(3n))), { retained: { 0: 0 } });

  await pollUntil(
    () => committedOffset(admin, 'simple-g', 'retained', 0),
    (offset) => offset === -1n,
    'the simple group’s offsets to expire',
  );
  await pollUntil(
    () => committedOffset(admin, 'left-g', 'retained', 0),
    (offset) => offset === -1n,
    'the emptied group’s offsets to expire',
  );
  t.is(await heartbeat(live.client, 'live-g', live.generationId, live.memberId), ErrorCode.NONE);
  t.is(await committedOffset(admin, 'live-g', 'retained', 0), 1n);

  const described = await admin.request(ApiKey.DESCRIBE_GROUPS, 4, { groups: ['simple-g', 'left-g', 'live-g'] });
  t.deepEqual(
    described.groups.map((g) => [g.groupId, g.groupState]),
    [
      ['simple-g', 'Dead'],
      ['left-g', 'Dead'],
      ['live-g', 'Stable'],
    ],
  );
  const listed = await admin.request(ApiKey.LIST_GROUPS, 2, {});
  t.deepEqual(
    listed.groups.map((g) => g.groupId),
    ['live-g'],
  );
});
