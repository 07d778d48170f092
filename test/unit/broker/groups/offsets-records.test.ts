import test from 'ava';
import { Writer } from '../../../../core/protocol/index.ts';
import {
  decodeGroupValue,
  decodeKey,
  decodeOffsetValue,
  encodeGroupKey,
  encodeGroupValue,
  encodeOffsetKey,
  encodeOffsetValue,
  offsetsPartitionFor,
} from '../../../../broker/groups/offsets-records.ts';
import type { StoredGroup } from '../../../../broker/groups/offsets-records.ts';

/*
 * The records of __consumer_offsets in Kafka's layout (group-coordinator's OffsetCommitKey,
 * OffsetCommitValue, GroupMetadataKey and GroupMetadataValue), and Kafka's choice of
 * partition for a group. The old-version records are written by hand, field by field, as
 * Kafka's message specs lay them out, so the decoder is checked against the spec and not
 * against our own encoder.
 */

test('an offset key round-trips and is laid out as Kafka writes it (version 1)', async (t) => {
  const key = encodeOffsetKey('my-group', 'orders', 7);
  t.deepEqual(decodeKey(key), { kind: 'offset', group: 'my-group', topic: 'orders', partition: 7 });
  const expected = new Writer().int16(1).string('my-group').string('orders').int32(7).finish();
  t.deepEqual(key, expected);
});

test('a version 0 offset key decodes like version 1', async (t) => {
  const key = new Writer().int16(0).string('g').string('t').int32(3).finish();
  t.deepEqual(decodeKey(key), { kind: 'offset', group: 'g', topic: 't', partition: 3 });
});

test('a group metadata key round-trips and is laid out as Kafka writes it (version 2)', async (t) => {
  const key = encodeGroupKey('my-group');
  t.deepEqual(decodeKey(key), { kind: 'group', group: 'my-group' });
  t.deepEqual(key, new Writer().int16(2).string('my-group').finish());
});

test('keys with non-ASCII names round-trip', async (t) => {
  t.deepEqual(decodeKey(encodeOffsetKey('grüppe-😀', 'tópico', 0)), { kind: 'offset', group: 'grüppe-😀', topic: 'tópico', partition: 0 });
  t.deepEqual(decodeKey(encodeGroupKey('')), { kind: 'group', group: '' });
});

test('an unknown key version is refused', async (t) => {
  const error = t.throws(() => decodeKey(new Writer().int16(3).string('g').finish()));
  t.regex(error.message, /key version 3/);
  t.throws(() => decodeKey(new Writer().int16(-1).finish()));
});

test('an offset value round-trips through version 3 (leader epoch, metadata, commit timestamp)', async (t) => {
  const committed = { offset: 123_456_789_012n, leaderEpoch: 17, metadata: 'consumer-1 was here', commitTimestamp: 1_700_000_000_123n };
  const value = encodeOffsetValue(committed);
  t.deepEqual(decodeOffsetValue(value), committed);
  t.deepEqual(value, new Writer().int16(3).int64(123_456_789_012n).int32(17).string('consumer-1 was here').int64(1_700_000_000_123n).finish());
});

test('an offset value with empty metadata and no leader epoch round-trips', async (t) => {
  const committed = { offset: 0n, leaderEpoch: -1, metadata: '', commitTimestamp: 0n };
  t.deepEqual(decodeOffsetValue(encodeOffsetValue(committed)), committed);
});

test('an offset value with non-ASCII metadata round-trips', async (t) => {
  const committed = { offset: 5n, leaderEpoch: 0, metadata: 'métadonnées 😀', commitTimestamp: 9n };
  t.deepEqual(decodeOffsetValue(encodeOffsetValue(committed)), committed);
});

test('an offset value of version 0 (offset, metadata, commit timestamp) decodes with leader epoch -1', async (t) => {
  const value = new Writer().int16(0).int64(42n).string('m0').int64(1_600_000_000_000n).finish();
  t.deepEqual(decodeOffsetValue(value), { offset: 42n, leaderEpoch: -1, metadata: 'm0', commitTimestamp: 1_600_000_000_000n });
});

test('an offset value of version 1 (with an expire timestamp) decodes, ignoring the expiry', async (t) => {
  const value = new Writer().int16(1).int64(43n).string('m1').int64(1_600_000_000_001n).int64(1_600_086_400_001n).finish();
  t.deepEqual(decodeOffsetValue(value), { offset: 43n, leaderEpoch: -1, metadata: 'm1', commitTimestamp: 1_600_000_000_001n });
});

