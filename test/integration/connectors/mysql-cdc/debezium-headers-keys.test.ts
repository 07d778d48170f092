/**
 * Debezium's record metadata that consumers key off, checked against a real server in the
 * snapshot and the binlog: the __debezium.context.* headers and the key-change headers,
 * source.server_id (0 in the snapshot), message.key.columns, topic.delimiter and the
 * __debezium.source.column.* schema parameters.
 */
import test from 'ava';
import type { SourceRecord } from '../../../../connect/api/index.ts';
import { useSharedMariaDb } from '../../../helpers/mariadb.ts';
import type { FieldSchema } from './harness.ts';
import { cdcConfig, jsonOf, payload, startTask } from './harness.ts';

const db = useSharedMariaDb(test, { rowMetadata: 'FULL' });

const CONTEXT_KEYS = ['__debezium.context.connectorLogicalName', '__debezium.context.taskId', '__debezium.context.connectorName', '__debezium.context.runId'];
const keysOf = (r: SourceRecord): string[] => r.headers.map((h) => h.key);
const header = (r: SourceRecord, key: string): unknown => r.headers.find((h) => h.key === key)?.value;
const source = (r: SourceRecord): Record<string, unknown> => payload(r)['source'] as Record<string, unknown>;

function fieldsOf(record: SourceRecord): Record<string, FieldSchema> {
  const schema = jsonOf(record).schema as { fields: { field: string; fields: FieldSchema[] }[] };
  return Object.fromEntries(schema.fields.find((f) => f.field === 'after')!.fields.map((f) => [f.field, f]));
}

test.serial('context headers on snapshot, streamed and schema change records; the key change tombstone has the delete headers; server_id is 0 in the snapshot only', async (t) => {
  await db().query('CREATE DATABASE hdr1; CREATE TABLE hdr1.t (id INT PRIMARY KEY, v INT); INSERT INTO hdr1.t VALUES (1, 10);');
  const [{ id: serverId }] = (await db().query('SELECT @@server_id AS id')) as [{ id: number | string }];
  const h = await startTask(t, cdcConfig(db().port, 'hdr1'), null);
  const snapshot = await h.take(2);
  const changes = snapshot.filter((r) => r.topic === 'hdr1');
  const read = snapshot.find((r) => r.topic === 'hdr1.hdr1.t')!;
  t.true(changes.length > 0);
  for (const record of [...changes, read]) t.deepEqual(keysOf(record), CONTEXT_KEYS);
  t.deepEqual(
    read.headers.slice(0, 3).map((x) => x.value),
    ['hdr1', '0', 'mariadb'],
  );
  t.is(source(read)['server_id'], 0);
  t.is(source(changes[0]!)['server_id'], 0);

  await db().query('UPDATE hdr1.t SET id = 2 WHERE id = 1;');
  const [del, tombstone, create] = await h.take(3);
  t.is(payload(del!)['op'], 'd');
  t.is(tombstone!.value, null);
  t.is(payload(create!)['op'], 'c');
  t.deepEqual(keysOf(tombstone!), ['__debezium.newkey', ...CONTEXT_KEYS]);
  t.deepEqual(tombstone!.headers, del!.headers);
  t.deepEqual(header(tombstone!, '__debezium.newkey'), { id: 2 });
  t.deepEqual(keysOf(create!), ['__debezium.oldkey', ...CONTEXT_KEYS]);
  t.is(source(create!)['server_id'], Number(serverId));
  // One run, one runId.
  t.is(header(create!, '__debezium.context.runId'), header(read, '__debezium.context.runId'));
});

test.serial('message.key.columns keys a table without a primary key; topic.delimiter names its topic and schemas', async (t) => {
  await db().query('CREATE DATABASE keys1; CREATE TABLE keys1.lines (order_id INT NOT NULL, line_no INT NOT NULL, qty INT); INSERT INTO keys1.lines VALUES (7, 1, 3);');
  const h = await startTask(t, cdcConfig(db().port, 'keys1', { 'include.schema.changes': 'false', 'message.key.columns': 'keys1.lines:order_id,line_no', 'topic.delimiter': '_', 'extended.headers.enabled': 'false' }), null);
  const [snapshot] = await h.take(1);
  await db().query('UPDATE keys1.lines SET qty = 4 WHERE order_id = 7;');
  const [streamed] = await h.take(1);
  for (const record of [snapshot!, streamed!]) {
    t.is(record.topic, 'keys1_keys1_lines');
    t.is(record.keySchema?.name, 'keys1_keys1_lines.Key');
    t.deepEqual(record.key, { order_id: 7, line_no: 1 });
    t.deepEqual(record.headers, []);
  }
});

test.serial('column.propagate.source.type and datatype.propagate.source.type put the column type into the field schemas, in the snapshot and the binlog', async (t) => {
  await db().query("CREATE DATABASE types1; CREATE TABLE types1.t (id INT UNSIGNED PRIMARY KEY, price DECIMAL(8,2), name VARCHAR(30)); INSERT INTO types1.t VALUES (1, 9.5, 'a');");
  const h = await startTask(t, cdcConfig(db().port, 'types1', { 'include.schema.changes': 'false', 'column.propagate.source.type': 'types1.t.price', 'datatype.propagate.source.type': '.+\\.VARCHAR' }), null);
  const [snapshot] = await h.take(1);
  await db().query("INSERT INTO types1.t VALUES (2, 1.25, 'b');");
  const [streamed] = await h.take(1);
  for (const record of [snapshot!, streamed!]) {
    const fields = fieldsOf(record);
    t.like(fields['price'], { parameters: { '__debezium.source.column.type': 'DECIMAL', '__debezium.source.column.length': '8', '__debezium.source.column.scale': '2', '__debezium.source.column.name': 'price' } });
    t.like(fields['name'], { parameters: { '__debezium.source.column.type': 'VARCHAR', '__debezium.source.column.length': '30', '__debezium.source.column.name': 'name' } });
    t.is(fields['id']?.parameters, undefined);
  }
});
