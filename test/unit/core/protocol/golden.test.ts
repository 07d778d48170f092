/**
 * Bytes written out by hand from the Kafka message specs, field by field, and compared with
 * what Brook writes and reads. Spaces separate fields.
 */
import test from 'ava';
import {
  ApiKey,
  FrameDecoder,
  decodeRequest,
  decodeResponse,
  encodeRequest,
  encodeResponse,
} from '../../../../core/protocol/index.ts';

function hex(s: string): Buffer {
  return Buffer.from(s.replace(/\s+/g, ''), 'hex');
}

function ascii(s: string): string {
  return Buffer.from(s).toString('hex');
}

function payloadOf(frame: Buffer): Buffer {
  const frames = new FrameDecoder().push(frame);
  if (frames.length !== 1) throw new Error(`expected one frame, got ${frames.length}`);
  return frames[0]!;
}

test('ApiVersions v0 request: header v1, empty body', (t) => {
  const expected = hex(`0000000f  0012 0000 00000001  0005 ${ascii('brook')}`);
  const frame = encodeRequest({ apiKey: ApiKey.API_VERSIONS, apiVersion: 0, correlationId: 1, clientId: 'brook' }, {}).finish();
  t.is(frame.toString('hex'), expected.toString('hex'));
  const decoded = decodeRequest(payloadOf(expected));
  t.is(decoded.apiKey, ApiKey.API_VERSIONS);
  t.deepEqual(decoded.header, { apiKey: 18, apiVersion: 0, correlationId: 1, clientId: 'brook', headerVersion: 1 });
  t.deepEqual(decoded.body, { clientSoftwareName: '', clientSoftwareVersion: '' });
});

test('Metadata v1 request for one topic', (t) => {
  // header: key 3, version 1, correlation 7, client id "c"; body: topics [ "test" ]
  const expected = hex(`00000015  0003 0001 00000007 0001 63  00000001 0004 ${ascii('test')}`);
  const frame = encodeRequest(
    { apiKey: ApiKey.METADATA, apiVersion: 1, correlationId: 7, clientId: 'c' },
    { topics: [{ name: 'test' }] },
  ).finish();
  t.is(frame.toString('hex'), expected.toString('hex'));
  const decoded = decodeRequest(payloadOf(expected));
  if (decoded.apiKey !== ApiKey.METADATA) {
    t.fail('wrong API');
    return;
  }
  t.deepEqual(decoded.body.topics, [{ name: 'test' }]);
  t.true(decoded.body.allowAutoTopicCreation, 'before v4 auto-creation is implied');
});

test('Metadata v1 request with null topics (all topics) and v0 with an empty array', (t) => {
  const v1 = encodeRequest({ apiKey: ApiKey.METADATA, apiVersion: 1, correlationId: 0, clientId: null }, { topics: null }).finish();
  t.is(v1.toString('hex'), hex('0000000e 0003 0001 00000000 ffff ffffffff').toString('hex'));
  const v0 = encodeRequest({ apiKey: ApiKey.METADATA, apiVersion: 0, correlationId: 0, clientId: null }, { topics: [] }).finish();
  t.is(v0.toString('hex'), hex('0000000e 0003 0000 00000000 ffff 00000000').toString('hex'));
});

test('ApiVersions v3 request as librdkafka 2.0.2 sends it: header v2, compact strings, tagged fields', (t) => {
  const expected = hex(`
    00000024
    0012 0003 00000001 0007 ${ascii('rdkafka')} 00
    0b ${ascii('librdkafka')} 06 ${ascii('2.0.2')} 00`);
  const frame = encodeRequest(
    { apiKey: ApiKey.API_VERSIONS, apiVersion: 3, correlationId: 1, clientId: 'rdkafka' },
    { clientSoftwareName: 'librdkafka', clientSoftwareVersion: '2.0.2' },
  ).finish();
  t.is(frame.toString('hex'), expected.toString('hex'));
  const decoded = decodeRequest(payloadOf(expected));
  t.deepEqual(decoded.header, { apiKey: 18, apiVersion: 3, correlationId: 1, clientId: 'rdkafka', headerVersion: 2 });
  t.deepEqual(decoded.body, { clientSoftwareName: 'librdkafka', clientSoftwareVersion: '2.0.2' });
});

