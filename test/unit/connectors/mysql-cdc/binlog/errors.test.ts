import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import type { ExecutionContext } from 'ava';
import fc from 'fast-check';
import zstd from 'zstd-napi/binding.js';
import { BinlogDecoder, BinlogError, BinlogErrorCode, ColumnType, decodeBinlogFile, EventType, splitBinlogFile } from '../../../../../connectors/mysql-cdc/binlog/index.ts';
import { concat, event, jsonBinary, lenenc, mysql8FormatDescription, reseal, u16, u32 } from './build-event.ts';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../../../fixtures/binlog');
const FIXTURES = fs.readdirSync(dir).filter((f) => f.endsWith('.binlog'));
const fixture = (name: string): Buffer => fs.readFileSync(path.join(dir, name));

function binlogError(t: ExecutionContext, fn: () => unknown, code: BinlogErrorCode): BinlogError {
  const error = t.throws(fn, { instanceOf: BinlogError });
  t.is(error.code, code);
  return error;
}

test('a corrupted event fails its CRC32 with an error naming the file and position; the next event still decodes', (t) => {
  const bytes = fixture('mariadb-every-type.binlog');
  const raw = [...splitBinlogFile(bytes)];
  const decoder = new BinlogDecoder({ file: 'mysql-bin.000002' });
  decoder.decode(raw[0]!.bytes, raw[0]!.position);
  const victim = raw[1]!;
  const corrupt = Buffer.from(victim.bytes);
  corrupt[25]! ^= 0x01;
  const error = binlogError(t, () => decoder.decode(corrupt, victim.position), BinlogErrorCode.CHECKSUM_MISMATCH);
  t.is(error.file, 'mysql-bin.000002');
  t.is(error.position, victim.position);
  t.is(error.eventType, EventType.MARIADB_GTID_LIST);
  t.regex(error.message, /mysql-bin\.000002:256 .*CRC32/);
  t.is(decoder.decode(raw[2]!.bytes, raw[2]!.position).kind, 'binlog-checkpoint');
});

test('the whole-file decoder stops at a corrupted event with its position', (t) => {
  const bytes = Buffer.from(fixture('mariadb-minimal-image.binlog'));
  const rows = [...splitBinlogFile(bytes)].find((e) => e.bytes[4] === EventType.WRITE_ROWS_V1)!;
  bytes[rows.position + 30]! ^= 0x80;
  const error = binlogError(t, () => decodeBinlogFile(bytes, { file: 'f.000001' }), BinlogErrorCode.CHECKSUM_MISMATCH);
  t.is(error.position, rows.position);
});

test('a rows event for a table id no TABLE_MAP described is UNKNOWN_TABLE', (t) => {
  const raw = [...splitBinlogFile(fixture('mariadb-minimal-image.binlog'))];
  const decoder = new BinlogDecoder();
  decoder.decode(raw[0]!.bytes);
  const rows = raw.find((e) => e.bytes[4] === EventType.WRITE_ROWS_V1)!;
  const error = binlogError(t, () => decoder.decode(rows.bytes, rows.position), BinlogErrorCode.UNKNOWN_TABLE);
  t.regex(error.message, /table id \d+/);
});

test('files: bad magic, a torn last event and an event longer than the file are typed errors', (t) => {
  const bytes = fixture('mariadb-no-metadata.binlog');
  binlogError(t, () => [...splitBinlogFile(Buffer.from('GIF89a'))], BinlogErrorCode.BAD_MAGIC);
  const torn = binlogError(t, () => decodeBinlogFile(bytes.subarray(0, bytes.length - 10)), BinlogErrorCode.MALFORMED_EVENT);
  t.true(torn.position! > 4);
  const headerOnly = binlogError(t, () => decodeBinlogFile(bytes.subarray(0, 4 + 10)), BinlogErrorCode.MALFORMED_EVENT);
  t.is(headerOnly.position, 4);
});

test('an event whose header size disagrees with its bytes is MALFORMED_EVENT', (t) => {
  const fde = mysql8FormatDescription();
  binlogError(t, () => new BinlogDecoder().decode(fde.subarray(0, 30)), BinlogErrorCode.MALFORMED_EVENT);
  binlogError(t, () => new BinlogDecoder().decode(fde.subarray(0, 10)), BinlogErrorCode.MALFORMED_EVENT);
});

test('a length inside an event that points past its end is MALFORMED_EVENT, never an allocation of that size', (t) => {
  const decoder = new BinlogDecoder();
  decoder.decode(mysql8FormatDescription());
  // TABLE_MAP claiming 2^40 columns.
  const huge = event(EventType.TABLE_MAP, concat([1, 0, 0, 0, 0, 0], u16(0), [1], Buffer.from('d\0'), [1], Buffer.from('t\0'), [0xfe], Buffer.from([0, 0, 0, 0, 0, 1, 0, 0])));
  const error = binlogError(t, () => decoder.decode(huge), BinlogErrorCode.MALFORMED_EVENT);
  t.regex(error.message, /column types needs 1099511627776 bytes/);
  // A MariaDB GTID_LIST claiming 2^28-1 entries in 4 bytes.
  binlogError(t, () => decoder.decode(event(EventType.MARIADB_GTID_LIST, u32(0x0fff_ffff))), BinlogErrorCode.MALFORMED_EVENT);
});

