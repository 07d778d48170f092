import test from 'ava';
import type { Header, SourceRecord } from '../../../../connect/api/index.ts';
import { parseMySqlCdcConfig } from '../../../../connectors/mysql-cdc/config.ts';
import { ChangeEmitter, TableFilter, contextHeaders } from '../../../../connectors/mysql-cdc/emitter.ts';
import type { EnvelopeOptions, SourceInfo } from '../../../../connectors/mysql-cdc/envelope.ts';
import { TableEnvelope } from '../../../../connectors/mysql-cdc/envelope.ts';
import { SchemaCatalog } from '../../../../connectors/mysql-cdc/schema/catalog.ts';
import type { SchemaHistoryEntry } from '../../../../connectors/mysql-cdc/schema/history.ts';
import type { ColumnDef, TableDef } from '../../../../connectors/mysql-cdc/schema/table.ts';
import { columnDef, messageKeyColumns } from '../../../../connectors/mysql-cdc/schema/table.ts';
import { envelopeOptions } from './envelope-options.ts';

const BASE = { 'database.hostname': 'h', 'database.user': 'u', 'database.server.id': '1', 'topic.prefix': 'srv' };
const parse = (raw: Record<string, unknown> = {}): ReturnType<typeof parseMySqlCdcConfig> => parseMySqlCdcConfig({ ...BASE, ...raw });

const OPTIONS: EnvelopeOptions = envelopeOptions('mysql');

function table(name: string, columns: ColumnDef[], primaryKey: string[] = []): TableDef {
  return { database: 'shop', name, columns, primaryKey, uniqueIndexes: [], defaultCharset: undefined, comment: undefined };
}

const INFO: SourceInfo = { tsMs: 1000, snapshot: 'false', db: 'shop', table: 'orders', serverId: 1, gtid: null, file: 'bin.000001', pos: 4, row: 0, thread: null, query: null };

function emitter(raw: Record<string, unknown> = {}): ChangeEmitter {
  const config = parse(raw);
  const catalog = new SchemaCatalog();
  catalog.apply('CREATE TABLE orders (id INT PRIMARY KEY, note VARCHAR(20)); CREATE TABLE lines (order_id INT NOT NULL, line_no INT NOT NULL, qty INT)', 'shop');
  return new ChangeEmitter(config, OPTIONS, new TableFilter(config), catalog, { server: 'srv' });
}

const ENTRY: SchemaHistoryEntry = { file: 'f', pos: 4, gtids: null, tsMs: 1, database: 'shop', ddl: 'CREATE TABLE x (id INT)', snapshot: false };

const headerKeys = (record: SourceRecord): string[] => record.headers.map((h) => h.key);
const headerValue = (headers: readonly Header[], key: string): unknown => headers.find((h) => h.key === key)?.value;

test('the heartbeat topic is <topic.heartbeat.prefix><topic.delimiter><topic.prefix>, topic.heartbeat.name replaces it, the older heartbeat.topics.prefix counts only without the new key', (t) => {
  t.is(parse().heartbeatTopic, '__debezium-heartbeat.srv');
  t.is(parse({ 'heartbeat.topics.prefix': 'old' }).heartbeatTopic, 'old.srv');
  t.is(parse({ 'heartbeat.topics.prefix': 'old', 'topic.heartbeat.prefix': 'new' }).heartbeatTopic, 'new.srv');
  t.is(parse({ 'topic.heartbeat.prefix': 'hb', 'topic.delimiter': '_' }).heartbeatTopic, 'hb_srv');
  t.is(parse({ 'topic.heartbeat.name': 'shared-heartbeats', 'topic.heartbeat.prefix': 'hb' }).heartbeatTopic, 'shared-heartbeats');
  t.is(parse({ 'topic.heartbeat.name': '' }).heartbeatTopic, '__debezium-heartbeat.srv');
  t.throws(() => parse({ 'topic.heartbeat.prefix': 'a b' }), { message: /topic\.heartbeat\.prefix/ });
  t.throws(() => parse({ 'topic.delimiter': '/' }), { message: /topic\.delimiter/ });
});

test('topic.delimiter joins prefix, database and table in topic and schema names, as DefaultTopicNamingStrategy; the schema change topic stays topic.prefix', (t) => {
  const e = emitter({ 'topic.delimiter': '_' });
  const env = e.envelope('shop', 'orders')!;
  t.is(env.topic, 'srv_shop_orders');
  t.is(env.keySchema?.name, 'srv_shop_orders.Key');
  t.is(env.envelopeSchema.name, 'srv_shop_orders.Envelope');
  const change = e.schemaChangeRecord(ENTRY, [], INFO, {});
  t.is(change.topic, 'srv');
});

test("topic.naming.strategy: Debezium's default class is accepted, any other refused with what Brook supports", (t) => {
  t.notThrows(() => parse({ 'topic.naming.strategy': 'io.debezium.schema.DefaultTopicNamingStrategy' }));
  t.false(parse({ 'topic.naming.strategy': 'io.debezium.schema.DefaultTopicNamingStrategy' }).unsupportedKeys.some((k) => k.startsWith('topic.')));
  const error = t.throws(() => parse({ 'topic.naming.strategy': 'io.debezium.schema.SchemaTopicNamingStrategy' }));
  t.regex(error.message, /topic\.naming\.strategy: io\.debezium\.schema\.SchemaTopicNamingStrategy is not supported.*DefaultTopicNamingStrategy/);
});