test('an offset value of version 2 (no expire timestamp, no leader epoch) decodes', async (t) => {
  const value = new Writer().int16(2).int64(44n).string('').int64(1_600_000_000_002n).finish();
  t.deepEqual(decodeOffsetValue(value), { offset: 44n, leaderEpoch: -1, metadata: '', commitTimestamp: 1_600_000_000_002n });
});

test('a truncated offset value is refused', async (t) => {
  const value = encodeOffsetValue({ offset: 1n, leaderEpoch: 1, metadata: 'abc', commitTimestamp: 1n });
  t.throws(() => decodeOffsetValue(value.subarray(0, value.length - 3)));
  t.throws(() => decodeOffsetValue(Buffer.alloc(1)));
});

const storedGroup: StoredGroup = {
  protocolType: 'consumer',
  generation: 12,
  protocol: 'range',
  leader: 'client-a-1',
  stateTimestamp: 1_700_000_000_555n,
  members: [
    {
      memberId: 'client-a-1',
      groupInstanceId: 'instance-a',
      clientId: 'client-a',
      clientHost: '/127.0.0.1',
      rebalanceTimeoutMs: 300_000,
      sessionTimeoutMs: 45_000,
      subscription: Buffer.from([0, 1, 2, 3]),
      assignment: Buffer.from([9, 8, 7]),
    },
    {
      memberId: 'client-b-2',
      groupInstanceId: null,
      clientId: 'client-b',
      clientHost: '/10.0.0.2',
      rebalanceTimeoutMs: 60_000,
      sessionTimeoutMs: 10_000,
      subscription: Buffer.alloc(0),
      assignment: Buffer.alloc(0),
    },
  ],
};

test('a group metadata value round-trips through version 3', async (t) => {
  const value = encodeGroupValue(storedGroup);
  t.is(value.readInt16BE(0), 3);
  t.deepEqual(decodeGroupValue(value), storedGroup);
});

test('an empty group (no protocol, no leader, no members) round-trips', async (t) => {
  const empty: StoredGroup = { protocolType: 'consumer', generation: 3, protocol: null, leader: null, stateTimestamp: 5n, members: [] };
  t.deepEqual(decodeGroupValue(encodeGroupValue(empty)), empty);
});

test('the version 3 group value is laid out field by field as Kafka writes it', async (t) => {
  const one: StoredGroup = { ...storedGroup, members: [storedGroup.members[0]!] };
  const m = storedGroup.members[0]!;
  const expected = new Writer()
    .int16(3)
    .string('consumer')
    .int32(12)
    .nullableString('range')
    .nullableString('client-a-1')
    .int64(1_700_000_000_555n)
    .int32(1)
    .string(m.memberId)
    .nullableString(m.groupInstanceId)
    .string(m.clientId)
    .string(m.clientHost)
    .int32(m.rebalanceTimeoutMs)
    .int32(m.sessionTimeoutMs)
    .bytes(m.subscription)
    .bytes(m.assignment)
    .finish();
  t.deepEqual(encodeGroupValue(one), expected);
});

test('a group metadata value of version 0 decodes: no rebalance timeout (the session timeout stands in), no state timestamp, no instance id', async (t) => {
  const value = new Writer()
    .int16(0)
    .string('consumer')
    .int32(4)
    .nullableString('roundrobin')
    .nullableString('m-1')
    .int32(1)
    .string('m-1')
    .string('client')
    .string('/127.0.0.1')
    .int32(30_000)
    .bytes(Buffer.from('sub'))
    .bytes(Buffer.from('asg'))
    .finish();
  t.deepEqual(decodeGroupValue(value), {
    protocolType: 'consumer',
    generation: 4,
    protocol: 'roundrobin',
    leader: 'm-1',
    stateTimestamp: -1n,
    members: [
      {
        memberId: 'm-1',
        groupInstanceId: null,
        clientId: 'client',
        clientHost: '/127.0.0.1',
        rebalanceTimeoutMs: 30_000,
        sessionTimeoutMs: 30_000,
        subscription: Buffer.from('sub'),
        assignment: Buffer.from('asg'),
      },
    ],
  });
});

