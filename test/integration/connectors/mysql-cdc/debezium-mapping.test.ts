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

test.serial('a stored YEAR 0000 is 1900 from the binlog and 2000 from the snapshot, as Debezium reads each', async (t) => {
  await db().query("CREATE DATABASE years2; CREATE TABLE years2.t (id INT PRIMARY KEY, y YEAR); INSERT INTO years2.t VALUES (1, '0000'), (2, '2024');");
  const h = await startTask(t, cdcConfig(db().port, 'years2', { 'include.schema.changes': 'false' }), null);
  t.deepEqual(
    (await h.take(2)).map((r) => payload(r)['after']),
    [
      { id: 1, y: 2000 },
      { id: 2, y: 2024 },
    ],
  );
  await db().query("INSERT INTO years2.t VALUES (3, '0000'), (4, '1901');");
  t.deepEqual(
    (await h.take(2)).map((r) => payload(r)['after']),
    [
      { id: 3, y: 1900 },
      { id: 4, y: 1901 },
    ],
  );
});

test.serial('time.precision.mode=connect: a TIME outside 00:00:00-24:00:00 is null with a warning, in the snapshot and the binlog', async (t) => {
  await db().query("CREATE DATABASE times1; CREATE TABLE times1.t (id INT PRIMARY KEY, tm TIME); INSERT INTO times1.t VALUES (1, '-01:00:00'), (2, '24:00:00');");
  const logs: string[] = [];
  const h = await startTask(t, cdcConfig(db().port, 'times1', { 'include.schema.changes': 'false', 'time.precision.mode': 'connect' }), null, undefined, { logs });
  t.deepEqual(
    (await h.take(2)).map((r) => payload(r)['after']),
    [
      { id: 1, tm: null },
      { id: 2, tm: 86_400_000 },
    ],
  );
  await db().query("INSERT INTO times1.t VALUES (3, '838:59:59'), (4, '23:59:59');");
  t.deepEqual(
    (await h.take(2)).map((r) => payload(r)['after']),
    [
      { id: 3, tm: null },
      { id: 4, tm: 86_399_000 },
    ],
  );
  const warnings = logs.filter((l) => l.startsWith("warn: Failed to properly convert data value for 'times1.t.tm' of type TIME"));
  t.is(warnings.length, 2);
});

interface TableChangeColumn {
  readonly name: string;
  readonly jdbcType: number;
  readonly comment: string | null;
}

interface TableChangeEntry {
  readonly id: string;
  readonly table: { readonly primaryKeyColumnNames: string[]; readonly columns: TableChangeColumn[]; readonly comment: string | null };
}

/** Reads records until a schema change event describes table `id` ('"db"."table"'), and returns that description. */
async function tableChangeOf(h: Awaited<ReturnType<typeof startTask>>, id: string): Promise<TableChangeEntry> {
  for (;;) {
    for (const record of await h.take(1)) {
      const changes = (payload(record)['tableChanges'] ?? []) as TableChangeEntry[];
      const entry = changes.find((c) => c.id === id);
      if (entry !== undefined) return entry;
    }
  }
}

const UNIQUE_KEYED_TABLE = "(code VARCHAR(8) NOT NULL COMMENT 'the code', email VARCHAR(80), tiny TINYINT, tb TINYBLOB, UNIQUE KEY by_email (email), UNIQUE KEY by_code (code)) COMMENT 'codes'";

