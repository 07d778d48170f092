/**
 * A table with a column of every MariaDB type, and the values and schemas Debezium emits for
 * its rows through the JSON converter (schemas on), under the default modes and under
 * decimal.handling.mode=string|double, time.precision.mode=connect and
 * bigint.unsigned.handling.mode=precise. Expected values are written out by hand (decimal bytes
 * as Java's BigInteger.toByteArray, base64; dates as days and µs since the epoch in UTC).
 */
import type { ExecutionContext } from 'ava';
import type { SourceRecord } from '../../../../connect/api/index.ts';
import type { PrivateMariaDb } from '../../../helpers/mariadb.ts';
import type { FieldSchema } from './harness.ts';
import { cdcConfig, jsonText, startTask } from './harness.ts';

export type Mode = 'default' | 'string' | 'double';

interface Expected {
  /** JSON schema type, Debezium's logical name and parameters in the value's schema block. */
  readonly schema: { readonly type: string; readonly name?: string; readonly parameters?: Record<string, string> };
  /** The value of the two rows, as JSON.parse reads the converter's output (64-bit integers as strings). */
  readonly values: readonly [unknown, unknown];
}

interface Column {
  readonly name: string;
  readonly ddl: string;
  /** SQL literals of the two rows. */
  readonly literals: readonly [string, string];
  readonly expected: Expected;
  /** What the other modes change (time.precision.mode=connect and bigint precise ride with 'string'). */
  readonly modes?: Partial<Record<Exclude<Mode, 'default'>, Expected>>;
}

const TEXT_FRACTION = '123456';

/** The row-1 temporal literal of precision p: exactly p fraction digits, so nothing is rounded or cut. */
function fraction(p: number): string {
  return p === 0 ? '' : `.${TEXT_FRACTION.slice(0, p)}`;
}

function fractionMicros(p: number): number {
  return Number(TEXT_FRACTION.slice(0, p).padEnd(6, '0'));
}

const decimal = (precision: number, scale: number): Expected['schema'] => ({
  type: 'bytes',
  name: 'org.apache.kafka.connect.data.Decimal',
  parameters: { scale: String(scale), 'connect.decimal.precision': String(precision) },
});

/** A DECIMAL column: precise values (base64 of the unscaled two's complement), then the texts. */
function decimalColumn(name: string, precision: number, scale: number, texts: readonly [string, string], base64: readonly [string, string], strings = texts): Column {
  return {
    name,
    ddl: `DECIMAL(${precision},${scale})`,
    literals: texts,
    expected: { schema: decimal(precision, scale), values: base64 },
    modes: {
      string: { schema: { type: 'string' }, values: strings },
      double: { schema: { type: 'double' }, values: [Number(texts[0]), Number(texts[1])] },
    },
  };
}

const TIME_OF_DAY_S = 12 * 3600 + 34 * 60 + 56;
const DAY_2024_02_29 = 19782;
const EPOCH_S_2024_02_29 = DAY_2024_02_29 * 86400;

