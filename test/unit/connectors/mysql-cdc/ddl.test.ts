import test from 'ava';
import { DdlParseError, SchemaCatalog } from '../../../../connectors/mysql-cdc/schema/catalog.ts';
import type { TableDef } from '../../../../connectors/mysql-cdc/schema/table.ts';
import { keyColumns } from '../../../../connectors/mysql-cdc/schema/table.ts';

function columns(table: TableDef | undefined): string[] {
  if (table === undefined) throw new Error('no such table');
  return table.columns.map((c) => `${c.name} ${c.type}${c.length === undefined ? '' : `(${c.length}${c.scale === undefined ? '' : `,${c.scale}`})`}${c.unsigned ? ' UNSIGNED' : ''}${c.nullable ? '' : ' NOT NULL'}`);
}

function withTable(sql = 'CREATE TABLE t (id INT NOT NULL PRIMARY KEY, name VARCHAR(20), price DECIMAL(10,2) UNSIGNED)'): SchemaCatalog {
  const catalog = new SchemaCatalog();
  catalog.apply(sql, 'shop');
  return catalog;
}

test('CREATE TABLE: columns, types, lengths, signedness, nullability and the primary key', (t) => {
  const catalog = new SchemaCatalog();
  const outcome = catalog.apply(
    'CREATE TABLE IF NOT EXISTS shop.items (id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT, sku CHAR(8) NOT NULL, seen DATETIME(6), kind ENUM(\'a\',\'b,c\'), PRIMARY KEY (id), UNIQUE KEY u_sku (sku)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4',
    'other',
  );
  t.true(outcome.recognised);
  t.deepEqual(
    outcome.changes.map((c) => [c.type, c.id]),
    [['CREATE', 'shop.items']],
  );
  const table = catalog.table('shop', 'items');
  t.deepEqual(columns(table), ['id BIGINT UNSIGNED NOT NULL', 'sku CHAR(8) NOT NULL', 'seen DATETIME', 'kind ENUM']);
  t.is(table!.columns[2]!.scale, 6, 'the fractional-second precision');
  t.deepEqual(table!.columns[3]!.enumValues, ['a', 'b,c']);
  t.deepEqual(keyColumns(table!), ['id']);
  t.deepEqual(table!.uniqueIndexes, [{ name: 'u_sku', columns: ['sku'] }]);
  t.is(catalog.table('other', 'items'), undefined, 'a qualified name wins over the default database');
});

test('CREATE TABLE without a database takes the default one; LIKE copies the columns', (t) => {
  const catalog = withTable();
  catalog.apply('CREATE TABLE t2 LIKE t', 'shop');
  t.deepEqual(columns(catalog.table('shop', 't2')), columns(catalog.table('shop', 't')));
});

test('ALTER TABLE ADD COLUMN: at the end, FIRST, AFTER, and several in parentheses', (t) => {
  const catalog = withTable();
  catalog.apply('ALTER TABLE t ADD COLUMN email VARCHAR(30) NOT NULL DEFAULT \'none\' AFTER id', 'shop');
  catalog.apply('ALTER TABLE t ADD first_col INT FIRST', 'shop');
  const outcome = catalog.apply('ALTER TABLE t ADD (a TINYINT, b TEXT)', 'shop');
  t.deepEqual(
    outcome.changes.map((c) => [c.type, c.id]),
    [['ALTER', 'shop.t']],
  );
  t.deepEqual(
    catalog.table('shop', 't')!.columns.map((c) => c.name),
    ['first_col', 'id', 'email', 'name', 'price', 'a', 'b'],
  );
  t.is(catalog.table('shop', 't')!.columns[2]!.defaultExpression, 'none');
});

test('ALTER TABLE DROP COLUMN, with and without the COLUMN keyword, several in one statement', (t) => {
  const catalog = withTable();
  catalog.apply('ALTER TABLE t DROP COLUMN name, DROP price', 'shop');
  t.deepEqual(columns(catalog.table('shop', 't')), ['id INT NOT NULL']);
});

