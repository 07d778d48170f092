import test from 'ava';
import type { ConnectLogger } from '../../../../connect/api/index.ts';
import type { ColumnDef } from '../../../../connectors/mysql-cdc/schema/table.ts';
import { columnDef } from '../../../../connectors/mysql-cdc/schema/table.ts';
import type { ConversionFailureMode, ValueOptions } from '../../../../connectors/mysql-cdc/values.ts';
import { ValueConversionError, columnConverter } from '../../../../connectors/mysql-cdc/values.ts';

const options: ValueOptions = { decimalMode: 'precise', timePrecisionMode: 'adaptive_time_microseconds', bigintUnsignedMode: 'long', binaryMode: 'bytes' };

function column(type: string, extra: Partial<ColumnDef> = {}): ColumnDef {
  return columnDef('c', type, extra);
}

function text(charset: string, bytes: number[]): unknown {
  return columnConverter(column('VARCHAR', { charset }), options).convert(Uint8Array.from(bytes));
}

test('text the binlog gives as bytes is decoded by the column charset', (t) => {
  t.is(text('latin1', [0x80, 0x93, 0x78, 0x94]), '€“x”', 'MySQL latin1 is cp1252');
  t.is(text('latin2', [0xa3, 0xf3, 0x64, 0xbc]), 'Łódź');
  t.is(text('cp1251', [0xcf, 0xf0, 0xe8, 0xe2, 0xe5, 0xf2]), 'Привет');
  t.is(text('koi8r', [0xf0, 0xd2, 0xc9]), 'При');
  t.is(text('gbk', [0xd6, 0xd0, 0xce, 0xc4]), '中文');
  t.is(text('sjis', [0x93, 0xfa, 0x96, 0x7b]), '日本');
  t.is(text('utf16', [0x00, 0x68, 0x00, 0xe9]), 'hé');
  t.is(text('utf16le', [0x68, 0x00, 0xe9, 0x00]), 'hé');
  t.is(text('utf32', [0, 0, 0, 0x5a, 0, 0, 0, 0xfc, 0, 0x01, 0xf6, 0x00]), 'Zü😀');
  t.is(text('utf8mb4', [0xc3, 0xbc]), 'ü');
});

test('decoding UCS-2 leaves the shared bytes as they were: a key and a value read the same ones', (t) => {
  const converter = columnConverter(column('VARCHAR', { charset: 'ucs2' }), options);
  const convert = (raw: unknown): unknown => converter.convert(raw);
  const bytes = Uint8Array.from([0x00, 0x41, 0x00, 0x62]);
  t.is(convert(bytes), 'Ab');
  t.is(convert(bytes), 'Ab');
  t.deepEqual([...bytes], [0x00, 0x41, 0x00, 0x62]);
});

test('dates with a zero year, month or day are null (the epoch when NOT NULL), as in Debezium', (t) => {
  const dateConverter = columnConverter(column('DATE'), options);
  const date = (raw: unknown): unknown => dateConverter.convert(raw);
  t.is(date('0000-01-01'), null);
  t.is(date('2024-00-10'), null);
  t.is(date('2024-01-00'), null);
  t.is(columnConverter(column('DATE'), { ...options, timeAdjuster: false }).convert('0001-01-01'), -719162);
  t.is(columnConverter(column('DATE', { nullable: false }), options).convert('0000-01-01'), 0);
  t.is(columnConverter(column('DATETIME', { scale: 6 }), options).convert('0000-01-01 10:00:00'), null);
  t.is(columnConverter(column('TIMESTAMP'), options).convert('0000-01-01 10:00:00'), null);
});

test('enable.time.adjuster (the default): years 1-69 of DATE, DATETIME and TIMESTAMP are 20xx, 70-99 are 19xx, as Debezium adjusts them', (t) => {
  const convert = (type: string, raw: string, extra: Partial<ColumnDef> = {}, more: Partial<ValueOptions> = {}): unknown => columnConverter(column(type, extra), { ...options, ...more }).convert(raw);
  t.is(convert('DATE', '0018-05-01'), 17652);
  t.is(convert('DATE', '0069-12-31'), 36524);
  t.is(convert('DATE', '0070-01-01'), 0);
  t.is(convert('DATE', '0099-12-31'), 10956);
  t.is(convert('DATE', '0100-01-01'), -683003);
  t.is(convert('DATE', '0000-05-01'), null);
  t.is(convert('DATETIME', '0075-01-01 10:00:00'), 157802400000n);
  t.is(convert('DATETIME', '0001-01-01 00:00:00.5', { scale: 6 }), 978307200500000n);
  t.is(convert('TIMESTAMP', '0024-01-01 00:00:00.100000', { scale: 6 }), '2024-01-01T00:00:00.100000Z');
  t.is(convert('DATE', '0018-05-01', {}, { timePrecisionMode: 'connect' }), 17652);
  t.is(convert('DATETIME', '0075-01-01 10:00:00', {}, { timePrecisionMode: 'connect' }), 157802400000n);
  // Off: the year as stored.
  t.is(convert('DATE', '0018-05-01', {}, { timeAdjuster: false }), -712833);
  t.is(convert('DATETIME', '0075-01-01 10:00:00', {}, { timeAdjuster: false }), -59800341600000n);
  // TIME has no year.
  t.is(convert('TIME', '00:18:00'), 1_080_000_000n);
});

