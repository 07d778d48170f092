import test from 'ava';
import { ByteReader } from '../../../../../connectors/mysql-cdc/binlog/byte-reader.ts';
import { MalformedInput } from '../../../../../connectors/mysql-cdc/binlog/errors.ts';
import { readRowsBody } from '../../../../../connectors/mysql-cdc/binlog/rows.ts';
import type { ColumnInfo, TableMap } from '../../../../../connectors/mysql-cdc/binlog/types.ts';

// MYSQL_TYPE_LONG (3): a 4-byte integer column.
const intColumn = { index: 0, type: 3, meta: 0, nullable: false, name: 'id', unsigned: false, collation: undefined } as unknown as ColumnInfo;
const table: TableMap = { tableId: 1, flags: 0, database: 'db', table: 't', columns: [intColumn], primaryKey: [], primaryKeyPrefixes: [] };

test('a rows body whose images cover no column is refused, not read as endless empty rows', (t) => {
  // column count 1, columns-present bitmap 0 (no column), then bytes that can never be consumed.
  const body = Buffer.from([0x01, 0x00, 0x2a, 0x00, 0x00, 0x00]);
  for (const kind of ['write', 'delete', 'update'] as const) {
    const bytes = kind === 'update' ? Buffer.from([0x01, 0x00, 0x00, 0x2a, 0x00, 0x00, 0x00]) : body;
    const error = t.throws(() => readRowsBody(new ByteReader(bytes), table, kind, false), { instanceOf: MalformedInput });
    t.regex(error.message, /covers no column/);
  }
});

test('a rows body with its column present reads each row', (t) => {
  // column count 1, present bitmap 1, then two rows: null bitmap 0 and a 4-byte little-endian int.
  const bytes = Buffer.from([0x01, 0x01, 0x00, 0x2a, 0x00, 0x00, 0x00, 0x00, 0x07, 0x00, 0x00, 0x00]);
  const body = readRowsBody(new ByteReader(bytes), table, 'write', false);
  t.is(body.rows.length, 2);
});