test('ALTER TABLE MODIFY changes the type in place, and can move the column', (t) => {
  const catalog = withTable();
  catalog.apply('ALTER TABLE t MODIFY COLUMN name VARCHAR(100) NOT NULL', 'shop');
  t.deepEqual(columns(catalog.table('shop', 't')), ['id INT NOT NULL', 'name VARCHAR(100) NOT NULL', 'price DECIMAL(10,2) UNSIGNED']);
  catalog.apply('ALTER TABLE t MODIFY price DECIMAL(12,4) FIRST', 'shop');
  t.deepEqual(columns(catalog.table('shop', 't')), ['price DECIMAL(12,4)', 'id INT NOT NULL', 'name VARCHAR(100) NOT NULL']);
});

test('ALTER TABLE CHANGE renames and retypes; RENAME COLUMN only renames; the key follows', (t) => {
  const catalog = withTable();
  catalog.apply('ALTER TABLE t CHANGE COLUMN name full_name TEXT', 'shop');
  catalog.apply('ALTER TABLE t RENAME COLUMN id TO item_id', 'shop');
  const table = catalog.table('shop', 't');
  t.deepEqual(columns(table), ['item_id INT NOT NULL', 'full_name TEXT', 'price DECIMAL(10,2) UNSIGNED']);
  t.deepEqual(keyColumns(table!), ['item_id']);
});

test('ALTER TABLE RENAME TO moves the table; RENAME TABLE moves several, across databases', (t) => {
  const catalog = withTable();
  catalog.apply('CREATE TABLE u (x INT)', 'shop');
  catalog.apply('ALTER TABLE t RENAME TO t_old', 'shop');
  t.is(catalog.table('shop', 't'), undefined);
  t.truthy(catalog.table('shop', 't_old'));
  const outcome = catalog.apply('RENAME TABLE t_old TO archive.t, u TO u2', 'shop');
  t.true(outcome.recognised);
  t.deepEqual(columns(catalog.table('archive', 't')), ['id INT NOT NULL', 'name VARCHAR(20)', 'price DECIMAL(10,2) UNSIGNED']);
  t.deepEqual(columns(catalog.table('shop', 'u2')), ['x INT']);
  t.is(catalog.table('shop', 'u'), undefined);
});

test('DROP TABLE: several, IF EXISTS, reported as DROP with the table as it was', (t) => {
  const catalog = withTable();
  catalog.apply('CREATE TABLE u (x INT)', 'shop');
  const outcome = catalog.apply('DROP TABLE IF EXISTS t, shop.u, missing', 'shop');
  t.deepEqual(
    outcome.changes.map((c) => [c.type, c.id, c.table.columns.length]),
    [
      ['DROP', 'shop.t', 3],
      ['DROP', 'shop.u', 1],
    ],
  );
  t.deepEqual(catalog.allTables(), []);
});

test('quoted identifiers: backticks with doubled backticks, spaces, keywords and case', (t) => {
  const catalog = new SchemaCatalog();
  catalog.apply('CREATE TABLE `my db`.`select` (`id` INT PRIMARY KEY, `a``b` INT, `order` VARCHAR(5))', '');
  const table = catalog.table('my db', 'select');
  t.deepEqual(
    table!.columns.map((c) => c.name),
    ['id', 'a`b', 'order'],
  );
  catalog.apply('ALTER TABLE `my db`.`select` DROP COLUMN `A``B`', '');
  t.deepEqual(
    catalog.table('my db', 'select')!.columns.map((c) => c.name),
    ['id', 'order'],
    'column names match case-insensitively',
  );
});