function temporalColumns(): Column[] {
  const out: Column[] = [];
  for (let p = 0; p <= 6; p++) {
    const timeMicros = TIME_OF_DAY_S * 1_000_000 + fractionMicros(p);
    out.push({
      name: `t${p}`,
      ddl: `TIME(${p})`,
      literals: [`'12:34:56${fraction(p)}'`, "'-12:00:00'"],
      expected: { schema: { type: 'int64', name: 'io.debezium.time.MicroTime' }, values: [timeMicros, -43_200_000_000] },
      // Connect's Time is a time of day: Debezium's converter refuses -12:00:00 and, with
      // event.converting.failure.handling.mode=warn (the default), the field is null.
      modes: { string: { schema: { type: 'int32', name: 'org.apache.kafka.connect.data.Time' }, values: [Math.floor(timeMicros / 1000), null] } },
    });
  }
  for (let p = 0; p <= 6; p++) {
    const micros = EPOCH_S_2024_02_29 * 1_000_000 + TIME_OF_DAY_S * 1_000_000 + fractionMicros(p);
    // 1969-12-31 23:59:59.5 (23:59:59 at precision 0): half a second before the epoch.
    const before = p === 0 ? -1_000_000 : -500_000;
    out.push({
      name: `dt${p}`,
      ddl: `DATETIME(${p})`,
      literals: [`'2024-02-29 12:34:56${fraction(p)}'`, p === 0 ? "'1969-12-31 23:59:59'" : `'1969-12-31 23:59:59.${'5'.padEnd(p, '0')}'`],
      expected:
        p <= 3
          ? { schema: { type: 'int64', name: 'io.debezium.time.Timestamp' }, values: [Math.floor(micros / 1000), Math.floor(before / 1000)] }
          : { schema: { type: 'int64', name: 'io.debezium.time.MicroTimestamp' }, values: [micros, before] },
      modes: { string: { schema: { type: 'int64', name: 'org.apache.kafka.connect.data.Timestamp' }, values: [Math.floor(micros / 1000), Math.floor(before / 1000)] } },
    });
  }
  for (let p = 0; p <= 6; p++) {
    out.push({
      name: `ts${p}`,
      ddl: `TIMESTAMP(${p}) NULL`,
      literals: [`'2024-02-29 12:34:56${fraction(p)}'`, "'1970-01-01 00:00:01'"],
      expected: {
        schema: { type: 'string', name: 'io.debezium.time.ZonedTimestamp' },
        values: [`2024-02-29T12:34:56${fraction(p)}Z`, `1970-01-01T00:00:01${p === 0 ? '' : `.${'0'.repeat(p)}`}Z`],
      },
    });
  }
  return out;
}

const LINESTRING_WKB = 'AQIAAAACAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAPA/AAAAAAAA8D8=';
const POINT_WKB = 'AQEAAAAAAAAAAAD4PwAAAAAAAADA'; // POINT(1.5 -2), little-endian WKB
const ORIGIN_WKB = 'AQEAAAAAAAAAAAAAAAAAAAAAAAAA';

