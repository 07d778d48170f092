import test from 'ava';
import {
  ApiKey,
  ProtocolError,
  ProtocolErrorCode,
  Reader,
  Writer,
  decodeMessage,
  decodeRequest,
  describedVersion,
  encodeMessage,
  encodeRequest,
  fetchApi,
  metadataApi,
  produceApi,
} from '../../../../core/protocol/index.ts';
import type { FieldDescriptor, MessageInput, MessageValue } from '../../../../core/protocol/index.ts';
import { throwsCode } from '../../../helpers/throws-code.ts';

/** A made-up message exercising what no described API uses yet within its versions. */
const probe = [
  { name: 'id', type: 'int32', versions: '0+' },
  { name: 'ratio', type: 'float64', versions: '0+' },
  { name: 'small', type: 'uint16', versions: '0+' },
  { name: 'wide', type: 'uint32', versions: '0+' },
  { name: 'topicId', type: 'uuid', versions: '1+' },
  {
    name: 'leader',
    type: 'struct',
    versions: '0+',
    fields: [
      { name: 'leaderId', type: 'int32', versions: '0+', default: -1 },
      { name: 'leaderEpoch', type: 'int32', versions: '0+', default: -1 },
    ],
  },
  {
    name: 'maybe',
    type: 'struct',
    versions: '0+',
    nullableVersions: '0+',
    fields: [{ name: 'x', type: 'int8', versions: '0+' }],
  },
  { name: 'labels', type: 'array', items: 'string', versions: '0+', nullableVersions: '1+' },
  {
    name: 'current',
    type: 'struct',
    versions: '1+',
    taggedVersions: '1+',
    tag: 0,
    fields: [
      { name: 'leaderId', type: 'int32', versions: '0+', default: -1 },
      { name: 'leaderEpoch', type: 'int32', versions: '0+', default: -1 },
    ],
  },
  { name: 'clusterId', type: 'string', versions: '1+', nullableVersions: '1+', taggedVersions: '1+', tag: 2 },
] as const satisfies readonly FieldDescriptor[];

type Probe = MessageValue<typeof probe>;

function roundTrip(version: number, flexible: boolean, value: MessageInput<typeof probe>): { bytes: Buffer; decoded: Probe } {
  const w = new Writer();
  encodeMessage(probe, version, flexible, value, w);
  const bytes = w.finish();
  const r = new Reader(bytes);
  const decoded = decodeMessage(probe, version, flexible, r);
  if (r.remaining() !== 0) throw new Error('bytes left over');
  return { bytes, decoded };
}

test('structs, nullable structs, uint and float fields round-trip in classic encoding', (t) => {
  const value: Probe = {
    id: 5,
    ratio: 0.125,
    small: 65535,
    wide: 4294967295,
    topicId: '00000000-0000-0000-0000-000000000000',
    leader: { leaderId: 3, leaderEpoch: 9 },
    maybe: null,
    labels: ['a', 'b'],
    current: { leaderId: -1, leaderEpoch: -1 },
    clusterId: null,
  };
  const { bytes, decoded } = roundTrip(0, false, value);
  t.deepEqual(decoded, value);
  t.is(
    bytes.toString('hex'),
    ['00000005', '3fc0000000000000', 'ffff', 'ffffffff', '00000003', '00000009', 'ff', '00000002', '000161', '000162'].join(''),
  );
  t.deepEqual(roundTrip(0, false, { ...value, maybe: { x: 4 } }).decoded.maybe, { x: 4 });
});

test('tagged fields are written only when they differ from their defaults, in tag order', (t) => {
  const base = { id: 1, topicId: '0123abcd-4567-89ef-0123-456789abcdef', labels: null };
  const plain = roundTrip(1, true, base);
  t.true(plain.bytes.toString('hex').endsWith('00'), 'empty tagged-field section');
  t.deepEqual(plain.decoded.current, { leaderId: -1, leaderEpoch: -1 });
  t.is(plain.decoded.clusterId, null);

  const tagged = roundTrip(1, true, { ...base, clusterId: 'c1', current: { leaderId: 2, leaderEpoch: 3 } });
  // count 2 | tag 0, size 9: int32 2, int32 3, struct tag section | tag 2, size 3: compact "c1"
  t.true(tagged.bytes.toString('hex').endsWith('02' + '0009' + '00000002' + '00000003' + '00' + '0203' + '036331'));
  t.deepEqual(tagged.decoded.current, { leaderId: 2, leaderEpoch: 3 });
  t.is(tagged.decoded.clusterId, 'c1');
});

test('fields absent from a version decode to their defaults', (t) => {
  const { decoded } = roundTrip(0, false, { id: 1, labels: [] });
  t.is(decoded.topicId, '00000000-0000-0000-0000-000000000000');
  t.deepEqual(decoded.current, { leaderId: -1, leaderEpoch: -1 });
  t.deepEqual(decoded.leader, { leaderId: -1, leaderEpoch: -1 });

  // Spec defaults, not zeros: Metadata v3 implies auto-creation, Fetch v0 has no size cap.
  const metadata = decodeMessage(metadataApi.request, 3, false, new Reader(Buffer.from('00000000', 'hex')));
  t.true(metadata.allowAutoTopicCreation);
  const fetchBody = new Writer();
  encodeMessage(fetchApi.request, 0, false, { maxWaitMs: 100, minBytes: 1, topics: [] }, fetchBody);
  const fetch = decodeMessage(fetchApi.request, 0, false, new Reader(fetchBody.finish()));
  t.is(fetch.maxBytes, 0x7fffffff);
  t.is(fetch.sessionEpoch, -1);
  t.is(fetch.rackId, '');
});