test('comments are skipped, executable comments are read', (t) => {
  const catalog = new SchemaCatalog();
  catalog.apply(
    `/* a leading comment */ CREATE TABLE t ( -- the key
      id INT NOT NULL, # hash comment
      /* inline, with ; and ) inside */ v VARCHAR(3) /*!50503 CHARACTER SET latin1 */,
      PRIMARY KEY (id)
    )`,
    'shop',
  );
  const table = catalog.table('shop', 't');
  t.deepEqual(columns(table), ['id INT NOT NULL', 'v VARCHAR(3)']);
  t.is(table!.columns[1]!.charset, 'latin1');
});

test('several statements in one text, with USE between them, are applied in order', (t) => {
  const catalog = new SchemaCatalog();
  const outcome = catalog.apply('CREATE TABLE a (id INT); USE other; CREATE TABLE b (id INT); ALTER TABLE b ADD c INT; DROP TABLE shop.a;', 'shop');
  t.true(outcome.recognised);
  t.deepEqual(
    outcome.changes.map((c) => [c.type, c.id]),
    [
      ['CREATE', 'shop.a'],
      ['CREATE', 'other.b'],
      ['ALTER', 'other.b'],
      ['DROP', 'shop.a'],
    ],
  );
  t.is(catalog.table('shop', 'a'), undefined);
  t.deepEqual(columns(catalog.table('other', 'b')), ['id INT', 'c INT']);
});

test('statements that are not about tables are left alone; a table statement it cannot follow throws', (t) => {
  const catalog = withTable();
  t.false(catalog.apply('GRANT SELECT ON *.* TO x', 'shop').recognised);
  t.false(catalog.apply('CREATE TEMPORARY TABLE tmp (x INT)', 'shop').recognised);
  t.is(catalog.table('shop', 'tmp'), undefined);
  t.throws(() => catalog.apply('ALTER TABLE t ADD COLUMN', 'shop'), { instanceOf: DdlParseError });
});

test("MariaDB's SET STATEMENT ... FOR runs the statement after FOR", (t) => {
  const catalog = withTable();
  const outcome = catalog.apply('SET STATEMENT max_statement_time=60, lock_wait_timeout=(5) FOR ALTER TABLE t ADD COLUMN c INT', 'shop');
  t.true(outcome.recognised);
  t.deepEqual(columns(catalog.table('shop', 't')), ['id INT NOT NULL', 'name VARCHAR(20)', 'price DECIMAL(10,2) UNSIGNED', 'c INT']);
  catalog.apply('SET STATEMENT max_statement_time=60 FOR ALTER TABLE t MODIFY c VARCHAR(10)', 'shop');
  t.is(catalog.table('shop', 't')!.columns[3]!.type, 'VARCHAR');
  t.false(catalog.apply('SET STATEMENT sql_mode=ANSI FOR INSERT INTO t VALUES (1)', 'shop').recognised);
});

test("MariaDB's WAIT n and NOWAIT after the table name", (t) => {
  const catalog = withTable();
  catalog.apply('ALTER TABLE shop.t WAIT 5 ADD COLUMN c INT', 'shop');
  catalog.apply('ALTER TABLE IF EXISTS t NOWAIT DROP COLUMN name', 'shop');
  t.deepEqual(columns(catalog.table('shop', 't')), ['id INT NOT NULL', 'price DECIMAL(10,2) UNSIGNED', 'c INT']);
  catalog.apply('RENAME TABLE t WAIT 1 TO t2', 'shop');
  t.truthy(catalog.table('shop', 't2'));
});

