import test from 'ava';
import type { ColumnDef } from '../../../../connectors/mysql-cdc/schema/table.ts';
import { columnDef } from '../../../../connectors/mysql-cdc/schema/table.ts';
import type { ValueOptions } from '../../../../connectors/mysql-cdc/values.ts';
import { columnConverter } from '../../../../connectors/mysql-cdc/values.ts';

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