test('fields absent from a version are not written, whatever their value', (t) => {
  const w3 = new Writer();
  encodeMessage(metadataApi.request, 3, false, { topics: [], allowAutoTopicCreation: false }, w3);
  t.is(w3.finish().toString('hex'), '00000000');
});

test('null where a version does not allow it is refused with the field path', (t) => {
  const err = t.throws(
    () => {
      encodeMessage(produceApi.request, 3, false, { topicData: [{ name: 't', partitionData: [{ index: 0, records: null }] }, { name: null as unknown as string }] }, new Writer());
    },
    { instanceOf: ProtocolError },
  );
  t.is(err.code, ProtocolErrorCode.INVALID_VALUE);
  t.regex(err.message, /topicData\[1\]\.name at version 3/);
  const err2 = t.throws(() => {
    encodeMessage(metadataApi.request, 0, false, { topics: null }, new Writer());
  });
  t.regex(err2.message, /topics/);
});

test('a value of the wrong type is refused with the field path', (t) => {
  const err = t.throws(
    () => {
      encodeMessage(probe, 0, false, { id: 2 ** 40 }, new Writer());
    },
    { instanceOf: ProtocolError },
  );
  t.is(err.code, ProtocolErrorCode.INVALID_VALUE);
  t.regex(err.message, /^cannot encode id at version 0/);
  const err2 = t.throws(
    () => {
      encodeMessage(probe, 0, false, { labels: ['ok', 7 as unknown as string] }, new Writer());
    },
    { instanceOf: ProtocolError },
  );
  t.regex(err2.message, /labels\[1\]/);
});

test('an omitted struct is written field by field from defaults valid in that version', (t) => {
  const fields = [
    {
      name: 'inner',
      type: 'struct',
      versions: '0+',
      fields: [{ name: 'label', type: 'string', versions: '0+', nullableVersions: '1+' }],
    },
  ] as const satisfies readonly FieldDescriptor[];
  const w = new Writer();
  encodeMessage(fields, 0, false, {}, w);
  t.is(w.finish().toString('hex'), '0000');
});

test('a non-nullable array arriving as null is refused', (t) => {
  throwsCode(t, () => decodeMessage(metadataApi.request, 0, false, new Reader(Buffer.from('ffffffff', 'hex'))), ProtocolErrorCode.INVALID_VALUE);
});

test('records may be written from several buffers without joining them first', (t) => {
  const parts = [Buffer.alloc(2000, 1), Buffer.alloc(10, 2), Buffer.alloc(3000, 3)];
  const frame = encodeRequest(
    { apiKey: ApiKey.PRODUCE, apiVersion: 7, correlationId: 1, clientId: 'p' },
    { acks: -1, timeoutMs: 1000, topicData: [{ name: 't', partitionData: [{ index: 0, records: parts }] }] },
  );
  const chunks = frame.chunks();
  t.true(chunks.includes(parts[0]!) && chunks.includes(parts[2]!), 'large parts are sent by reference');
  const decoded = decodeRequest(frame.finish().subarray(4));
  if (decoded.apiKey !== ApiKey.PRODUCE) {
    t.fail();
    return;
  }
  t.deepEqual(decoded.body.topicData[0]?.partitionData[0]?.records, Buffer.concat(parts));
});

test('versions outside the described range are refused with UNSUPPORTED_VERSION', (t) => {
  throwsCode(t, () => describedVersion(ApiKey.METADATA, 9), ProtocolErrorCode.UNSUPPORTED_VERSION);
  throwsCode(t, () => describedVersion(ApiKey.METADATA, -1), ProtocolErrorCode.UNSUPPORTED_VERSION);
  throwsCode(t, () => describedVersion(7, 0), ProtocolErrorCode.UNKNOWN_API);
  throwsCode(
    t,
    () => encodeRequest({ apiKey: ApiKey.FETCH, apiVersion: 12, correlationId: 1, clientId: null }, {}),
    ProtocolErrorCode.UNSUPPORTED_VERSION,
  );
  // The header of a too-new ApiVersions request still parses (header v2); the body does not.
  const payload = Buffer.from('0012000400000001ffff00' + '00', 'hex');
  throwsCode(t, () => decodeRequest(payload), ProtocolErrorCode.UNSUPPORTED_VERSION);
});

test('a malformed descriptor is reported when first used', (t) => {
  const bad = [{ name: 'x', type: 'int32', versions: '0+', taggedVersions: '0+' }] as const satisfies readonly FieldDescriptor[];
  throwsCode(t, () => decodeMessage(bad, 0, true, new Reader(Buffer.alloc(4))), ProtocolErrorCode.INVALID_DESCRIPTOR);
  const badRange = [{ name: 'x', type: 'int32', versions: '5-2' }] as const satisfies readonly FieldDescriptor[];
  throwsCode(t, () => decodeMessage(badRange, 0, false, new Reader(Buffer.alloc(4))), ProtocolErrorCode.INVALID_DESCRIPTOR);
  const badDefault = [{ name: 'x', type: 'int64', versions: '0+', default: -1 }] as const satisfies readonly FieldDescriptor[];
  throwsCode(t, () => decodeMessage(badDefault, 0, false, new Reader(Buffer.alloc(8))), ProtocolErrorCode.INVALID_DESCRIPTOR);
});