const COLUMNS: readonly Column[] = [
  { name: 'ti', ddl: 'TINYINT', literals: ['-128', '127'], expected: { schema: { type: 'int16' }, values: [-128, 127] } },
  { name: 'tiu', ddl: 'TINYINT UNSIGNED', literals: ['255', '0'], expected: { schema: { type: 'int16' }, values: [255, 0] } },
  { name: 'si', ddl: 'SMALLINT', literals: ['-32768', '32767'], expected: { schema: { type: 'int16' }, values: [-32768, 32767] } },
  { name: 'siu', ddl: 'SMALLINT UNSIGNED', literals: ['65535', '0'], expected: { schema: { type: 'int32' }, values: [65535, 0] } },
  { name: 'mi', ddl: 'MEDIUMINT', literals: ['-8388608', '8388607'], expected: { schema: { type: 'int32' }, values: [-8388608, 8388607] } },
  { name: 'miu', ddl: 'MEDIUMINT UNSIGNED', literals: ['16777215', '0'], expected: { schema: { type: 'int32' }, values: [16777215, 0] } },
  { name: 'i', ddl: 'INT', literals: ['-2147483648', '2147483647'], expected: { schema: { type: 'int32' }, values: [-2147483648, 2147483647] } },
  { name: 'iu', ddl: 'INT UNSIGNED', literals: ['4294967295', '0'], expected: { schema: { type: 'int64' }, values: [4294967295, 0] } },
  { name: 'bi', ddl: 'BIGINT', literals: ['-9223372036854775808', '9223372036854775807'], expected: { schema: { type: 'int64' }, values: ['-9223372036854775808', '9223372036854775807'] } },
  {
    name: 'biu',
    ddl: 'BIGINT UNSIGNED',
    literals: ['18446744073709551615', '9223372036854775808'],
    // long mode (the default): above 2^63-1 wraps negative, as Debezium does.
    expected: { schema: { type: 'int64' }, values: [-1, '-9223372036854775808'] },
    // precise: Decimal(20, 0), exact.
    modes: { string: { schema: decimal(20, 0), values: ['AP//////////', 'AIAAAAAAAAAA'] } },
  },
  decimalColumn('d52', 5, 2, ['-999.99', '0.01'], ['/nlh', 'AQ==']),
  decimalColumn('d184', 18, 4, ['99999999999999.9999', '-0.0001'], ['DeC2s6dj//8=', '/w==']),
  decimalColumn('d300', 30, 0, ['-123456789012345678901234567890', '1'], ['/nEW8Ak8jB8RscD1Lg==', 'AQ==']),
  decimalColumn(
    'd6530',
    65,
    30,
    ['12345678901234567890123456789012345.123456789012345678901234567890', '0'],
    ['HgK8HpeFi9xsuVBY80JNfTp/7HsD4maOPwrS', 'AA=='],
    ['12345678901234567890123456789012345.123456789012345678901234567890', '0.000000000000000000000000000000'],
  ),
  { name: 'f', ddl: 'FLOAT', literals: ['5.6', '-0.25'], expected: { schema: { type: 'float' }, values: [5.6, -0.25] } },
  { name: 'dbl', ddl: 'DOUBLE', literals: ['2.718281828459045', '-1e-300'], expected: { schema: { type: 'double' }, values: [2.718281828459045, -1e-300] } },
  { name: 'b1', ddl: 'BIT(1)', literals: ["b'1'", "b'0'"], expected: { schema: { type: 'boolean' }, values: [true, false] } },
  {
    name: 'b12',
    ddl: 'BIT(12)',
    literals: ["b'100000000011'", "b'0'"],
    expected: { schema: { type: 'bytes', name: 'io.debezium.data.Bits', parameters: { length: '12' } }, values: ['Awg=', 'AAA='] },
  },
  {
    name: 'b64',
    ddl: 'BIT(64)',
    literals: [`b'${'1'.repeat(64)}'`, "b'1'"],
    expected: { schema: { type: 'bytes', name: 'io.debezium.data.Bits', parameters: { length: '64' } }, values: ['//////////8=', 'AQAAAAAAAAA='] },
  },
  {
    name: 'dt',
    ddl: 'DATE',
    literals: ["'2024-02-29'", "'1000-01-01'"],
    expected: { schema: { type: 'int32', name: 'io.debezium.time.Date' }, values: [DAY_2024_02_29, -354285] },
    modes: { string: { schema: { type: 'int32', name: 'org.apache.kafka.connect.data.Date' }, values: [DAY_2024_02_29, -354285] } },
  },
  ...temporalColumns(),
  { name: 'y', ddl: 'YEAR', literals: ['2155', '1901'], expected: { schema: { type: 'int32', name: 'io.debezium.time.Year' }, values: [2155, 1901] } },
  { name: 'cu', ddl: 'CHAR(10) CHARACTER SET utf8mb4', literals: ["'héllo 🌊'", "''"], expected: { schema: { type: 'string' }, values: ['héllo 🌊', ''] } },
  { name: 'vu', ddl: 'VARCHAR(40) CHARACTER SET utf8mb4', literals: ["'naïve — ☃'", "' padded '"], expected: { schema: { type: 'string' }, values: ['naïve — ☃', ' padded '] } },
  { name: 'tu', ddl: 'TEXT CHARACTER SET utf8mb4', literals: ["'long text ✓ 日本'", "''"], expected: { schema: { type: 'string' }, values: ['long text ✓ 日本', ''] } },
  { name: 'cl', ddl: 'CHAR(10) CHARACTER SET latin1', literals: ["'café'", "'ÿ'"], expected: { schema: { type: 'string' }, values: ['café', 'ÿ'] } },
  // MySQL's latin1 is Windows-1252: € is 0x80.
  { name: 'vl', ddl: 'VARCHAR(40) CHARACTER SET latin1', literals: ["'Grüße €'", "''"], expected: { schema: { type: 'string' }, values: ['Grüße €', ''] } },
  { name: 'tl', ddl: 'TEXT CHARACTER SET latin1', literals: ["'façade'", "'x'"], expected: { schema: { type: 'string' }, values: ['façade', 'x'] } },
  // BINARY(n) is zero-padded to n bytes.
  { name: 'bn', ddl: 'BINARY(4)', literals: ["x'0102'", "x''"], expected: { schema: { type: 'bytes' }, values: ['AQIAAA==', 'AAAAAA=='] } },
  { name: 'vb', ddl: 'VARBINARY(10)', literals: ["x'00ff00'", "x''"], expected: { schema: { type: 'bytes' }, values: ['AP8A', ''] } },
  { name: 'bl', ddl: 'BLOB', literals: ["x'deadbeef'", "x'00'"], expected: { schema: { type: 'bytes' }, values: ['3q2+7w==', 'AA=='] } },
  {
    name: 'e',
    ddl: "ENUM('red','green','blue')",
    literals: ["'green'", "'red'"],
    expected: { schema: { type: 'string', name: 'io.debezium.data.Enum', parameters: { allowed: 'red,green,blue' } }, values: ['green', 'red'] },
  },
  {
    name: 's',
    ddl: "SET('a','b','c','d')",
    literals: ["'d,a'", "''"],
    expected: { schema: { type: 'string', name: 'io.debezium.data.EnumSet', parameters: { allowed: 'a,b,c,d' } }, values: ['a,d', ''] },
  },
  // MariaDB's JSON is LONGTEXT with a json_valid check: the text as written.
  {
    name: 'j',
    ddl: 'JSON',
    literals: [`'{"k": [1, 2.5, "x"], "n": null}'`, "'[]'"],
    expected: { schema: { type: 'string', name: 'io.debezium.data.Json' }, values: ['{"k": [1, 2.5, "x"], "n": null}', '[]'] },
  },
  {
    name: 'g',
    ddl: 'GEOMETRY',
    literals: ["ST_GeomFromText('LINESTRING(0 0,1 1)')", "ST_GeomFromText('POINT(1.5 -2)', 4326)"],
    expected: {
      schema: { type: 'struct', name: 'io.debezium.data.geometry.Geometry' },
      // No SRID (0) is null, as Debezium's BinlogGeometry reads it.
      values: [
        { wkb: LINESTRING_WKB, srid: null },
        { wkb: POINT_WKB, srid: 4326 },
      ],
    },
  },
  {
    name: 'pt',
    ddl: 'POINT',
    literals: ['POINT(1.5, -2)', 'POINT(0, 0)'],
    expected: {
      schema: { type: 'struct', name: 'io.debezium.data.geometry.Point' },
      values: [
        { x: 1.5, y: -2, wkb: POINT_WKB, srid: null },
        { x: 0, y: 0, wkb: ORIGIN_WKB, srid: null },
      ],
    },
  },
];

