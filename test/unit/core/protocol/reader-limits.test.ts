import test from 'ava';
import type { ExecutionContext } from 'ava';
import {
  ProtocolError,
  ProtocolErrorCode,
  Reader,
  Writer,
  decodeMessage,
  decodeRequest,
  encodeRequest,
  fetchApi,
  metadataApi,
  produceApi,
} from '../../../../core/protocol/index.ts';
import type { FieldDescriptor } from '../../../../core/protocol/index.ts';
import { throwsCode } from '../../../helpers/throws-code.ts';

function hex(s: string): Buffer {
  return Buffer.from(s.replaceAll(' ', ''), 'hex');
}

function failure(t: ExecutionContext, fn: () => unknown, code: ProtocolErrorCode): ProtocolError {
  const err = t.throws(fn, { instanceOf: ProtocolError });
  t.is(err.code, code, err.message);
  return err;
}

test('every fixed-size read stops at the end of the input and names the position', (t) => {
  const err = failure(t, () => new Reader(hex('0001 02')).int32(), ProtocolErrorCode.TRUNCATED);
  t.regex(err.message, /byte 0/);
  const r = new Reader(hex('00000001 0000'));
  r.int32();
  const err2 = failure(t, () => r.int64(), ProtocolErrorCode.TRUNCATED);
  t.regex(err2.message, /byte 4.*2 left/);
  for (const read of [
    (x: Reader) => x.int8(),
    (x: Reader) => x.int16(),
    (x: Reader) => x.uint16(),
    (x: Reader) => x.uint32(),
    (x: Reader) => x.float64(),
    (x: Reader) => x.bool(),
    (x: Reader) => x.uuid(),
    (x: Reader) => x.uvarint(),
  ]) {
    throwsCode(t, () => read(new Reader(Buffer.alloc(0))), ProtocolErrorCode.TRUNCATED);
  }
});

test('a reader over part of a buffer never reads past its end', (t) => {
  const buf = hex('00000005 00000006');
  const r = new Reader(buf, 0, 4);
  t.is(r.int32(), 5);
  throwsCode(t, () => r.int32(), ProtocolErrorCode.TRUNCATED);
});

test('lying string and bytes lengths are rejected before reading', (t) => {
  failure(t, () => new Reader(hex('0005 6162')).string(), ProtocolErrorCode.INVALID_LENGTH);
  failure(t, () => new Reader(hex('fffe')).nullableString(), ProtocolErrorCode.INVALID_LENGTH);
  failure(t, () => new Reader(hex('7fffffff 00')).bytes(), ProtocolErrorCode.INVALID_LENGTH);
  failure(t, () => new Reader(hex('fffffffe')).nullableBytes(), ProtocolErrorCode.INVALID_LENGTH);
  failure(t, () => new Reader(hex('06 6162')).compactString(), ProtocolErrorCode.INVALID_LENGTH);
  failure(t, () => new Reader(hex('ffffffff0f 00')).compactBytes(), ProtocolErrorCode.INVALID_LENGTH);
});

test('an array count larger than the bytes left can hold is rejected at the count', (t) => {
  // 0x7fffffff INT32 elements claimed by a 10-byte buffer.
  const err = failure(t, () => new Reader(hex('7fffffff 000000010000')).arrayLength(4), ProtocolErrorCode.INVALID_LENGTH);
  t.regex(err.message, /array count 2147483647 at byte 0/);
  // Two INT32 elements need 8 bytes; 7 are there.
  failure(t, () => new Reader(hex('00000002 00000000 000000')).arrayLength(4), ProtocolErrorCode.INVALID_LENGTH);
  t.is(new Reader(hex('00000002 00000000 00000000')).arrayLength(4), 2);
  failure(t, () => new Reader(hex('80000000')).arrayLength(1), ProtocolErrorCode.INVALID_LENGTH);
  failure(t, () => new Reader(hex('ffffffff0f 00')).compactArrayLength(1), ProtocolErrorCode.INVALID_LENGTH);
});

