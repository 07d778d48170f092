import test from 'ava';
import type { ColumnInfo, TableMap } from '../../../../connectors/mysql-cdc/binlog/index.ts';
import { SchemaCatalog } from '../../../../connectors/mysql-cdc/schema/catalog.ts';
import { columnNameMismatch } from '../../../../connectors/mysql-cdc/streaming.ts';

function mapOf(names: readonly (string | undefined)[]): TableMap {
  const columns: ColumnInfo[] = names.map((name, index) => ({
    index,
    type: 3,
    meta: 0,
    nullable: true,
    name,
    unsigned: false,
    collation: undefined,
    charset: undefined,
    enumValues: undefined,
    setValues: undefined,
  })) as unknown as ColumnInfo[];
  return { tableId: 1, flags: 0, database: 'd', table: 't', columns, primaryKey: [], primaryKeyPrefixes: [] };
}

const catalog = new SchemaCatalog();
catalog.apply('CREATE TABLE t (id INT PRIMARY KEY, a INT, b INT)', 'd');
const table = catalog.table('d', 't')!;

test('column names of a FULL TABLE_MAP that differ from the history are reported', (t) => {
  t.deepEqual(columnNameMismatch(table, mapOf(['id', 'b', 'a'])), { binlog: '(id, b, a)', history: '(id, a, b)' });
});

test('names that agree (in any case), or a TABLE_MAP without names, pass', (t) => {
  t.is(columnNameMismatch(table, mapOf(['ID', 'a', 'B'])), null);
  t.is(columnNameMismatch(table, mapOf([undefined, undefined, undefined])), null);
});