test('a group metadata value of version 1 decodes with its rebalance timeout', async (t) => {
  const value = new Writer()
    .int16(1)
    .string('consumer')
    .int32(5)
    .nullableString(null)
    .nullableString(null)
    .int32(1)
    .string('m-2')
    .string('client')
    .string('/127.0.0.1')
    .int32(120_000)
    .int32(10_000)
    .bytes(Buffer.alloc(0))
    .bytes(Buffer.from([1]))
    .finish();
  const decoded = decodeGroupValue(value);
  t.is(decoded.generation, 5);
  t.is(decoded.protocol, null);
  t.is(decoded.leader, null);
  t.is(decoded.stateTimestamp, -1n);
  t.deepEqual(decoded.members, [
    {
      memberId: 'm-2',
      groupInstanceId: null,
      clientId: 'client',
      clientHost: '/127.0.0.1',
      rebalanceTimeoutMs: 120_000,
      sessionTimeoutMs: 10_000,
      subscription: Buffer.alloc(0),
      assignment: Buffer.from([1]),
    },
  ]);
});

test('a group metadata value of version 2 decodes with its state timestamp', async (t) => {
  const value = new Writer()
    .int16(2)
    .string('connect')
    .int32(6)
    .nullableString('sessioned')
    .nullableString('w-1')
    .int64(1_650_000_000_000n)
    .int32(1)
    .string('w-1')
    .string('worker')
    .string('/10.1.1.1')
    .int32(60_000)
    .int32(10_000)
    .bytes(Buffer.from('s'))
    .bytes(Buffer.from('a'))
    .finish();
  t.deepEqual(decodeGroupValue(value), {
    protocolType: 'connect',
    generation: 6,
    protocol: 'sessioned',
    leader: 'w-1',
    stateTimestamp: 1_650_000_000_000n,
    members: [
      {
        memberId: 'w-1',
        groupInstanceId: null,
        clientId: 'worker',
        clientHost: '/10.1.1.1',
        rebalanceTimeoutMs: 60_000,
        sessionTimeoutMs: 10_000,
        subscription: Buffer.from('s'),
        assignment: Buffer.from('a'),
      },
    ],
  });
});

test('a group value whose member count exceeds its bytes is refused before reading members', async (t) => {
  const value = new Writer().int16(3).string('consumer').int32(1).nullableString(null).nullableString(null).int64(0n).int32(1_000_000).finish();
  t.throws(() => decodeGroupValue(value));
});

// Java's String.hashCode values, computed independently: s[0]*31^(n-1) + … + s[n-1], as int32.
test('the partition of a group is abs(Java String.hashCode) % partitions, as Kafka computes it', async (t) => {
  const cases: [group: string, javaHashCode: number][] = [
    ['', 0],
    ['a', 97],
    ['Aa', 2112],
    ['BB', 2112],
    ['group', 98_629_247],
    ['kafka', 101_807_910],
    ['hello world', 1_794_106_052],
    ['test-group', 627_841_412],
    ['my-group', -1_906_497_762],
    ['console-consumer-12345', 158_455_506],
  ];
  for (const [group, hash] of cases) {
    for (const partitions of [1, 7, 50, 1000]) {
      t.is(offsetsPartitionFor(group, partitions), Math.abs(hash) % partitions, `${JSON.stringify(group)} over ${partitions}`);
    }
  }
  // Spelled out for the default 50 partitions.
  t.is(offsetsPartitionFor('', 50), 0);
  t.is(offsetsPartitionFor('a', 50), 47);
  t.is(offsetsPartitionFor('group', 50), 47);
  t.is(offsetsPartitionFor('my-group', 50), 12);
  t.is(offsetsPartitionFor('hello world', 50), 2);
});

test('a group whose hash is Integer.MIN_VALUE goes to partition 0 (Kafka’s Utils.abs)', async (t) => {
  // "polygenelubricants".hashCode() == Integer.MIN_VALUE; Math.abs would keep it negative in Java.
  t.is(offsetsPartitionFor('polygenelubricants', 50), 0);
  t.is(offsetsPartitionFor('polygenelubricants', 7), 0);
});

test('the hash runs over UTF-16 code units, as Java’s does', async (t) => {
  // U+1F600 is the surrogate pair D83D DE00: 0xD83D * 31 + 0xDE00 = 1772899.
  t.is(offsetsPartitionFor('😀', 50), 1_772_899 % 50);
  t.is(offsetsPartitionFor('consumer-group-é', 50), 147_483_204 % 50);
});