test('message.key.columns is parsed as CustomKeyMapper: ;-separated <table>:<columns>, a trailing ; allowed, bad entries refused by name', (t) => {
  const rules = parse({ 'message.key.columns': 'shop.lines:order_id, line_no;(.*).orders:note;' }).messageKeyColumns;
  t.deepEqual(
    rules.map((r) => r.source),
    ['^(?:shop.lines.order_id)$', '^(?:shop.lines.line_no)$', '^(?:(.*).orders.note)$'],
  );
  t.deepEqual(parse().messageKeyColumns, []);
  t.false(parse({ 'message.key.columns': 'shop.lines:order_id' }).unsupportedKeys.some((k) => k.startsWith('message.key.columns')));
  t.throws(() => parse({ 'message.key.columns': 'shop.lines' }), { message: /message\.key\.columns: "shop\.lines" is not <db>\.<table>:<column>/ });
  t.throws(() => parse({ 'message.key.columns': 'a:b:c' }), { message: /message\.key\.columns/ });
  t.throws(() => parse({ 'message.key.columns': '' }), { message: /message\.key\.columns: must not be empty/ });
});

test('message.key.columns picks the key columns per rule, case-insensitively, and keeps the primary key of tables it does not name', (t) => {
  const lines = table('lines', [columnDef('order_id', 'INT'), columnDef('line_no', 'INT'), columnDef('qty', 'INT')]);
  const orders = table('orders', [columnDef('id', 'INT', { nullable: false }), columnDef('note', 'VARCHAR')], ['id']);
  const rules = parse({ 'message.key.columns': 'SHOP.LINES:line_no,ORDER_ID;other.orders:note' }).messageKeyColumns;
  t.deepEqual(messageKeyColumns(lines, rules), ['line_no', 'order_id']);
  t.deepEqual(messageKeyColumns(orders, rules), ['id']);
  t.deepEqual(messageKeyColumns(lines, []), []);
});

test('with message.key.columns a table without a primary key gets a key, named <prefix>.<db>.<table>.Key, and a changed key column makes delete, tombstone and create', (t) => {
  const e = emitter({ 'message.key.columns': 'shop.lines:order_id,line_no' });
  const env = e.envelope('shop', 'lines')!;
  t.is(env.keySchema?.name, 'srv.shop.lines.Key');
  t.deepEqual(
    env.keySchema?.fields?.map((f) => [f.name, f.schema.type, f.schema.optional]),
    [
      ['order_id', 'int32', false],
      ['line_no', 'int32', false],
    ],
  );
  t.deepEqual(env.key([7, 2, 5]), { order_id: 7, line_no: 2 });
  const records = e.rowRecords(env, 'u', [7, 2, 5], [7, 3, 5], { ...INFO, table: 'lines' }, 1, {}, {});
  t.deepEqual(
    records.map((r) => [r.value === null ? null : (r.value as { op: string }).op, r.key]),
    [
      ['d', { order_id: 7, line_no: 2 }],
      [null, { order_id: 7, line_no: 2 }],
      ['c', { order_id: 7, line_no: 3 }],
    ],
  );
  t.is(emitter().envelope('shop', 'lines')!.keySchema, null);
});

