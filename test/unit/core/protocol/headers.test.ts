import test from 'ava';
import {
  ApiKey,
  ProtocolErrorCode,
  Reader,
  Writer,
  decodeRequestHeader,
  decodeResponseHeader,
  encodeRequestHeader,
  encodeResponseHeader,
  requestHeaderVersion,
  responseHeaderVersion,
} from '../../../../core/protocol/index.ts';
import { throwsCode } from '../../../helpers/throws-code.ts';

test('non-flexible versions use request header v1 and response header v0', (t) => {
  t.is(requestHeaderVersion(ApiKey.METADATA, 8), 1);
  t.is(responseHeaderVersion(ApiKey.METADATA, 8), 0);
  t.is(requestHeaderVersion(ApiKey.PRODUCE, 0), 1);
  t.is(requestHeaderVersion(ApiKey.INCREMENTAL_ALTER_CONFIGS, 0), 1);
});

test('flexible versions use request header v2 and response header v1', (t) => {
  t.is(requestHeaderVersion(ApiKey.INCREMENTAL_ALTER_CONFIGS, 1), 2);
  t.is(responseHeaderVersion(ApiKey.INCREMENTAL_ALTER_CONFIGS, 1), 1);
  // Beyond the described versions the header still follows Kafka's first flexible version.
  t.is(requestHeaderVersion(ApiKey.METADATA, 9), 2);
  t.is(responseHeaderVersion(ApiKey.FETCH, 12), 1);
});

test('ApiVersions: header v2 for flexible requests, but its response header is always v0', (t) => {
  t.is(requestHeaderVersion(ApiKey.API_VERSIONS, 2), 1);
  t.is(requestHeaderVersion(ApiKey.API_VERSIONS, 3), 2);
  t.is(requestHeaderVersion(ApiKey.API_VERSIONS, 4), 2);
  for (const v of [0, 1, 2, 3, 4]) t.is(responseHeaderVersion(ApiKey.API_VERSIONS, v), 0);
});

test('an API key Brook does not describe is refused', (t) => {
  throwsCode(t, () => requestHeaderVersion(7, 0), ProtocolErrorCode.UNKNOWN_API);
  throwsCode(t, () => decodeRequestHeader(new Reader(Buffer.from('03e7000000000001ffff', 'hex'))), ProtocolErrorCode.UNKNOWN_API);
});

test('request header v0, v1 and v2 bytes', (t) => {
  const header = { apiKey: 3, apiVersion: 1, correlationId: 0x0a0b0c0d, clientId: 'id' };
  const bytes = (version: 0 | 1 | 2): string => {
    const w = new Writer();
    encodeRequestHeader(w, header, version);
    return w.finish().toString('hex');
  };
  t.is(bytes(0), '000300010a0b0c0d');
  t.is(bytes(1), '000300010a0b0c0d00026964');
  // v2: the client id keeps its INT16 length; an empty tagged-field section follows.
  t.is(bytes(2), '000300010a0b0c0d0002696400');
  const w = new Writer();
  encodeRequestHeader(w, { ...header, clientId: null }, 1);
  t.is(w.finish().toString('hex'), '000300010a0b0c0dffff');
});

test('a request header is read with the version its API key and version call for', (t) => {
  const r = new Reader(Buffer.from('0012000300000005ffff00' + 'ff', 'hex'));
  t.deepEqual(decodeRequestHeader(r), { apiKey: 18, apiVersion: 3, correlationId: 5, clientId: null, headerVersion: 2 });
  t.is(r.remaining(), 1);
  const r1 = new Reader(Buffer.from('0003000800000005000178', 'hex'));
  t.deepEqual(decodeRequestHeader(r1), { apiKey: 3, apiVersion: 8, correlationId: 5, clientId: 'x', headerVersion: 1 });
  t.is(r1.remaining(), 0);
});

test('response header v0 and v1 bytes', (t) => {
  const w0 = new Writer();
  encodeResponseHeader(w0, { correlationId: 7 }, 0);
  t.is(w0.finish().toString('hex'), '00000007');
  const w1 = new Writer();
  encodeResponseHeader(w1, { correlationId: 7 }, 1);
  t.is(w1.finish().toString('hex'), '0000000700');
  t.deepEqual(decodeResponseHeader(new Reader(Buffer.from('0000000700', 'hex')), 1), { correlationId: 7 });
  t.deepEqual(decodeResponseHeader(new Reader(Buffer.from('00000007', 'hex')), 0), { correlationId: 7 });
});

test('a header tagged field that claims more bytes than remain is refused', (t) => {
  throwsCode(
    t,
    () => decodeResponseHeader(new Reader(Buffer.from('00000007 01 00 09 00'.replaceAll(' ', ''), 'hex')), 1),
    ProtocolErrorCode.INVALID_LENGTH,
  );
});
