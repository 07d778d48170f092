import test from 'ava';
import {
  Attributes,
  ControlRecordType,
  RecordsError,
  RecordsErrorCode,
  checkBatch,
  decodeControlRecordType,
  decodeRecordBatch,
  encodeControlRecord,
  encodeRecordBatch,
  isControlBatch,
  isTransactionalBatch,
} from '../../../../core/records/index.ts';

test('ABORT marker: key = version 0, type 0; value = version 0, coordinatorEpoch', (t) => {
  const { key, value } = encodeControlRecord(ControlRecordType.ABORT, 0);
  t.is(key.toString('hex'), '00000000');
  t.is(value.toString('hex'), '000000000000');
});

test('COMMIT marker: the type is the second int16 of the key, the epoch a big-endian int32 after the version', (t) => {
  const { key, value } = encodeControlRecord(ControlRecordType.COMMIT, 0x01020304);
  t.is(key.toString('hex'), '00000001');
  t.is(value.toString('hex'), '000001020304');
});

test('coordinatorEpoch covers the whole int32 range', (t) => {
  t.is(encodeControlRecord(ControlRecordType.COMMIT, -1).value.toString('hex'), '0000ffffffff');
  t.is(encodeControlRecord(ControlRecordType.ABORT, 0x7fffffff).value.readInt32BE(2), 0x7fffffff);
});

test('decodeControlRecordType reads back both types', (t) => {
  t.is(decodeControlRecordType(encodeControlRecord(ControlRecordType.ABORT, 3).key), ControlRecordType.ABORT);
  t.is(decodeControlRecordType(encodeControlRecord(ControlRecordType.COMMIT, 3).key), ControlRecordType.COMMIT);
});

test('decodeControlRecordType works on a view into a larger buffer', (t) => {
  const backing = Buffer.from('ffff00000001ffff', 'hex');
  t.is(decodeControlRecordType(backing.subarray(2, 6)), ControlRecordType.COMMIT);
});

test('decodeControlRecordType ignores bytes after the 4-byte key (newer key versions may append fields)', (t) => {
  t.is(decodeControlRecordType(Buffer.from('0001000100ff', 'hex')), ControlRecordType.COMMIT);
});

test('a null or short control key is corrupt', (t) => {
  for (const key of [null, Buffer.alloc(0), Buffer.from('000000', 'hex')]) {
    const error = t.throws(() => decodeControlRecordType(key), { instanceOf: RecordsError });
    t.is(error.code, RecordsErrorCode.CORRUPT_BATCH);
  }
});

test('an unknown control type is corrupt, not returned', (t) => {
  for (const type of ['0002', '7fff', 'ffff']) {
    const error = t.throws(() => decodeControlRecordType(Buffer.from(`0000${type}`, 'hex')), { instanceOf: RecordsError });
    t.is(error.code, RecordsErrorCode.CORRUPT_BATCH);
  }
});

for (const [name, type] of [
  ['COMMIT', ControlRecordType.COMMIT],
  ['ABORT', ControlRecordType.ABORT],
] as const) {
  test(`a ${name} control batch round-trips through the batch codec`, (t) => {
    const marker = encodeControlRecord(type, 17);
    const bytes = encodeRecordBatch([{ timestamp: 1_700_000_000_123n, key: marker.key, value: marker.value }], {
      control: true,
      transactional: true,
      baseOffset: 500n,
      producerId: 4242n,
      producerEpoch: 3,
    });
    t.deepEqual(checkBatch(bytes, 0), { ok: true, size: bytes.length });
    const { header, records } = decodeRecordBatch(bytes);
    t.true(isControlBatch(header.attributes));
    t.true(isTransactionalBatch(header.attributes));
    t.is(header.attributes, Attributes.CONTROL | Attributes.TRANSACTIONAL);
    t.is(header.producerId, 4242n);
    t.is(header.producerEpoch, 3);
    t.is(header.recordsCount, 1);
    t.is(records.length, 1);
    const record = records[0]!;
    t.is(record.offset, 500n);
    t.is(record.timestamp, 1_700_000_000_123n);
    t.is(decodeControlRecordType(record.key), type);
    t.is(record.value?.readInt16BE(0), 0);
    t.is(record.value?.readInt32BE(2), 17);
  });
}

test('a data batch is neither control nor transactional by default', (t) => {
  const { header } = decodeRecordBatch(encodeRecordBatch([{ timestamp: 1n, value: Buffer.from('x') }]));
  t.false(isControlBatch(header.attributes));
  t.false(isTransactionalBatch(header.attributes));
});