test.serial('schema change events: a UNIQUE index over NOT NULL columns is the primary key, TINYINT/TINYBLOB carry Debezium 3.6.1’s types, comments are null by default', async (t) => {
  await db().query(`CREATE DATABASE ddl1; CREATE TABLE ddl1.t ${UNIQUE_KEYED_TABLE};`);
  const h = await startTask(t, cdcConfig(db().port, 'ddl1'), null);
  const snapshot = await tableChangeOf(h, '"ddl1"."t"');
  await db().query(`CREATE TABLE ddl1.u ${UNIQUE_KEYED_TABLE};`);
  const streamed = await tableChangeOf(h, '"ddl1"."u"');
  for (const entry of [snapshot, streamed]) {
    t.deepEqual(entry.table.primaryKeyColumnNames, ['code']);
    t.deepEqual(
      entry.table.columns.map((c) => [c.name, c.jdbcType, c.comment]),
      [
        ['code', 12, null],
        ['email', 12, null],
        ['tiny', 5, null],
        ['tb', 2004, null],
      ],
    );
    t.is(entry.table.comment, null);
  }
});

test.serial('include.schema.comments=true keeps table and column comments in schema change events and makes them field docs', async (t) => {
  await db().query(`CREATE DATABASE ddl2; CREATE TABLE ddl2.t ${UNIQUE_KEYED_TABLE}; INSERT INTO ddl2.t VALUES ('a', NULL, 1, NULL);`);
  const h = await startTask(t, cdcConfig(db().port, 'ddl2', { 'include.schema.comments': 'true' }), null);
  const entry = await tableChangeOf(h, '"ddl2"."t"');
  t.is(entry.table.comment, 'codes');
  t.deepEqual(
    entry.table.columns.map((c) => c.comment),
    ['the code', null, null, null],
  );
  let row: Parameters<typeof fieldsOf>[0] | undefined;
  while (row === undefined) row = (await h.take(1)).find((r) => r.topic === 'ddl2.ddl2.t');
  const docOf = (name: string): unknown => (fieldsOf(row)[name] as { doc?: string } | undefined)?.doc;
  t.is(docOf('code'), 'the code');
  t.is(docOf('email'), undefined);
});

test.serial('converters with TinyIntOneToBooleanConverter turn TINYINT(1) columns into booleans, in the snapshot and the binlog; selector and length.checker narrow it', async (t) => {
  await db().query(`
    CREATE DATABASE bools1;
    CREATE TABLE bools1.t (id INT PRIMARY KEY, flag TINYINT(1) NOT NULL DEFAULT 1, other TINYINT(1), small TINYINT(4));
    INSERT INTO bools1.t VALUES (1, 0, 5, 7);
  `);
  const converter = { converters: 'boolean', 'boolean.type': 'io.debezium.connector.binlog.converters.TinyIntOneToBooleanConverter' };
  const selected = await startTask(t, cdcConfig(db().port, 'bools1', { 'include.schema.changes': 'false', ...converter, 'boolean.selector': 'bools1\\.t\\.(flag|small)' }), null);
  const snapshot = (await selected.take(1))[0]!;
  await db().query('INSERT INTO bools1.t VALUES (2, -1, 0, 0)');
  const streamed = (await selected.take(1))[0]!;
  // small is selected but is no TINYINT(1); other is a TINYINT(1) the selector leaves out.
  t.deepEqual(payload(snapshot)['after'], { id: 1, flag: false, other: 5, small: 7 });
  t.deepEqual(payload(streamed)['after'], { id: 2, flag: true, other: 0, small: 0 });
  for (const record of [snapshot, streamed]) {
    t.like(fieldsOf(record)['flag'], { type: 'boolean', optional: false });
    t.is((fieldsOf(record)['flag'] as FieldSchema & { default?: unknown }).default, true);
    t.is(fieldsOf(record)['other']?.type, 'int16');
    t.is(fieldsOf(record)['small']?.type, 'int16');
  }
  await selected.task.stop();

  // Without a selector every TINYINT(1) is converted; without the length check every TINYINT.
  const all = await startTask(t, cdcConfig(db().port, 'bools1', { 'include.schema.changes': 'false', ...converter, 'boolean.length.checker': 'false' }), null);
  t.deepEqual(
    (await all.take(2)).map((r) => payload(r)['after']),
    [
      { id: 1, flag: false, other: true, small: true },
      { id: 2, flag: true, other: false, small: false },
    ],
  );
});