test('a huge array count in a message fails at the count, before any element is decoded', (t) => {
  // Metadata v0 request: topics array claims 0x7fffffff names, 6 bytes follow.
  const bytes = hex('7fffffff 0001 61 0001 62');
  const err = failure(t, () => decodeMessage(metadataApi.request, 0, false, new Reader(bytes)), ProtocolErrorCode.INVALID_LENGTH);
  t.regex(err.message, /at byte 0/);
  // A struct array is bounded by the struct's smallest encoding: a Fetch v11 topic is at least
  // 2 (name) + 4 (partitions count) bytes, so 2 topics cannot fit in 11 bytes.
  const fetchBody = new Writer();
  fetchBody.int32(-1).int32(0).int32(0).int32(0).int8(0).int32(0).int32(0);
  fetchBody.int32(2).raw(Buffer.alloc(11));
  const fetchErr = failure(
    t,
    () => decodeMessage(fetchApi.request, 11, false, new Reader(fetchBody.finish())),
    ProtocolErrorCode.INVALID_LENGTH,
  );
  t.regex(fetchErr.message, /array count 2 at byte 25/);
});

const flexibleFields = [
  { name: 'id', type: 'int32', versions: '0+' },
  { name: 'note', type: 'string', versions: '0+', taggedVersions: '0+', tag: 0 },
] as const satisfies readonly FieldDescriptor[];

test('a huge tagged-field count is rejected before the loop runs', (t) => {
  // id, then a tagged-field count of 2^32-1 with 3 bytes behind it.
  const err = failure(
    t,
    () => decodeMessage(flexibleFields, 0, true, new Reader(hex('00000001 ffffffff0f 000000'))),
    ProtocolErrorCode.INVALID_LENGTH,
  );
  t.regex(err.message, /tagged field count 4294967295 at byte 4/);
  // Two tagged fields need at least 4 bytes; 3 are there.
  failure(t, () => decodeMessage(flexibleFields, 0, true, new Reader(hex('00000001 02 000000'))), ProtocolErrorCode.INVALID_LENGTH);
});

test('a tagged field whose size exceeds the bytes left is rejected', (t) => {
  failure(
    t,
    () => decodeMessage(flexibleFields, 0, true, new Reader(hex('00000001 01 05 7f 0102'))),
    ProtocolErrorCode.INVALID_LENGTH,
  );
});

test('a known tagged field that does not fill its declared size is rejected', (t) => {
  // tag 0 (note) declares 4 bytes but its compact string takes 2.
  failure(
    t,
    () => decodeMessage(flexibleFields, 0, true, new Reader(hex('00000001 01 00 04 02 61 0000'))),
    ProtocolErrorCode.INVALID_LENGTH,
  );
});

test('a struct array with a lying element count inside a produce request fails cleanly', (t) => {
  const w = new Writer();
  w.nullableString(null).int16(1).int32(1000);
  w.int32(1).string('t');
  w.int32(1).int32(0).int32(0x7ffffff0); // records claims ~2 GiB
  failure(t, () => decodeMessage(produceApi.request, 3, false, new Reader(w.finish())), ProtocolErrorCode.INVALID_LENGTH);
});

test('every truncation of a valid request fails with a ProtocolError, never another error', (t) => {
  const frame = encodeRequest(
    { apiKey: 3, apiVersion: 8, correlationId: 9, clientId: 'c' },
    { topics: [{ name: 'alpha' }, { name: 'beta' }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: true },
  ).finish();
  const payload = frame.subarray(4);
  t.notThrows(() => decodeRequest(payload));
  for (let cut = 0; cut < payload.length; cut++) {
    const err = t.throws(() => decodeRequest(payload.subarray(0, cut)));
    t.true(err instanceof ProtocolError, `cut at ${cut}: ${String(err)}`);
  }
});

test('bytes after a complete request body are reported', (t) => {
  const frame = encodeRequest({ apiKey: 18, apiVersion: 0, correlationId: 1, clientId: null }, {}).finish();
  const padded = Buffer.concat([frame.subarray(4), Buffer.from([0])]);
  throwsCode(t, () => decodeRequest(padded), ProtocolErrorCode.TRAILING_BYTES);
});
