import test from 'ava';
import type { ConnectLogger } from '../../../../connect/api/index.ts';
import { parseMySqlCdcConfig } from '../../../../connectors/mysql-cdc/config.ts';
import { ChangeEmitter, TableFilter } from '../../../../connectors/mysql-cdc/emitter.ts';
import type { EnvelopeOptions } from '../../../../connectors/mysql-cdc/envelope.ts';
import { TableEnvelope, sanitizedTopicName, tableChangeSerializer, tableChangeStruct } from '../../../../connectors/mysql-cdc/envelope.ts';
import { SchemaCatalog } from '../../../../connectors/mysql-cdc/schema/catalog.ts';
import type { ColumnDef, TableDef } from '../../../../connectors/mysql-cdc/schema/table.ts';
import { columnDef } from '../../../../connectors/mysql-cdc/schema/table.ts';
import { envelopeOptions } from './envelope-options.ts';

function table(name: string, columns: ColumnDef[]): TableDef {
  return { database: 'shop', name, columns, primaryKey: ['id'], uniqueIndexes: [], defaultCharset: undefined, comment: undefined };
}

const OPTIONS: EnvelopeOptions = envelopeOptions();

test('topic names are sanitized as Debezium does: characters outside [a-zA-Z0-9._-] become _, and the schema names follow', (t) => {
  t.is(sanitizedTopicName('srv.shop.t$1'), 'srv.shop.t_1');
  t.is(sanitizedTopicName('srv.shop.order items'), 'srv.shop.order_items');
  t.is(sanitizedTopicName('srv.shop.café'), 'srv.shop.caf_');
  // One _ per UTF-16 unit, as Java's chars.
  t.is(sanitizedTopicName('srv.shop.t😀'), 'srv.shop.t__');
  t.is(sanitizedTopicName('a-b_c.D9'), 'a-b_c.D9');
  t.is(sanitizedTopicName(`srv.${'x'.repeat(300)}`).length, 249);
  const env = new TableEnvelope(table('order items', [columnDef('id', 'INT', { nullable: false })]), OPTIONS);
  t.is(env.topic, 'srv.shop.order_items');
  t.is(env.keySchema?.name, 'srv.shop.order_items.Key');
  t.is(env.rowSchema.name, 'srv.shop.order_items.Value');
  t.is(env.envelopeSchema.name, 'srv.shop.order_items.Envelope');
});

test('column.mask.with masks character columns only (null too) and marks every masked field masked=true, as Debezium MaskStrings', (t) => {
  const def = table('m', [
    columnDef('id', 'INT', { nullable: false }),
    columnDef('n', 'INT'),
    columnDef('name', 'VARCHAR', { length: 20, defaultExpression: 'anon', defaultIsLiteral: true }),
    columnDef('e', 'ENUM', { enumValues: ['a', 'b'] }),
    columnDef('doc', 'JSON'),
  ]);
  const env = new TableEnvelope(def, { ...OPTIONS, masks: [{ pattern: /^shop\.m\.(id|n|name|e|doc)$/, length: 4 }] });
  const fields = Object.fromEntries(env.rowSchema.fields!.map((f) => [f.name, f.schema]));
  t.deepEqual(fields['n'], { type: 'int32', optional: true, parameters: { masked: 'true' } });
  t.deepEqual(fields['name'], { type: 'string', optional: true, defaultValue: 'anon', parameters: { masked: 'true' } });
  t.is(fields['e']!.name, 'io.debezium.data.Enum');
  t.deepEqual(fields['e']!.parameters, { allowed: 'a,b', masked: 'true' });
  t.deepEqual(env.row([1, 42, 'secret', 'b', '{"a":1}']), { id: 1, n: 42, name: '****', e: '****', doc: '{"a":1}' });
  t.deepEqual(env.row([1, null, null, null, null]), { id: 1, n: null, name: '****', e: '****', doc: null });
  // Keys are not masked.
  t.deepEqual(env.key([1, 42, 'secret', 'b', null]), { id: 1 });
  t.is(env.keySchema?.fields?.[0]?.schema.parameters, undefined);
});

test('column.truncate.to cuts strings and bytes, adds truncateLength where the column can be longer, and wins over a mask', (t) => {
  const def = table('tr', [
    columnDef('id', 'INT', { nullable: false }),
    columnDef('name', 'VARCHAR', { length: 20 }),
    columnDef('code', 'CHAR', { length: 3 }),
    columnDef('ts', 'TIMESTAMP', { scale: 0 }),
    columnDef('b', 'BLOB'),
    columnDef('n', 'INT', { length: 11 }),
  ]);
  const env = new TableEnvelope(def, {
    ...OPTIONS,
    truncates: [{ pattern: /^shop\.tr\.(name|code|ts|b|n)$/, length: 4 }],
    masks: [{ pattern: /^shop\.tr\.name$/, length: 2 }],
  });
  const fields = Object.fromEntries(env.rowSchema.fields!.map((f) => [f.name, f.schema]));
  t.deepEqual(fields['name']!.parameters, { truncateLength: '4' });
  t.is(fields['code']!.parameters, undefined);
  t.deepEqual(fields['ts']!.parameters, { truncateLength: '4' });
  t.deepEqual(fields['n']!.parameters, { truncateLength: '4' });
  const row = env.row([1, 'abcdefgh', 'xyz', '2024-05-06 07:08:09', Uint8Array.from([1, 2, 3, 4, 5, 6]), 123456]);
  t.is(row['name'], 'abcd');
  t.is(row['code'], 'xyz');
  t.is(row['ts'], '2024');
  t.deepEqual([...(row['b'] as Uint8Array)], [1, 2, 3, 4]);
  t.is(row['n'], 123456);
});