test('extended headers: every data record and its tombstone, and schema change records, carry the four __debezium.context.* string headers; heartbeats none', (t) => {
  const e = emitter();
  const env = e.envelope('shop', 'orders')!;
  const context = ['__debezium.context.connectorLogicalName', '__debezium.context.taskId', '__debezium.context.connectorName', '__debezium.context.runId'];
  const [insert] = e.rowRecords(env, 'c', null, [1, 'a'], INFO, 1, {}, {});
  t.deepEqual(headerKeys(insert!), context);
  t.deepEqual(
    insert!.headers.map((h) => [h.value, h.schema]),
    [
      ['srv', { type: 'string', optional: false }],
      ['0', { type: 'string', optional: false }],
      ['mysql', { type: 'string', optional: false }],
      [headerValue(insert!.headers, '__debezium.context.runId'), { type: 'string', optional: false }],
    ],
  );
  t.regex(String(headerValue(insert!.headers, '__debezium.context.runId')), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  const [del, tombstone] = e.rowRecords(env, 'd', [1, 'a'], null, INFO, 1, {}, {});
  t.deepEqual(headerKeys(del!), context);
  t.deepEqual(headerKeys(tombstone!), context);
  const change = e.schemaChangeRecord(ENTRY, [], INFO, {});
  t.deepEqual(headerKeys(change), context);
  const heartbeat = e.heartbeatRecord(1, {});
  t.deepEqual(heartbeat.headers, []);
  t.is(heartbeat.kafkaPartition, 0);
});

test('the tombstone after the delete of a key change carries the delete headers, __debezium.newkey first; the create __debezium.oldkey', (t) => {
  const e = emitter();
  const env = e.envelope('shop', 'orders')!;
  const [del, tombstone, create] = e.rowRecords(env, 'u', [1, 'a'], [2, 'a'], INFO, 1, {}, {});
  t.is(tombstone!.value, null);
  t.deepEqual(tombstone!.headers, del!.headers);
  t.deepEqual(headerKeys(tombstone!).slice(0, 2), ['__debezium.newkey', '__debezium.context.connectorLogicalName']);
  t.deepEqual(headerValue(tombstone!.headers, '__debezium.newkey'), { id: 2 });
  t.deepEqual(headerKeys(create!).slice(0, 2), ['__debezium.oldkey', '__debezium.context.connectorLogicalName']);
  const off = emitter({ 'extended.headers.enabled': 'false' });
  const [offDelete, offTombstone] = off.rowRecords(off.envelope('shop', 'orders')!, 'u', [1, 'a'], [2, 'a'], INFO, 1, {}, {});
  t.deepEqual(headerKeys(offDelete!), ['__debezium.newkey']);
  t.deepEqual(headerKeys(offTombstone!), ['__debezium.newkey']);
  t.deepEqual(headerKeys(off.rowRecords(off.envelope('shop', 'orders')!, 'c', null, [1, 'a'], INFO, 1, {}, {})[0]!), []);
});

test('runId is drawn once per task start: the same on every record of one emitter, another for the next', (t) => {
  const first = emitter();
  const second = emitter();
  const env = first.envelope('shop', 'orders')!;
  const runId = (record: SourceRecord): unknown => headerValue(record.headers, '__debezium.context.runId');
  const a = first.rowRecords(env, 'c', null, [1, 'a'], INFO, 1, {}, {})[0]!;
  const b = first.rowRecords(env, 'c', null, [2, 'b'], INFO, 1, {}, {})[0]!;
  const c = second.rowRecords(second.envelope('shop', 'orders')!, 'c', null, [1, 'a'], INFO, 1, {}, {})[0]!;
  t.is(runId(a), runId(b));
  t.not(runId(a), runId(c));
  // One array for the whole run: nothing is built per record.
  t.is(a.headers, b.headers);
  t.is(contextHeaders('srv', 'mariadb', 'r')[2]!.value, 'mariadb');
});

test('column.propagate.source.type and datatype.propagate.source.type add the __debezium.source.column.* parameters to matching value fields only', (t) => {
  const def = table(
    'p',
    [
      columnDef('id', 'INT', { nullable: false, unsigned: true, length: 10 }),
      columnDef('price', 'DECIMAL', { length: 10, scale: 2, comment: 'in euros' }),
      columnDef('name', 'VARCHAR', { length: 40 }),
      columnDef('at', 'DATETIME', { scale: 3 }),
      columnDef('n', 'INT'),
    ],
    ['id'],
  );
  const env = new TableEnvelope(def, { ...OPTIONS, propagateColumns: parse({ 'column.propagate.source.type': 'shop\\.p\\.(id|price),shop.p.at' }).propagateColumns, propagateTypes: [/^shop\.p\.varchar$/i] });
  const fields = Object.fromEntries(env.rowSchema.fields!.map((f) => [f.name, f.schema.parameters]));
  t.deepEqual(fields['id'], { '__debezium.source.column.type': 'INT UNSIGNED', '__debezium.source.column.length': '10', '__debezium.source.column.name': 'id' });
  t.deepEqual(fields['price'], {
    scale: '2',
    'connect.decimal.precision': '10',
    '__debezium.source.column.type': 'DECIMAL',
    '__debezium.source.column.length': '10',
    '__debezium.source.column.scale': '2',
    '__debezium.source.column.name': 'price',
  });
  t.deepEqual(fields['name'], { '__debezium.source.column.type': 'VARCHAR', '__debezium.source.column.length': '40', '__debezium.source.column.name': 'name' });
  t.deepEqual(fields['at'], { '__debezium.source.column.type': 'DATETIME', '__debezium.source.column.length': '3', '__debezium.source.column.name': 'at' });
  t.is(fields['n'], undefined);
  t.is(env.keySchema?.fields?.[0]?.schema.parameters, undefined);
  // With include.schema.comments the comment goes along.
  const withComments = new TableEnvelope(def, { ...OPTIONS, includeSchemaComments: true, propagateColumns: [/^shop\.p\.price$/] });
  t.is(withComments.rowSchema.fields!.find((f) => f.name === 'price')!.schema.parameters?.['__debezium.source.column.comment'], 'in euros');
  // The first mapper that matches wins, as Debezium's ColumnMappers: a mask rule leaves no source type.
  const masked = new TableEnvelope(def, { ...OPTIONS, masks: [{ pattern: /^shop\.p\.name$/, length: 3 }], propagateColumns: [/.*/] });
  t.deepEqual(masked.rowSchema.fields!.find((f) => f.name === 'name')!.schema.parameters, { masked: 'true' });
});