test('unknown tagged fields in a flexible header and body are skipped', (t) => {
  const payload = hex(`
    0012 0003 00000001 0007 ${ascii('rdkafka')} 01 09 02 abcd
    0b ${ascii('librdkafka')} 06 ${ascii('2.0.2')} 02 05 01 ff 7f 00`);
  const decoded = decodeRequest(payload);
  t.deepEqual(decoded.body, { clientSoftwareName: 'librdkafka', clientSoftwareVersion: '2.0.2' });
});

test('ApiVersions v3 response: response header v0 (no tagged fields), compact array, tagged fields', (t) => {
  // correlation 1 | error 0 | api_keys [{18, 0, 3}] (compact count 2, each struct ends in 00)
  // | throttle 0 | tagged fields: 1 field, tag 1 (finalized epoch) size 8 value 5
  const expected = hex(`
    0000001d 00000001
    0000 02 0012 0000 0003 00 00000000 01 01 08 0000000000000005`);
  const frame = encodeResponse(ApiKey.API_VERSIONS, 3, 1, {
    errorCode: 0,
    apiKeys: [{ apiKey: 18, minVersion: 0, maxVersion: 3 }],
    throttleTimeMs: 0,
    finalizedFeaturesEpoch: 5n,
  }).finish();
  t.is(frame.toString('hex'), expected.toString('hex'));
  const { correlationId, body } = decodeResponse(ApiKey.API_VERSIONS, 3, payloadOf(expected));
  t.is(correlationId, 1);
  t.deepEqual(body, {
    errorCode: 0,
    apiKeys: [{ apiKey: 18, minVersion: 0, maxVersion: 3 }],
    throttleTimeMs: 0,
    supportedFeatures: [],
    finalizedFeaturesEpoch: 5n,
    finalizedFeatures: [],
    zkMigrationReady: false,
  });
});

test('ApiVersions v3 response with default tagged fields writes an empty tag section', (t) => {
  const frame = encodeResponse(ApiKey.API_VERSIONS, 3, 2, { apiKeys: [] }).finish();
  t.is(frame.toString('hex'), hex('0000000c 00000002 0000 01 00000000 00').toString('hex'));
});

test('ApiVersions v0 response: error 35 with the supported range, as a broker answers an unknown version', (t) => {
  const expected = hex('00000010 0000000b 0023 00000001 0012 0000 0003');
  const frame = encodeResponse(ApiKey.API_VERSIONS, 0, 11, {
    errorCode: 35,
    apiKeys: [{ apiKey: 18, minVersion: 0, maxVersion: 3 }],
  }).finish();
  t.is(frame.toString('hex'), expected.toString('hex'));
});

test('Produce v3 response for one partition', (t) => {
  // responses [ { "t", [ { index 0, error 0, base offset 42, log append time -1 } ] } ], throttle 0
  const expected = hex(`
    00000001 0001 74 00000001 00000000 0000 000000000000002a ffffffffffffffff
    00000000`);
  const frame = encodeResponse(ApiKey.PRODUCE, 3, 5, {
    responses: [{ name: 't', partitionResponses: [{ index: 0, errorCode: 0, baseOffset: 42n }] }],
  }).finish();
  t.is(frame.subarray(8).toString('hex'), expected.toString('hex'));
  const { body } = decodeResponse(ApiKey.PRODUCE, 3, frame.subarray(4));
  t.deepEqual(body.responses[0]?.partitionResponses[0], {
    index: 0,
    errorCode: 0,
    baseOffset: 42n,
    logAppendTimeMs: -1n,
    logStartOffset: -1n,
    recordErrors: [],
    errorMessage: null,
  });
});

test('Fetch v4 response: aborted transactions null, records as a view of the frame', (t) => {
  const records = Buffer.from('0102030405', 'hex');
  const frame = encodeResponse(ApiKey.FETCH, 4, 9, {
    responses: [
      {
        topic: 't',
        partitions: [{ partitionIndex: 1, highWatermark: 10n, lastStableOffset: 10n, abortedTransactions: null, records }],
      },
    ],
  }).finish();
  const expected = hex(`
    00000009
    00000000
    00000001 0001 74 00000001
      00000001 0000 000000000000000a 000000000000000a ffffffff 00000005 0102030405`);
  t.is(frame.subarray(4).toString('hex'), expected.toString('hex'));
  const payload = frame.subarray(4);
  const { body } = decodeResponse(ApiKey.FETCH, 4, payload);
  const got = body.responses[0]?.partitions[0]?.records;
  t.deepEqual(got, records);
  t.is(got?.buffer, payload.buffer, 'records are not copied out of the frame');
});
