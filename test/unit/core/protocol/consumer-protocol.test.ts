import test from 'ava';
import {
  ProtocolErrorCode,
  Writer,
  decodeConsumerAssignment,
  decodeConsumerSubscription,
  encodeConsumerAssignment,
  encodeConsumerSubscription,
} from '../../../../core/protocol/index.ts';
import { throwsCode } from '../../../helpers/throws-code.ts';

const hex = (b: Buffer): string => b.toString('hex');

test('a v0 subscription is version, topics and user data, byte for byte', (t) => {
  const bytes = encodeConsumerSubscription({ topics: ['ab', 'c'], userData: Buffer.from([7]) });
  t.is(hex(bytes), '0000' + '00000002' + '0002' + '6162' + '0001' + '63' + '00000001' + '07');
  t.deepEqual(decodeConsumerSubscription(bytes), {
    version: 0,
    topics: ['ab', 'c'],
    userData: Buffer.from([7]),
    ownedPartitions: [],
    generationId: -1,
    rackId: null,
  });
  // Null user data is written as length -1.
  t.is(hex(encodeConsumerSubscription({ topics: [] })), '0000' + '00000000' + 'ffffffff');
});

test('v1 adds owned partitions, v2 the generation, v3 the rack; each reads back', (t) => {
  const owned = [
    { topic: 't', partitions: [0, 2] },
    { topic: 'u', partitions: [] },
  ];
  const v1 = encodeConsumerSubscription({ version: 1, topics: ['t', 'u'], userData: Buffer.alloc(0), ownedPartitions: owned, generationId: 9 });
  // librdkafka's layout: an empty (not null) user data, then [topic [partition]]; v1 has no generation field.
  t.is(
    hex(v1),
    '0001' + '00000002' + '000174' + '000175' + '00000000' + '00000002' + '000174' + '00000002' + '00000000' + '00000002' + '000175' + '00000000',
  );
  t.deepEqual(decodeConsumerSubscription(v1), { version: 1, topics: ['t', 'u'], userData: Buffer.alloc(0), ownedPartitions: owned, generationId: -1, rackId: null });

  const v2 = encodeConsumerSubscription({ version: 2, topics: ['t'], ownedPartitions: owned.slice(0, 1), generationId: 9 });
  t.deepEqual(decodeConsumerSubscription(v2), { version: 2, topics: ['t'], userData: null, ownedPartitions: owned.slice(0, 1), generationId: 9, rackId: null });

  const v3 = encodeConsumerSubscription({ version: 3, topics: ['t'], generationId: 4, rackId: 'rack-a' });
  t.deepEqual(decodeConsumerSubscription(v3), { version: 3, topics: ['t'], userData: null, ownedPartitions: [], generationId: 4, rackId: 'rack-a' });
  t.is(hex(v3).slice(-16), '0006' + Buffer.from('rack-a').toString('hex'));
});

test('a subscription that ends early reads the missing fields as their defaults', (t) => {
  // Some clients end a v0 subscription after the topics.
  const topicsOnly = new Writer().int16(0).arrayLength(1).string('t').finish();
  t.deepEqual(decodeConsumerSubscription(topicsOnly), { version: 0, topics: ['t'], userData: null, ownedPartitions: [], generationId: -1, rackId: null });
  // A v1 without its owned partitions, a v2 without its generation.
  const noOwned = new Writer().int16(1).arrayLength(1).string('t').nullableBytes(null).finish();
  t.deepEqual(decodeConsumerSubscription(noOwned).ownedPartitions, []);
  const noGeneration = encodeConsumerSubscription({ version: 1, topics: ['t'], ownedPartitions: [{ topic: 't', partitions: [1] }] });
  const asV2 = Buffer.from(noGeneration);
  asV2.writeInt16BE(2, 0);
  t.deepEqual(decodeConsumerSubscription(asV2), { version: 2, topics: ['t'], userData: null, ownedPartitions: [{ topic: 't', partitions: [1] }], generationId: -1, rackId: null });
});