test('FLOAT(M,D) and FLOAT(p>24) are float64 as in Debezium; FLOAT(M,D) keeps the single-precision value', (t) => {
  const scaled = columnConverter(column('FLOAT', { length: 7, scale: 2 }), options);
  t.is(scaled.schema.type, 'float64');
  t.is(scaled.convert('5.6'), 5.599999904632568);
  t.is(scaled.convert(Math.fround(5.6)), 5.599999904632568);
  const wide = columnConverter(column('FLOAT', { length: 30 }), options);
  t.is(wide.schema.type, 'float64');
  t.is(wide.convert(5.6), 5.6);
  t.is(columnConverter(column('FLOAT'), options).schema.type, 'float32');
  t.is(columnConverter(column('FLOAT', { length: 24 }), options).schema.type, 'float32');
});

/** MySQL's geometry storage of POINT(1.5 -2): a little-endian SRID, then WKB. */
function storedPoint(srid: number): Uint8Array {
  const bytes = Buffer.alloc(25);
  bytes.writeUInt32LE(srid, 0);
  bytes[4] = 1;
  bytes.writeUInt32LE(1, 5);
  bytes.writeDoubleLE(1.5, 9);
  bytes.writeDoubleLE(-2, 17);
  return bytes;
}

test('a geometry without an SRID (0) has a null srid, as Debezium reads it; a set SRID is kept', (t) => {
  const point = columnConverter(column('POINT'), options);
  const geometry = columnConverter(column('GEOMETRY'), options);
  t.like(point.convert(storedPoint(0)), { x: 1.5, y: -2, srid: null });
  t.like(point.convert(storedPoint(4326)), { x: 1.5, y: -2, srid: 4326 });
  t.is((geometry.convert(storedPoint(0)) as { srid: unknown }).srid, null);
  t.is((geometry.convert(storedPoint(3857)) as { srid: unknown }).srid, 3857);
  t.deepEqual([...(geometry.convert(storedPoint(0)) as { wkb: Uint8Array }).wkb], [...storedPoint(0).subarray(4)]);
});

test('YEAR is Debezium’s adjusted year: the binlog’s 1900 for a stored 0000 stays, a 0 read by a snapshot is 2000', (t) => {
  const year = columnConverter(column('YEAR'), options);
  t.is(year.convert(1900), 1900);
  t.is(year.convert(1901), 1901);
  t.is(year.convert(2155), 2155);
  t.is(year.convert(0), 2000);
  t.is(year.convert('0000'), 2000);
  t.is(year.convert(69), 2069);
  t.is(year.convert(70), 1970);
  t.is(columnConverter(column('YEAR'), { ...options, timeAdjuster: false }).convert(0), 2000, 'YEAR is adjusted whatever enable.time.adjuster says');
});

interface LogLine {
  readonly level: 'warn' | 'debug';
  readonly message: string | undefined;
}

function recordingLogger(lines: LogLine[]): ConnectLogger {
  const ignore = (): void => undefined;
  return {
    trace: ignore,
    info: ignore,
    error: ignore,
    warn: (_fields, message) => lines.push({ level: 'warn', message }),
    debug: (_fields, message) => lines.push({ level: 'debug', message }),
  };
}

function connectTime(mode: ConversionFailureMode | undefined, lines: LogLine[] = []): (raw: unknown) => unknown {
  const connect: ValueOptions = { ...options, timePrecisionMode: 'connect', logger: recordingLogger(lines) };
  const converter = columnConverter(column('TIME'), mode === undefined ? connect : { ...connect, conversionFailureMode: mode }, 'shop.t');
  return (raw) => converter.convert(raw);
}

test('TIME under time.precision.mode=connect holds 00:00:00 to 24:00:00 inclusive', (t) => {
  const time = connectTime('fail');
  t.is(time('00:00:00'), 0);
  t.is(time('12:30:00.5'), 45_000_500);
  t.is(time('24:00:00'), 86_400_000);
});

test('a TIME outside a day under connect is null with a warning by default (event.converting.failure.handling.mode=warn)', (t) => {
  const lines: LogLine[] = [];
  const time = connectTime(undefined, lines);
  t.is(time('-00:00:01'), null);
  t.is(time('24:00:00.000001'), null);
  t.is(time('838:59:59'), null);
  t.is(lines.length, 3);
  t.true(lines.every((l) => l.level === 'warn'));
  t.regex(lines[0]!.message ?? '', /Failed to properly convert data value for 'shop\.t\.c' of type TIME/);
});

test('event.converting.failure.handling.mode=skip makes the value null and logs at debug', (t) => {
  const lines: LogLine[] = [];
  t.is(connectTime('skip', lines)('-12:00:00'), null);
  t.deepEqual(
    lines.map((l) => l.level),
    ['debug'],
  );
});

test('event.converting.failure.handling.mode=fail fails the event, naming the column, its type, the value and why', (t) => {
  const error = t.throws(() => connectTime('fail')('25:00:00'), { instanceOf: ValueConversionError });
  t.regex(error.message, /'shop\.t\.c' of type TIME/);
  t.regex(error.message, /'25:00:00' is outside 00:00:00-24:00:00/);
  t.regex(error.message, /time\.precision\.mode=connect/);
});

test('TIME beyond a day is a value under adaptive_time_microseconds, never a failure', (t) => {
  const time = columnConverter(column('TIME'), { ...options, conversionFailureMode: 'fail' });
  t.is(time.convert('-838:59:59'), -3_020_399_000_000n);
  t.is(time.convert('25:00:00'), 90_000_000_000n);
});