function emitterWith(raw: Record<string, unknown>, warnings: string[]): ChangeEmitter {
  const config = parseMySqlCdcConfig({ 'database.hostname': 'h', 'database.user': 'u', 'database.server.id': '1', 'topic.prefix': 'srv', 'schema.history.internal.kafka.topic': 'h', ...raw });
  const catalog = new SchemaCatalog();
  catalog.apply('CREATE TABLE `t$1` (id INT PRIMARY KEY, d DATE); CREATE TABLE ok (id INT PRIMARY KEY)', 'shop');
  const logger: ConnectLogger = { trace: () => {}, debug: () => {}, info: () => {}, error: () => {}, warn: (_fields, message) => warnings.push(message ?? '') };
  return new ChangeEmitter(config, { ...OPTIONS, logger }, new TableFilter(config), catalog, { server: 'srv' });
}

test('the emitter warns once per table whose name is not a legal topic name, also after DDL rebuilds its envelope', (t) => {
  const warnings: string[] = [];
  const emitter = emitterWith({}, warnings);
  t.is(emitter.envelope('shop', 't$1')?.topic, 'srv.shop.t_1');
  t.is(emitter.envelope('shop', 'ok')?.topic, 'srv.shop.ok');
  emitter.catalog.apply('ALTER TABLE `t$1` ADD COLUMN x INT', 'shop');
  t.is(emitter.envelope('shop', 't$1')?.topic, 'srv.shop.t_1');
  t.deepEqual(warnings, ["Topic 'srv.shop.t$1' name isn't a valid topic name, replacing it with 'srv.shop.t_1'."]);
});

test('enable.time.adjuster reaches the values from the config', (t) => {
  const on = emitterWith({}, []).envelope('shop', 't$1')!;
  const off = emitterWith({ 'enable.time.adjuster': 'false' }, []).envelope('shop', 't$1')!;
  t.is(on.row([1, '0018-05-01'])['d'], 17652);
  t.is(off.row([1, '0018-05-01'])['d'], -712833);
});

test('schema change events give ENUM the length 1 and SET its options and commas, as Debezium records them; other columns their declared length', (t) => {
  const change = tableChangeStruct({
    type: 'CREATE',
    id: 'shop.t',
    table: table('t', [
      columnDef('id', 'INT', { nullable: false }),
      columnDef('state', 'ENUM', { enumValues: ['new', 'paid', 'sent'] }),
      columnDef('tags', 'SET', { enumValues: ['a', 'b', 'c', 'd'] }),
      columnDef('name', 'VARCHAR', { length: 40 }),
      columnDef('at', 'DATETIME', { scale: 3 }),
      columnDef('day', 'DATE'),
    ]),
  });
  const columns = (change['table'] as { columns: { name: string; length: number | null }[] }).columns;
  t.deepEqual(
    columns.map((c) => [c.name, c.length]),
    [
      ['id', null],
      ['state', 1],
      ['tags', 7],
      ['name', 40],
      ['at', 3],
      ['day', null],
    ],
  );
});

interface ChangedColumn {
  readonly name: string;
  readonly jdbcType: number;
  readonly typeName: string;
  readonly length: number | null;
  readonly scale: number | null;
  readonly comment: string | null;
}

interface ChangedTable {
  readonly primaryKeyColumnNames: string[];
  readonly columns: ChangedColumn[];
  readonly comment: string | null;
}

function changedTable(def: TableDef, serialize = tableChangeStruct): ChangedTable {
  return serialize({ type: 'CREATE', id: `${def.database}.${def.name}`, table: def })['table'] as ChangedTable;
}

test('schema change events carry the java.sql.Types of Debezium 3.6.1’s DDL parsers: TINYINT is SMALLINT, TINYBLOB is BLOB', (t) => {
  const columns = changedTable(
    table('t', [
      columnDef('id', 'INT', { nullable: false }),
      columnDef('tiny', 'TINYINT'),
      columnDef('small', 'SMALLINT'),
      columnDef('tb', 'TINYBLOB'),
      columnDef('b', 'BLOB'),
      columnDef('vb', 'VARBINARY', { length: 8 }),
      columnDef('y', 'YEAR'),
      columnDef('ts', 'TIMESTAMP'),
      columnDef('g', 'GEOMETRY'),
    ]),
  ).columns;
  t.deepEqual(
    columns.map((c) => [c.name, c.jdbcType]),
    [
      ['id', 4],
      ['tiny', 5],
      ['small', 5],
      ['tb', 2004],
      ['b', 2004],
      ['vb', -3],
      ['y', 4],
      ['ts', 2014],
      ['g', 1111],
    ],
  );
});

