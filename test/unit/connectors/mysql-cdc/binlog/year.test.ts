import test from 'ava';
import { ByteReader } from '../../../../../connectors/mysql-cdc/binlog/byte-reader.ts';
import { ColumnType } from '../../../../../connectors/mysql-cdc/binlog/column-type.ts';
import { readColumnValue } from '../../../../../connectors/mysql-cdc/binlog/row-values.ts';
import type { ColumnInfo } from '../../../../../connectors/mysql-cdc/binlog/types.ts';

const yearColumn: ColumnInfo = {
  index: 0,
  type: ColumnType.YEAR,
  meta: 0,
  nullable: true,
  name: 'y',
  unsigned: undefined,
  collation: undefined,
  charset: undefined,
  enumValues: undefined,
} as ColumnInfo;

function year(stored: number): unknown {
  return readColumnValue(new ByteReader(Buffer.from([stored])), yearColumn, false);
}

test('a YEAR is its stored byte plus 1900: a stored 0000 reads 1900, as Debezium’s RowDeserializers reads it', (t) => {
  t.is(year(0), 1900);
  t.is(year(1), 1901);
  t.is(year(124), 2024);
  t.is(year(255), 2155);
});
