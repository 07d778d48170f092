import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { BinlogDecoder, ColumnType, decodeBinlogFile, EventType, splitBinlogFile } from '../../../../../connectors/mysql-cdc/binlog/index.ts';
import type { BinlogEvent, TableMapEvent } from '../../../../../connectors/mysql-cdc/binlog/index.ts';
import { checkRows } from '../../../../fixtures/binlog/check-rows.ts';
import { EVERY_TYPE_NAMES, EXPECTED_ROWS } from '../../../../fixtures/binlog/expected.ts';

// Binlog files captured from MariaDB 10.11 by test/fixtures/binlog/capture-fixtures.ts.
const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../../../fixtures/binlog');
const read = (name: string): Buffer => fs.readFileSync(path.join(dir, name));
const decode = (name: string): BinlogEvent[] => decodeBinlogFile(read(name), { file: name });

for (const [file, expected] of Object.entries(EXPECTED_ROWS)) {
  test(`${file}: every row value decodes to what the SQL wrote`, (t) => {
    checkRows(t, decode(file), expected);
  });
}

test('every-type: the file opens with a CRC32 format description, GTID list and checkpoint, and ends with a rotate', (t) => {
  const events = decode('mariadb-every-type.binlog');
  const first = events[0]!;
  if (first.kind !== 'format-description') return t.fail(first.kind);
  t.is(first.position, 4);
  t.is(first.binlogVersion, 4);
  t.regex(first.serverVersion, /^10\.11\.\d+-MariaDB/);
  t.is(first.checksum, 'crc32');
  t.is(first.postHeaderLengths[EventType.QUERY - 1], 13);
  t.is(first.postHeaderLengths[EventType.TABLE_MAP - 1], 8);
  t.is(events[1]!.kind, 'gtid-list');
  const last = events.at(-1)!;
  if (last.kind !== 'rotate') return t.fail(last.kind);
  t.is(last.nextFile, 'mysql-bin.000003');
  t.is(last.nextPosition, 4n);
  // Positions chain: each event starts where the previous one's header says it ends.
  for (let i = 1; i < events.length; i++) t.is(events[i]!.position, events[i - 1]!.header.nextPosition, `event ${i} position`);
});

test('every-type: DDL arrives as QUERY events with their database and statement, inside MariaDB GTID groups', (t) => {
  const events = decode('mariadb-every-type.binlog');
  const queries = events.filter((e) => e.kind === 'query');
  t.deepEqual(
    queries.map((q) => q.sql.slice(0, 40)),
    ['CREATE DATABASE brook_fixture', 'CREATE TABLE brook_fixture.every_type (i'],
  );
  const [createDb] = queries;
  t.is(createDb!.database, 'brook_fixture');
  t.is(createDb!.statusVars.charsetClient, 224);
  t.is(createDb!.statusVars.collationServer, 45);
  const gtids = events.filter((e) => e.kind === 'mariadb-gtid');
  t.deepEqual(
    gtids.map((g) => g.gtid),
    ['0-4242-2', '0-4242-3', '0-4242-4', '0-4242-5', '0-4242-6'],
  );
  // DDL groups are standalone (FL_STANDALONE 1 | FL_DDL 32 | FL_ALLOW_PARALLEL 8); DML is transactional (4 | 8).
  t.deepEqual(
    gtids.map((g) => g.flags),
    [41, 41, 12, 12, 12],
  );
  t.deepEqual(
    events.filter((e) => e.kind === 'xid').map((x) => x.xid),
    [7n, 11n, 14n],
  );
  const annotations = events.filter((e) => e.kind === 'annotate-rows').map((a) => a.sql);
  t.is(annotations.length, 6);
  t.is(annotations[3], "UPDATE brook_fixture.every_type SET t_varchar = 'changed', t_int = t_int - 1 WHERE id = 5");
});