test('schema change events give a bare DECIMAL length 10 and scale 0, a bare BIT length 1, and FLOAT(M,D) its scale, as Debezium’s parsers record them', (t) => {
  const columns = changedTable(
    table('t', [
      columnDef('id', 'INT', { nullable: false }),
      columnDef('d', 'DECIMAL'),
      columnDef('d5', 'DECIMAL', { length: 5 }),
      columnDef('d52', 'DECIMAL', { length: 5, scale: 2 }),
      columnDef('bit', 'BIT'),
      columnDef('f', 'FLOAT', { length: 7, scale: 3 }),
      columnDef('at', 'DATETIME', { scale: 6 }),
    ]),
  ).columns;
  t.deepEqual(
    columns.map((c) => [c.name, c.length, c.scale]),
    [
      ['id', null, null],
      ['d', 10, 0],
      ['d5', 5, 0],
      ['d52', 5, 2],
      ['bit', 1, null],
      ['f', 7, 3],
      ['at', 6, null],
    ],
  );
});

test('without a PRIMARY KEY, the first UNIQUE index over NOT NULL columns is the primaryKeyColumnNames, as Debezium’s parser makes it', (t) => {
  const columns = [columnDef('code', 'VARCHAR', { length: 8, nullable: false }), columnDef('email', 'VARCHAR', { length: 80 }), columnDef('Region', 'INT', { nullable: false })];
  const keyless = (uniqueIndexes: TableDef['uniqueIndexes']): TableDef => ({ ...table('t', columns), primaryKey: [], uniqueIndexes });
  t.deepEqual(changedTable(keyless([{ name: 'by_code', columns: ['code', 'region'] }])).primaryKeyColumnNames, ['code', 'Region']);
  t.deepEqual(changedTable(keyless([{ name: 'by_email', columns: ['email'] }])).primaryKeyColumnNames, [], 'a nullable column keeps the index out');
  t.deepEqual(changedTable(keyless([{ name: 'by_email', columns: ['email'] }, { name: 'by_code', columns: ['code'] }])).primaryKeyColumnNames, ['code']);
  t.deepEqual(changedTable(keyless([])).primaryKeyColumnNames, []);
  t.deepEqual(changedTable({ ...table('t', [columnDef('id', 'INT', { nullable: false }), ...columns]), uniqueIndexes: [{ name: 'by_code', columns: ['code'] }] }).primaryKeyColumnNames, ['id']);
});

const COMMENTED: TableDef = {
  ...table('t', [columnDef('id', 'INT', { nullable: false, comment: 'the id' }), columnDef('at', 'POINT', { comment: 'where' }), columnDef('n', 'INT')]),
  comment: 'orders',
};

test('comments are null in schema change events by default (include.schema.comments=false) and kept with it on', (t) => {
  const off = changedTable(COMMENTED);
  t.is(off.comment, null);
  t.deepEqual(
    off.columns.map((c) => c.comment),
    [null, null, null],
  );
  const on = changedTable(COMMENTED, tableChangeSerializer(true));
  t.is(on.comment, 'orders');
  t.deepEqual(
    on.columns.map((c) => c.comment),
    ['the id', 'where', null],
  );
});

test('include.schema.comments makes each commented column’s comment the doc of its key and value fields', (t) => {
  const off = new TableEnvelope(COMMENTED, OPTIONS);
  t.deepEqual(
    off.rowSchema.fields?.map((f) => f.schema.doc),
    [undefined, 'Geometry (POINT)', undefined],
  );
  const on = new TableEnvelope(COMMENTED, { ...OPTIONS, includeSchemaComments: true });
  t.deepEqual(
    on.rowSchema.fields?.map((f) => f.schema.doc),
    ['the id', 'where', undefined],
  );
  t.is(on.keySchema?.fields?.[0]?.schema.doc, 'the id');
});

test('event.converting.failure.handling.mode=fail names the table of a value that cannot be converted', (t) => {
  const env = new TableEnvelope(table('t', [columnDef('id', 'INT', { nullable: false }), columnDef('at', 'TIME')]), { ...OPTIONS, timePrecisionMode: 'connect', conversionFailureMode: 'fail' });
  t.deepEqual(env.row([1, '23:00:00']), { id: 1, at: 82_800_000 });
  t.throws(() => env.row([1, '-01:00:00']), { message: /'shop\.t\.at' of type TIME/ });
});

test('a key value that cannot be converted fails the event whatever the mode, as Debezium’s key generator lets it through', (t) => {
  const def: TableDef = { ...table('t', [columnDef('at', 'TIME', { nullable: false }), columnDef('n', 'INT')]), primaryKey: ['at'] };
  const env = new TableEnvelope(def, { ...OPTIONS, timePrecisionMode: 'connect' });
  t.deepEqual(env.key(['01:00:00', 1]), { at: 3_600_000 });
  t.throws(() => env.key(['-01:00:00', 1]), { message: /'shop\.t\.at' of type TIME/ });
  t.deepEqual(env.row(['-01:00:00', 1]), { at: null, n: 1 });
});