test('a subscription of a newer version is read with the v3 layout and its extra fields ignored', (t) => {
  const v3 = encodeConsumerSubscription({ version: 3, topics: ['t'], ownedPartitions: [{ topic: 't', partitions: [3] }], generationId: 5, rackId: null });
  const v7 = Buffer.concat([v3, Buffer.from('00000001deadbeef', 'hex')]);
  v7.writeInt16BE(7, 0);
  t.deepEqual(decodeConsumerSubscription(v7), { version: 7, topics: ['t'], userData: null, ownedPartitions: [{ topic: 't', partitions: [3] }], generationId: 5, rackId: null });
  // A v0 reader stops after the user data, whatever follows.
  const v0 = Buffer.from(v3);
  v0.writeInt16BE(0, 0);
  t.deepEqual(decodeConsumerSubscription(v0).ownedPartitions, []);
  t.is(decodeConsumerSubscription(v0).generationId, -1);
});

test('a subscription cut inside a field, or with a negative version, is a ProtocolError', (t) => {
  const bytes = encodeConsumerSubscription({ version: 1, topics: ['topic'], userData: Buffer.from('user'), ownedPartitions: [{ topic: 'topic', partitions: [1, 2] }] });
  throwsCode(t, () => decodeConsumerSubscription(bytes.subarray(0, 1)), ProtocolErrorCode.TRUNCATED);
  // The topic name's length says 5 bytes, 2 are there.
  throwsCode(t, () => decodeConsumerSubscription(bytes.subarray(0, 10)), ProtocolErrorCode.INVALID_LENGTH);
  // Cut in the middle of the owned partitions' last int32.
  throwsCode(t, () => decodeConsumerSubscription(bytes.subarray(0, bytes.length - 2)), ProtocolErrorCode.INVALID_LENGTH);
  const negative = Buffer.from(bytes);
  negative.writeInt16BE(-1, 0);
  throwsCode(t, () => decodeConsumerSubscription(negative), ProtocolErrorCode.INVALID_VALUE);
  throwsCode(t, () => encodeConsumerSubscription({ version: -2, topics: [] }), ProtocolErrorCode.INVALID_VALUE);
});

test('an assignment is version, [topic [partition]] and user data, and reads back', (t) => {
  const bytes = encodeConsumerAssignment({ version: 1, topics: [{ topic: 'orders', partitions: [2, 0] }, { topic: 'audit', partitions: [] }], userData: Buffer.from('ud') });
  t.is(hex(bytes.subarray(0, 6)), '0001' + '00000002');
  t.deepEqual(decodeConsumerAssignment(bytes), {
    version: 1,
    topics: [
      { topic: 'orders', partitions: [2, 0] },
      { topic: 'audit', partitions: [] },
    ],
    userData: Buffer.from('ud'),
  });
  t.is(hex(encodeConsumerAssignment({ topics: [] })), '0000' + '00000000' + 'ffffffff');
});

test('an assignment tolerates empty bytes, a missing user data field and newer trailing fields; truncation is a ProtocolError', (t) => {
  t.deepEqual(decodeConsumerAssignment(Buffer.alloc(0)), { version: 0, topics: [], userData: null });
  const bare = encodeConsumerAssignment({ topics: [{ topic: 't', partitions: [5] }] });
  const expected = { version: 0, topics: [{ topic: 't', partitions: [5] }], userData: null };
  t.deepEqual(decodeConsumerAssignment(bare.subarray(0, bare.length - 4)), expected);
  t.deepEqual(decodeConsumerAssignment(Buffer.concat([bare, Buffer.from([1, 2, 3])])), expected);
  throwsCode(t, () => decodeConsumerAssignment(bare.subarray(0, 9)), ProtocolErrorCode.INVALID_LENGTH);
  throwsCode(t, () => decodeConsumerAssignment(bare.subarray(0, 1)), ProtocolErrorCode.TRUNCATED);
  const negative = Buffer.from(bare);
  negative.writeInt16BE(-3, 0);
  throwsCode(t, () => decodeConsumerAssignment(negative), ProtocolErrorCode.INVALID_VALUE);
});