const NAMES = ['id', ...COLUMNS.map((c) => c.name)];

function expectedOf(column: Column, mode: Mode): Expected {
  return mode === 'default' ? column.expected : (column.modes?.[mode] ?? column.expected);
}

/** The `after` image of row kind 0 or 1 (or all NULL) under a mode. */
function row(id: number, kind: 0 | 1 | null, mode: Mode): Record<string, unknown> {
  const out: Record<string, unknown> = { id };
  for (const column of COLUMNS) out[column.name] = kind === null ? null : expectedOf(column, mode).values[kind];
  return out;
}

function insert(database: string, id: number, kind: 0 | 1 | null): string {
  const values = COLUMNS.map((c) => (kind === null ? 'NULL' : c.literals[kind]));
  return `INSERT INTO ${database}.every (${NAMES.join(', ')}) VALUES (${id}, ${values.join(', ')});`;
}

/**
 * JSON.parse, with integers JavaScript cannot hold exactly kept as their text: the converter
 * writes int64 values in full, and BIGINT's extremes must be compared digit by digit.
 */
export function parseExact(text: string): unknown {
  const guarded = text.replace(/([:[,])(-?\d+)(?=[,}\]])/g, (match, before: string, digits: string) => (Number.isSafeInteger(Number(digits)) ? match : `${before}"${digits}"`));
  return JSON.parse(guarded);
}

/** A record value as the JSON converter (schemas on) writes it: `{ schema, payload }`, or null for a tombstone. */
export interface ConvertedValue {
  readonly schema: { readonly fields: readonly { readonly field: string; readonly fields?: readonly FieldSchema[] }[] };
  readonly payload: Record<string, unknown>;
}

function converted(record: SourceRecord): ConvertedValue | null {
  return record.value === null ? null : (parseExact(jsonText(record)) as ConvertedValue);
}

/** Creates `<database>.every` with three rows: extremes, all NULL, other values. */
export async function createEveryTypeTable(db: PrivateMariaDb, database: string): Promise<void> {
  await db.query(`CREATE DATABASE ${database}; CREATE TABLE ${database}.every (id INT NOT NULL PRIMARY KEY, ${COLUMNS.map((c) => `${c.name} ${c.ddl}`).join(', ')});`);
  await db.query(`${insert(database, 1, 0)} ${insert(database, 2, null)} ${insert(database, 3, 1)}`);
}

