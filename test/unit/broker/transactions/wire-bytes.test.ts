/**
 * The flexible transaction messages written out by hand from Kafka's message specs, field by
 * field (compact strings and arrays: length + 1; a tagged-field section, 00 when empty, after
 * the header and every struct), and compared with what Brook's codec writes and reads.
 */
import test from 'ava';
import { ApiKey, FrameDecoder, decodeRequest, decodeResponse, encodeRequest, encodeResponse } from '../../../../core/protocol/index.ts';

function hex(s: string): string {
  return s.replace(/\s+/g, '');
}

function ascii(s: string): string {
  return Buffer.from(s).toString('hex');
}

function payloadOf(frame: Buffer): Buffer {
  const frames = new FrameDecoder().push(frame);
  if (frames.length !== 1) throw new Error(`expected one frame, got ${frames.length}`);
  return frames[0]!;
}

test('ListTransactions v0 request: header v2, compact arrays of strings and int64s', (t) => {
  const body = `02 08${ascii('Ongoing')}  02 0000000000000005  00`;
  const header = `0042 0000 00000001 0005${ascii('brook')} 00`;
  const payload = hex(`${header} ${body}`);
  const frame = encodeRequest({ apiKey: ApiKey.LIST_TRANSACTIONS, apiVersion: 0, correlationId: 1, clientId: 'brook' }, { stateFilters: ['Ongoing'], producerIdFilters: [5n] }).finish();
  t.is(frame.toString('hex'), (payload.length / 2).toString(16).padStart(8, '0') + payload);
  const decoded = decodeRequest(payloadOf(frame));
  t.is(decoded.apiKey, ApiKey.LIST_TRANSACTIONS);
  t.deepEqual(decoded.body, { stateFilters: ['Ongoing'], producerIdFilters: [5n] });
});

test('DescribeTransactions v0 response: header v1, nested compact arrays', (t) => {
  const state = `0000 03${ascii('tx')} 08${ascii('Ongoing')} 0000ea60 0000018bcfe56800 0000000000000007 0001  02 02${ascii('t')} 02 00000000 00  00`;
  const payload = hex(`00000009 00  00000000 02 ${state} 00`);
  const body = {
    throttleTimeMs: 0,
    transactionStates: [
      {
        errorCode: 0,
        transactionalId: 'tx',
        transactionState: 'Ongoing',
        transactionTimeoutMs: 60_000,
        transactionStartTimeMs: 1_700_000_000_000n,
        producerId: 7n,
        producerEpoch: 1,
        topics: [{ topic: 't', partitions: [0] }],
      },
    ],
  };
  const frame = encodeResponse(ApiKey.DESCRIBE_TRANSACTIONS, 0, 9, body).finish();
  t.is(frame.toString('hex'), (payload.length / 2).toString(16).padStart(8, '0') + payload);
  t.deepEqual(decodeResponse(ApiKey.DESCRIBE_TRANSACTIONS, 0, payloadOf(frame)).body, body);
});

test('TxnOffsetCommit v3 request: the member fields after the producer, a null group instance id', (t) => {
  const partition = `00000000 000000000000000a ffffffff 00 00`;
  const body = `03${ascii('tx')} 02${ascii('g')} 0000000000000007 0001 00000005 02${ascii('m')} 00  02 02${ascii('t')} 02 ${partition} 00  00`;
  const payload = hex(`001c 0003 00000002 0005${ascii('brook')} 00 ${body}`);
  const frame = encodeRequest(
    { apiKey: ApiKey.TXN_OFFSET_COMMIT, apiVersion: 3, correlationId: 2, clientId: 'brook' },
    {
      transactionalId: 'tx',
      groupId: 'g',
      producerId: 7n,
      producerEpoch: 1,
      generationId: 5,
      memberId: 'm',
      groupInstanceId: null,
      topics: [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: 10n, committedLeaderEpoch: -1, committedMetadata: null }] }],
    },
  ).finish();
  t.is(frame.toString('hex'), (payload.length / 2).toString(16).padStart(8, '0') + payload);
  const decoded = decodeRequest(payloadOf(frame));
  t.like(decoded.body, { generationId: 5, memberId: 'm', groupInstanceId: null });
});