test('system versioning adds the invisible row_start and row_end the rows carry; DROP removes them', (t) => {
  const catalog = withTable('CREATE TABLE t (id INT NOT NULL PRIMARY KEY, a INT)');
  catalog.apply('ALTER TABLE t ADD SYSTEM VERSIONING', 'shop');
  t.deepEqual(columns(catalog.table('shop', 't')), ['id INT NOT NULL', 'a INT', 'row_start TIMESTAMP NOT NULL', 'row_end TIMESTAMP NOT NULL']);
  catalog.apply('ALTER TABLE t DROP SYSTEM VERSIONING', 'shop');
  t.deepEqual(columns(catalog.table('shop', 't')), ['id INT NOT NULL', 'a INT']);
  catalog.apply('CREATE TABLE v (id INT PRIMARY KEY) ENGINE=InnoDB WITH SYSTEM VERSIONING', 'shop');
  t.deepEqual(columns(catalog.table('shop', 'v')).slice(1), ['row_start TIMESTAMP NOT NULL', 'row_end TIMESTAMP NOT NULL']);
  catalog.apply(
    'CREATE TABLE w (id INT PRIMARY KEY, s TIMESTAMP(6) GENERATED ALWAYS AS ROW START, e TIMESTAMP(6) GENERATED ALWAYS AS ROW END, PERIOD FOR SYSTEM_TIME (s, e)) WITH SYSTEM VERSIONING',
    'shop',
  );
  t.deepEqual(
    catalog.table('shop', 'w')!.columns.map((c) => c.name),
    ['id', 's', 'e'],
  );
});

test('an ALTER TABLE clause the parser does not know throws; table options and partition upkeep do not', (t) => {
  const catalog = withTable();
  t.throws(() => catalog.apply('ALTER TABLE t FROBNICATE COLUMN name', 'shop'), { instanceOf: DdlParseError, message: /FROBNICATE/ });
  catalog.apply("ALTER TABLE t ENGINE=InnoDB ROW_FORMAT=DYNAMIC, ALGORITHM=INPLACE, LOCK=NONE, FORCE, ADD PARTITION (PARTITION p9 VALUES LESS THAN (10)), COMMENT 'x'", 'shop');
  t.deepEqual(columns(catalog.table('shop', 't')), ['id INT NOT NULL', 'name VARCHAR(20)', 'price DECIMAL(10,2) UNSIGNED']);
});

test('CREATE TABLE ... LIKE and RENAME TABLE from an unknown table leave the new table unresolved instead of failing', (t) => {
  const catalog = withTable();
  const like = catalog.apply('CREATE TABLE other.v LIKE other.u', 'shop');
  t.true(like.recognised);
  t.deepEqual(like.changes, []);
  t.deepEqual(like.unresolved, [{ database: 'other', name: 'v' }]);
  t.is(catalog.table('other', 'v'), undefined);
  const rename = catalog.apply('RENAME TABLE other.u TO shop.u1, shop.u1 TO shop.u2, t TO t9', 'shop');
  t.deepEqual(rename.unresolved, [{ database: 'shop', name: 'u2' }], 'a chain of renames ends under the last name');
  t.deepEqual(catalog.apply('ALTER TABLE other.x ADD COLUMN c INT, RENAME TO shop.x', 'shop').unresolved, [{ database: 'shop', name: 'x' }]);
  t.deepEqual(catalog.apply('ALTER TABLE other.x RENAME COLUMN a TO b', 'shop').unresolved, undefined);
  t.deepEqual(
    rename.changes.map((c) => [c.type, c.id]),
    [
      ['DROP', 'shop.t'],
      ['CREATE', 'shop.t9'],
    ],
  );
});

test('a statement that fails to parse still tells which tables it named', (t) => {
  const catalog = withTable();
  t.throws(() => catalog.apply('CREATE TABLE other.w SELECT 1', 'shop'), { instanceOf: DdlParseError });
  t.deepEqual(catalog.lastNamedTables(), [{ database: 'other', name: 'w' }]);
});

test('ZEROFILL makes a column unsigned, as MySQL does, with or without UNSIGNED written', (t) => {
  const catalog = withTable('CREATE TABLE z (a INT ZEROFILL, b TINYINT(3) UNSIGNED ZEROFILL, c SMALLINT SIGNED)');
  t.deepEqual(columns(catalog.table('shop', 'z')), ['a INT UNSIGNED', 'b TINYINT(3) UNSIGNED', 'c SMALLINT']);
});