test('every-type: TABLE_MAP with full metadata names every column, its signedness, charset and ENUM/SET values', (t) => {
  const map = decode('mariadb-every-type.binlog').find((e): e is TableMapEvent => e.kind === 'table-map')!;
  const { table } = map;
  t.is(table.database, 'brook_fixture');
  t.is(table.table, 'every_type');
  t.deepEqual(
    table.columns.map((c) => c.name),
    EVERY_TYPE_NAMES,
  );
  t.deepEqual(table.primaryKey, [0]);
  const col = (name: string) => table.columns.find((c) => c.name === name)!;
  t.is(col('id').nullable, false);
  t.is(col('t_tiny').nullable, true);
  t.is(col('t_big_u').unsigned, true);
  t.is(col('t_big').unsigned, false);
  t.is(col('t_date').unsigned, undefined);
  t.is(col('t_dec').type, ColumnType.NEWDECIMAL);
  t.is(col('t_dec').meta, (65 << 8) | 30);
  t.is(col('t_dt6').type, ColumnType.DATETIME2);
  t.is(col('t_dt6').meta, 6);
  t.is(col('t_ts3').type, ColumnType.TIMESTAMP2);
  t.is(col('t_time4').type, ColumnType.TIME2);
  t.is(col('t_bit13').meta, (1 << 8) | 5);
  t.is(col('t_char_big').type, ColumnType.STRING);
  t.is(col('t_char_big').meta, 400);
  t.is(col('t_varchar_long').meta, 4000);
  t.is(col('t_latin1').charset, 'latin1');
  t.is(col('t_latin1').collation, 8);
  t.is(col('t_text').charset, 'utf8mb4');
  t.is(col('t_blob').charset, 'binary');
  t.is(col('t_binary').charset, 'binary');
  t.is(col('t_enum').type, ColumnType.ENUM);
  t.deepEqual(col('t_enum').enumValues, ['red', 'green', 'blue']);
  t.is(col('t_set').type, ColumnType.SET);
  t.is(col('t_set').meta, 2);
  t.deepEqual(col('t_set').setValues, ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i']);
  t.is(col('t_json').type, ColumnType.BLOB);
  t.is(col('t_geom').type, ColumnType.GEOMETRY);
});

test('no-metadata: without optional metadata the table map has types but no names or charsets', (t) => {
  const map = decode('mariadb-no-metadata.binlog').find((e): e is TableMapEvent => e.kind === 'table-map')!;
  t.deepEqual(
    map.table.columns.map((c) => [c.name, c.unsigned, c.charset, c.type]),
    [
      [undefined, undefined, undefined, ColumnType.LONG],
      [undefined, undefined, undefined, ColumnType.VARCHAR],
      [undefined, undefined, undefined, ColumnType.ENUM],
    ],
  );
});

test('minimal-image: column bitmaps say which columns each image carries', (t) => {
  const rows = decode('mariadb-minimal-image.binlog').filter((e) => e.kind === 'rows');
  t.deepEqual(rows[1]!.columnsPresent, [true, false, false, false]);
  t.deepEqual(rows[1]!.columnsPresentAfter, [false, false, false, true]);
  t.deepEqual(rows[3]!.columnsPresent, [true, true, false, true]);
});

test('old-temporal: pre-5.6.4 TIME, DATETIME and TIMESTAMP column types are read', (t) => {
  const map = decode('mariadb-old-temporal.binlog').find((e): e is TableMapEvent => e.kind === 'table-map')!;
  t.deepEqual(
    map.table.columns.map((c) => c.type),
    [ColumnType.LONG, ColumnType.TIME, ColumnType.DATETIME, ColumnType.TIMESTAMP],
  );
});

test('compressed: MariaDB compressed QUERY and ROWS events are inflated', (t) => {
  const events = decode('mariadb-compressed.binlog');
  t.deepEqual(
    events.filter((e) => e.kind === 'rows').map((e) => [e.header.type, e.compressed, e.version]),
    [
      [EventType.MARIADB_WRITE_ROWS_COMPRESSED_V1, true, 1],
      [EventType.MARIADB_UPDATE_ROWS_COMPRESSED_V1, true, 1],
      [EventType.MARIADB_DELETE_ROWS_COMPRESSED_V1, true, 1],
    ],
  );
  const query = events.find((e) => e.kind === 'query')!;
  t.is(query.header.type, EventType.MARIADB_QUERY_COMPRESSED);
  t.true(query.compressed);
  t.is(query.sql, 'CREATE TABLE brook_fixture.squeezed_too (id INT PRIMARY KEY, a_column_with_a_long_name VARCHAR(50))');
});

test('a decoder fed event by event follows the file across its events as decodeBinlogFile does', (t) => {
  const bytes = read('mariadb-every-type.binlog');
  const decoder = new BinlogDecoder({ file: 'mysql-bin.000002' });
  const kinds = [...splitBinlogFile(bytes)].map((raw) => decoder.decode(raw.bytes).kind);
  t.deepEqual(
    kinds,
    decode('mariadb-every-type.binlog').map((e) => e.kind),
  );
  // The closing ROTATE moved the decoder on to the next file.
  t.is(decoder.file, 'mysql-bin.000003');
});