/** One transaction: two inserts, an update of every column of row 1, the delete of row 2. */
export function everyTypeTransaction(database: string): string {
  return `START TRANSACTION; ${insert(database, 4, 0)} ${insert(database, 5, 1)} UPDATE ${database}.every SET ${COLUMNS.map((c) => `${c.name} = ${c.literals[1]}`).join(', ')} WHERE id = 1; DELETE FROM ${database}.every WHERE id = 2; COMMIT;`;
}

/** Each field on its own, so a failure names the column. */
function compareRow(t: ExecutionContext, actual: unknown, expected: Record<string, unknown>, what: string): void {
  t.deepEqual(Object.keys(actual as object), Object.keys(expected), `${what}: the columns`);
  for (const [name, value] of Object.entries(expected)) t.deepEqual((actual as Record<string, unknown>)[name], value, `${what}: ${name}`);
}

function checkSchema(t: ExecutionContext, value: ConvertedValue, mode: Mode): void {
  const fields = new Map((value.schema.fields.find((f) => f.field === 'after')?.fields ?? []).map((f) => [f.field, f]));
  t.like(fields.get('id'), { type: 'int32', optional: false });
  for (const column of COLUMNS) {
    const { schema } = expectedOf(column, mode);
    const field = fields.get(column.name);
    t.is(field?.type, schema.type, `schema type of ${column.name}`);
    t.is(field?.name, schema.name, `schema name of ${column.name}`);
    t.true(field?.optional, `${column.name} is optional`);
    if (schema.parameters !== undefined) t.deepEqual(field?.parameters, schema.parameters, `schema parameters of ${column.name}`);
  }
}

/** The three snapshot records (converted values, in key order), checked field by field with their schema. */
export function checkEveryTypeSnapshot(t: ExecutionContext, values: readonly (ConvertedValue | null)[], mode: Mode): void {
  t.is(values.length, 3);
  checkSchema(t, values[0]!, mode);
  const expected = [row(1, 0, mode), row(2, null, mode), row(3, 1, mode)];
  values.forEach((value, i) => {
    t.is(value?.payload['op'], 'r');
    compareRow(t, value?.payload['after'], expected[i]!, `snapshot row ${i + 1}`);
  });
}

/** The records of everyTypeTransaction: create, create, update, delete, tombstone. */
export function checkEveryTypeTransaction(t: ExecutionContext, values: readonly (ConvertedValue | null)[], mode: Mode): void {
  t.deepEqual(
    values.map((v) => (v === null ? 'tombstone' : (v.payload['op'] as string))),
    ['c', 'c', 'u', 'd', 'tombstone'],
  );
  checkSchema(t, values[0]!, mode);
  const [c4, c5, u1, d2] = values.map((v) => v?.payload);
  compareRow(t, c4!['after'], row(4, 0, mode), 'insert 4');
  compareRow(t, c5!['after'], row(5, 1, mode), 'insert 5');
  compareRow(t, u1!['before'], row(1, 0, mode), 'update 1 before');
  compareRow(t, u1!['after'], row(1, 1, mode), 'update 1 after');
  compareRow(t, d2!['before'], row(2, null, mode), 'delete 2 before');
  t.is(d2!['after'], null);
}

/**
 * The table through a task run with `extra` config: its snapshot, then everyTypeTransaction from
 * the binlog, field by field.
 */
export async function runEveryType(t: ExecutionContext, db: PrivateMariaDb, database: string, mode: Mode, extra: Record<string, unknown>): Promise<void> {
  await createEveryTypeTable(db, database);
  const h = await startTask(t, cdcConfig(db.port, database, { 'include.schema.changes': 'false', ...extra }), null);
  const topic = `${database}.${database}.every`;
  checkEveryTypeSnapshot(t, (await h.take(3)).filter((r) => r.topic === topic).map(converted), mode);
  await db.query(everyTypeTransaction(database));
  checkEveryTypeTransaction(t, (await h.take(5)).filter((r) => r.topic === topic).map(converted), mode);
}