test('a transaction payload that would expand past the limit is PAYLOAD_TOO_LARGE', (t) => {
  const inner = Buffer.alloc(1 << 20);
  const compressed = Buffer.alloc(zstd.compressBound(inner.length));
  const payload = compressed.subarray(0, zstd.compress(compressed, inner, 3));
  const field = (type: number, value: number): Buffer => concat(lenenc(type), lenenc(lenenc(value).length), lenenc(value));
  const decoder = new BinlogDecoder({ maxDecompressedBytes: 64 * 1024 });
  decoder.decode(mysql8FormatDescription());
  // Declared size above the limit: refused before decompressing.
  binlogError(t, () => decoder.decode(event(EventType.TRANSACTION_PAYLOAD, concat(field(1, payload.length), field(2, 0), field(3, inner.length), [0], payload))), BinlogErrorCode.PAYLOAD_TOO_LARGE);
  // Declared size that lies: decompression stops at the limit.
  binlogError(t, () => decoder.decode(event(EventType.TRANSACTION_PAYLOAD, concat(field(1, payload.length), field(2, 0), field(3, 100), [0], payload))), BinlogErrorCode.PAYLOAD_TOO_LARGE);
  // An unknown compression type is UNSUPPORTED.
  binlogError(t, () => decoder.decode(event(EventType.TRANSACTION_PAYLOAD, concat(field(1, 1), field(2, 7), [0], [0]))), BinlogErrorCode.UNSUPPORTED);
});

test('an encrypted MariaDB binlog is UNSUPPORTED', (t) => {
  const decoder = new BinlogDecoder();
  decoder.decode(mysql8FormatDescription());
  binlogError(t, () => decoder.decode(event(EventType.MARIADB_START_ENCRYPTION, Buffer.alloc(17))), BinlogErrorCode.UNSUPPORTED);
});

test('JSON nested deeper than MySQL allows is MALFORMED_EVENT, not a stack overflow', (t) => {
  let doc: unknown = 1;
  for (let i = 0; i < 150; i++) doc = [doc];
  const decoder = new BinlogDecoder();
  decoder.decode(mysql8FormatDescription());
  const table = event(
    EventType.TABLE_MAP,
    concat([1, 0, 0, 0, 0, 0], u16(0), [1], Buffer.from('d\0'), [1], Buffer.from('t\0'), lenenc(1), [ColumnType.JSON], lenenc(1), [4], [1]),
  );
  decoder.decode(table);
  const json = jsonBinary(doc);
  const rows = event(EventType.WRITE_ROWS_V2, concat([1, 0, 0, 0, 0, 0], u16(0), u16(2), lenenc(1), [1], [0], u32(json.length), json));
  const error = binlogError(t, () => decoder.decode(rows), BinlogErrorCode.MALFORMED_EVENT);
  t.regex(error.message, /nested deeper than 100/);
});

/**
 * Untrusted input: every captured event, cut short or with bits flipped (with the checksum left
 * wrong, recomputed, or not verified, so the parser itself sees the damage), either decodes or
 * fails with a BinlogError — never another exception, never the decoder-fault code.
 */
function primedDecoder(events: readonly { bytes: Buffer }[], index: number, verifyChecksums: boolean): BinlogDecoder {
  const decoder = new BinlogDecoder({ verifyChecksums });
  // Replay the events before the victim so table maps are known and rows events are parsed.
  for (let i = 0; i < index; i++) decoder.decode(events[i]!.bytes);
  return decoder;
}

const ALL_EVENTS = FIXTURES.map((name) => [...splitBinlogFile(fixture(name))]);

function onlyTypedErrors(run: () => unknown): boolean {
  try {
    run();
    return true;
  } catch (err) {
    if (!(err instanceof BinlogError)) throw err;
    if (err.code === BinlogErrorCode.DECODER_FAULT) throw err;
    return true;
  }
}

test('fuzz: truncated and bit-flipped events give only the decoder typed errors', (t) => {
  const victim = fc.nat().chain((f) => {
    const events = ALL_EVENTS[f % ALL_EVENTS.length]!;
    return fc.record({ events: fc.constant(events), index: fc.integer({ min: 0, max: events.length - 1 }) });
  });
  const mutation = fc.oneof(
    fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
    fc.record({ kind: fc.constant('flip' as const), flips: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 7 })), { minLength: 1, maxLength: 4 }) }),
    fc.record({ kind: fc.constant('overwrite' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
  );
  const checksumMode = fc.constantFrom('verify', 'reseal', 'ignore');
  fc.assert(
    fc.property(victim, mutation, checksumMode, ({ events, index }, m, mode) => {
      const original = events[index]!.bytes;
      let bytes: Buffer = Buffer.from(original);
      if (m.kind === 'truncate') {
        bytes = bytes.subarray(0, m.at % bytes.length);
      } else if (m.kind === 'flip') {
        // Leave the header's size alone so the body parser, not the size check, meets the damage.
        for (const [at, bit] of m.flips) {
          const i = 19 + (at % Math.max(1, bytes.length - 19));
          if (i < bytes.length) bytes[i]! ^= 1 << bit;
        }
      } else {
        Buffer.from(m.bytes).copy(bytes, 19 + (m.at % Math.max(1, bytes.length - 19)));
      }
      if (mode === 'reseal' && bytes.length >= 23 && bytes.length === original.length) bytes = reseal(bytes);
      const decoder = primedDecoder(events, index, mode !== 'verify');
      return onlyTypedErrors(() => decoder.decode(bytes));
    }),
    { numRuns: 3000 },
  );
  t.pass();
});

test('fuzz: damaged whole files give only typed errors', (t) => {
  fc.assert(
    fc.property(fc.constantFrom(...FIXTURES), fc.nat(), fc.nat(), fc.integer({ min: 0, max: 7 }), (name, cut, at, bit) => {
      const bytes = Buffer.from(fixture(name));
      bytes[at % bytes.length]! ^= 1 << bit;
      return onlyTypedErrors(() => decodeBinlogFile(bytes.subarray(0, bytes.length - (cut % 64)), { verifyChecksums: at % 2 === 0 }));
    }),
    { numRuns: 500 },
  );
  t.pass();
});
