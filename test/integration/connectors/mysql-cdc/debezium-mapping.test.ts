/**
 * Where Debezium maps names and values in ways a plain reading of the row would not: topic names
 * sanitized to Kafka's alphabet, two-digit years adjusted (enable.time.adjuster), FLOAT(M,D) as a
 * double, and masks that touch only character columns. Each checked in the snapshot and in the
 * binlog, which reach the values by different paths.
 */
import test from 'ava';
import { useSharedMariaDb } from '../../../helpers/mariadb.ts';
import type { FieldSchema } from './harness.ts';
import { cdcConfig, jsonOf, payload, startTask } from './harness.ts';

const db = useSharedMariaDb(test, { rowMetadata: 'FULL' });

function fieldsOf(record: Parameters<typeof jsonOf>[0]): Record<string, FieldSchema> {
  const schema = jsonOf(record).schema as { fields: { field: string; fields: FieldSchema[] }[] };
  return Object.fromEntries(schema.fields.find((f) => f.field === 'after')!.fields.map((f) => [f.field, f]));
}

test.serial('tables whose names are not legal topic names go to sanitized topics, with schema names to match', async (t) => {
  await db().query("CREATE DATABASE names1; CREATE TABLE names1.`t$1` (id INT PRIMARY KEY); CREATE TABLE names1.`order items` (id INT PRIMARY KEY); INSERT INTO names1.`t$1` VALUES (1); INSERT INTO names1.`order items` VALUES (1);");
  const h = await startTask(t, cdcConfig(db().port, 'names1', { 'include.schema.changes': 'false' }), null);
  const snapshot = await h.take(2);
  t.deepEqual(snapshot.map((r) => r.topic).sort(), ['names1.names1.order_items', 'names1.names1.t_1']);
  await db().query('CREATE TABLE names1.`café` (id INT PRIMARY KEY); INSERT INTO names1.`café` VALUES (7); INSERT INTO names1.`t$1` VALUES (2);');
  const streamed = await h.take(2);
  t.deepEqual(
    streamed.map((r) => [r.topic, payload(r)['op'], (jsonOf(r).schema as { name: string }).name, r.keySchema?.name]),
    [
      ['names1.names1.caf_', 'c', 'names1.names1.caf_.Envelope', 'names1.names1.caf_.Key'],
      ['names1.names1.t_1', 'c', 'names1.names1.t_1.Envelope', 'names1.names1.t_1.Key'],
    ],
  );
});

test.serial('enable.time.adjuster (default true) reads years 1-69 as 20xx and 70-99 as 19xx; false keeps them', async (t) => {
  await db().query(`
    CREATE DATABASE years1;
    CREATE TABLE years1.t (id INT PRIMARY KEY, d DATE, dt DATETIME, dt6 DATETIME(6));
    INSERT INTO years1.t VALUES (1, '0018-05-01', '0075-01-01 10:00:00', '0001-01-01 00:00:00.5');
  `);
  const adjusted = { id: 1, d: 17652, dt: 157802400000, dt6: 978307200500000 };
  const h = await startTask(t, cdcConfig(db().port, 'years1', { 'include.schema.changes': 'false' }), null);
  t.deepEqual(payload((await h.take(1))[0]!)['after'], adjusted);
  await db().query("INSERT INTO years1.t VALUES (2, '0018-05-01', '0075-01-01 10:00:00', '0001-01-01 00:00:00.5');");
  t.deepEqual(payload((await h.take(1))[0]!)['after'], { ...adjusted, id: 2 });
  await h.task.stop();

  const off = await startTask(t, cdcConfig(db().port, 'years1', { 'include.schema.changes': 'false', 'enable.time.adjuster': 'false' }), null);
  const rows = (await off.take(2)).map((r) => payload(r)['after']);
  t.deepEqual(rows[0], { id: 1, d: -712833, dt: -59800341600000, dt6: -62135596799500000 });
});

test.serial('FLOAT(M,D) is a double holding the single-precision value, in the snapshot and the binlog alike', async (t) => {
  await db().query('CREATE DATABASE floats1; CREATE TABLE floats1.t (id INT PRIMARY KEY, f72 FLOAT(7,2), f FLOAT); INSERT INTO floats1.t VALUES (1, 5.6, 5.6);');
  const h = await startTask(t, cdcConfig(db().port, 'floats1', { 'include.schema.changes': 'false' }), null);
  const snapshot = (await h.take(1))[0]!;
  await db().query('INSERT INTO floats1.t VALUES (2, 5.6, 5.6);');
  const streamed = (await h.take(1))[0]!;
  for (const record of [snapshot, streamed]) {
    t.like(payload(record)['after'], { f72: 5.599999904632568, f: 5.6 });
    t.is(fieldsOf(record)['f72']?.type, 'double');
    t.is(fieldsOf(record)['f']?.type, 'float');
  }
});

test.serial('column.mask.with masks character columns only and marks masked fields; column.truncate.to adds truncateLength', async (t) => {
  await db().query("CREATE DATABASE mask1; CREATE TABLE mask1.t (id INT PRIMARY KEY, n INT, name VARCHAR(20), note VARCHAR(20)); INSERT INTO mask1.t VALUES (1, 42, 'secret', 'abcdefgh');");
  const h = await startTask(t, cdcConfig(db().port, 'mask1', { 'include.schema.changes': 'false', 'column.mask.with.4.chars': 'mask1.t.n,mask1.t.name', 'column.truncate.to.3.chars': 'mask1.t.note' }), null);
  const snapshot = (await h.take(1))[0]!;
  await db().query("INSERT INTO mask1.t VALUES (2, 43, NULL, 'xy');");
  const streamed = (await h.take(1))[0]!;
  t.deepEqual(payload(snapshot)['after'], { id: 1, n: 42, name: '****', note: 'abc' });
  t.deepEqual(payload(streamed)['after'], { id: 2, n: 43, name: '****', note: 'xy' });
  const fields = fieldsOf(snapshot);
  t.like(fields['n'], { type: 'int32', parameters: { masked: 'true' } });
  t.like(fields['name'], { type: 'string', parameters: { masked: 'true' } });
  t.like(fields['note'], { type: 'string', parameters: { truncateLength: '3' } });
});
