import test from 'ava';
import { useSharedMariaDb } from '../../../helpers/mariadb.ts';
import { cdcConfig, jsonOf, jsonText, keyJsonOf, MemoryTopic, payload, startTask } from './harness.ts';

const db = useSharedMariaDb(test);

function config(prefix: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return cdcConfig(db().port, prefix, extra);
}

test.serial('snapshot of existing rows, then multi-statement transactions, as Debezium values', async (t) => {
  await db().query(`
    CREATE DATABASE shop1;
    CREATE TABLE shop1.items (
      id INT NOT NULL PRIMARY KEY,
      name VARCHAR(40) NOT NULL,
      price DECIMAL(10,2),
      born DATE,
      seen DATETIME(6),
      stamp TIMESTAMP(3) NULL DEFAULT NULL,
      flag BOOLEAN,
      small TINYINT UNSIGNED,
      big BIGINT UNSIGNED,
      kind ENUM('a','b'),
      tags SET('x','y','z'),
      bits BIT(10),
      doc JSON,
      bin VARBINARY(4),
      yr YEAR,
      t TIME(3),
      f FLOAT,
      d DOUBLE
    );
    INSERT INTO shop1.items VALUES
      (1, 'pen', 2.50, '2024-02-29', '2024-02-29 12:34:56.123456', '2024-02-29 12:34:56.789', TRUE, 255, 18446744073709551615, 'b', 'x,z', b'1000000001', '{"a":1}', x'00ff', 2024, '-01:02:03.500', 5.6, 1.25),
      (2, 'ink', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
  `);
  const h = await startTask(t, config('shop1'), null);
  const snap = (await h.take(3)).filter((r) => r.topic === 'shop1.shop1.items');
  t.is(snap.length, 2);
  const first = payload(snap[0]!);
  t.deepEqual(first['after'], {
    id: 1,
    name: 'pen',
    price: 'APo=', // 250 as big-endian two's complement bytes, base64
    born: 19782,
    seen: 1709210096123456,
    stamp: '2024-02-29T12:34:56.789Z',
    flag: 1, // the snapshot reads SHOW CREATE TABLE: tinyint(1), INT16, as Debezium's snapshots do
    small: 255,
    big: -1, // long mode: above 2^63-1 wraps
    kind: 'b',
    tags: 'x,z',
    bits: 'AQI=', // 0b1000000001 little-endian: 01 02
    doc: '{"a":1}',
    bin: 'AP8=',
    yr: 2024,
    t: -3723500000,
    f: 5.6,
    d: 1.25,
  });
  t.is(first['op'], 'r');
  t.is(first['before'], null);
  const source = first['source'] as Record<string, unknown>;
  t.is(source['connector'], 'mariadb');
  t.is(source['name'], 'shop1');
  t.is(source['snapshot'], 'first');
  t.is(source['db'], 'shop1');
  t.is(source['table'], 'items');
  t.is(payload(snap[1]!)['source'] !== undefined && (payload(snap[1]!)['source'] as Record<string, unknown>)['snapshot'], 'last');
  t.deepEqual(keyJsonOf(snap[0]!), {
    schema: { type: 'struct', fields: [{ type: 'int32', optional: false, field: 'id' }], optional: false, name: 'shop1.shop1.items.Key' },
    payload: { id: 1 },
  });
  const schema = jsonOf(snap[0]!).schema as { name: string; version: number; fields: { field: string; name?: string; parameters?: Record<string, string> }[] };
  t.is(schema.name, 'shop1.shop1.items.Envelope');
  t.is(schema.version, 2);
  t.deepEqual(
    schema.fields.map((f) => f.field),
    ['before', 'after', 'source', 'transaction', 'op', 'ts_ms', 'ts_us', 'ts_ns'],
  );
  const after = (schema.fields[1] as unknown as { fields: { field: string; type: string; name?: string; parameters?: Record<string, string> }[] }).fields;
  const byName = new Map(after.map((f) => [f.field, f]));
  t.like(byName.get('price'), { type: 'bytes', name: 'org.apache.kafka.connect.data.Decimal', parameters: { scale: '2', 'connect.decimal.precision': '10' } });
  t.like(byName.get('seen'), { type: 'int64', name: 'io.debezium.time.MicroTimestamp' });
  t.like(byName.get('stamp'), { type: 'string', name: 'io.debezium.time.ZonedTimestamp' });
  t.like(byName.get('born'), { type: 'int32', name: 'io.debezium.time.Date' });
  t.like(byName.get('t'), { type: 'int64', name: 'io.debezium.time.MicroTime' });
  t.like(byName.get('kind'), { type: 'string', name: 'io.debezium.data.Enum', parameters: { allowed: 'a,b' } });
  t.like(byName.get('tags'), { type: 'string', name: 'io.debezium.data.EnumSet', parameters: { allowed: 'x,y,z' } });
  t.like(byName.get('bits'), { type: 'bytes', name: 'io.debezium.data.Bits', parameters: { length: '10' } });
  t.like(byName.get('doc'), { type: 'string', name: 'io.debezium.data.Json' });
  t.like(byName.get('yr'), { type: 'int32', name: 'io.debezium.time.Year' });
  t.like(byName.get('flag'), { type: 'int16' });
  t.like(byName.get('small'), { type: 'int16' });
  t.like(byName.get('big'), { type: 'int64' });
  t.like(byName.get('f'), { type: 'float' });

  // One transaction: insert, update, delete; then the same values must come out of the binlog.
  await db().query(`
    START TRANSACTION;
    INSERT INTO shop1.items VALUES (3, 'cap', 10.05, '1969-12-31', '1969-12-31 23:59:59.5', '2000-01-01 00:00:00', FALSE, 0, 9223372036854775807, 'a', '', b'0000000011', '[1,2]', x'01', 1999, '838:59:59', -0.5, -2.5);
    UPDATE shop1.items SET name = 'pen2', price = -0.01 WHERE id = 1;
    DELETE FROM shop1.items WHERE id = 2;
    COMMIT;
  `);
  const changes = await h.take(4);
  t.deepEqual(
    changes.map((r) => [r.value === null ? 'tombstone' : (r.value as { op: string }).op, (r.key as { id: number }).id]),
    [
      ['c', 3],
      ['u', 1],
      ['d', 2],
      ['tombstone', 2],
    ],
  );
  const created = payload(changes[0]!);
  t.deepEqual(created['after'], {
    id: 3,
    name: 'cap',
    price: 'A+0=',
    born: -1,
    seen: -500000,
    stamp: '2000-01-01T00:00:00.000Z',
    flag: 0,
    small: 0,
    big: 2 ** 63, // JSON.parse rounds; the text is checked exactly below
    kind: 'a',
    tags: '',
    bits: 'AwA=',
    doc: '[1,2]',
    bin: 'AQ==',
    yr: 1999,
    t: 3020399000000,
    f: -0.5,
    d: -2.5,
  });
  t.regex(jsonText(changes[0]!), /"big":9223372036854775807,/);
  const updated = payload(changes[1]!);
  t.like(updated['before'], { id: 1, name: 'pen', price: 'APo=' });
  t.like(updated['after'], { id: 1, name: 'pen2', price: '/w==' });
  const streamedSource = updated['source'] as Record<string, unknown>;
  t.is(streamedSource['snapshot'], 'false');
  t.regex(String(streamedSource['gtid']), /^0-\d+-\d+$/);
  t.regex(String(streamedSource['file']), /^mysql-bin\.\d+$/);
  t.is(streamedSource['row'], 0);
  t.deepEqual(payload(changes[2]!)['after'], null);
  t.like(payload(changes[2]!)['before'], { id: 2, name: 'ink', price: null });
  t.is(changes[3]!.value, null);
});

test.serial('ALTER TABLE and FLUSH LOGS mid-stream; a restart mid-transaction loses and repeats nothing', async (t) => {
  await db().query(`
    CREATE DATABASE shop2;
    CREATE TABLE shop2.t (id INT PRIMARY KEY, v VARCHAR(10));
    INSERT INTO shop2.t VALUES (1, 'a');
  `);
  const history = new MemoryTopic();
  const h = await startTask(t, config('shop2', { 'include.schema.changes': 'true' }), null, history);
  // The schema change (CREATE) and the row; the history goes to the store, not through poll().
  const snap = await h.take(2);
  t.false(snap.some((r) => r.topic === 'schema-changes.shop2'));
  t.true(snap.some((r) => r.topic === 'shop2.shop2.t' && (r.value as { op: string }).op === 'r'));
  await db().query(`
    ALTER TABLE shop2.t ADD COLUMN email VARCHAR(30) NOT NULL DEFAULT 'none' AFTER id, DROP COLUMN v;
    INSERT INTO shop2.t VALUES (2, 'b@x');
    FLUSH LOGS;
    INSERT INTO shop2.t VALUES (3, 'c@x');
  `);
  const after = await h.take(3);
  const rows = after.filter((r) => r.topic === 'shop2.shop2.t');
  t.deepEqual(
    rows.map((r) => payload(r)['after']),
    [
      { id: 2, email: 'b@x' },
      { id: 3, email: 'c@x' },
    ],
  );
  const change = after.find((r) => r.topic === 'shop2');
  t.truthy(change);
  t.regex((change!.value as { ddl: string }).ddl, /ALTER TABLE/);
  // Stored as Debezium's history records, the snapshot's CREATE first.
  const stored = history.values as { source: { server: string }; position: { file: string; pos: number; snapshot?: boolean }; databaseName: string; ddl: string }[];
  t.deepEqual(
    stored.map((r) => [r.source.server, r.databaseName, r.position.snapshot === true, /^(CREATE|ALTER) TABLE/.exec(r.ddl)?.[0]]),
    [
      ['shop2', 'shop2', true, 'CREATE TABLE'],
      ['shop2', 'shop2', false, 'ALTER TABLE'],
    ],
  );
  const files = rows.map((r) => (payload(r)['source'] as { file: string }).file);
  t.not(files[0], files[1], 'FLUSH LOGS moved the second insert to the next binlog file');

  // A three-row transaction; the task "crashes" after the first row's offset was committed.
  await db().query('START TRANSACTION; INSERT INTO shop2.t VALUES (10, "x"); INSERT INTO shop2.t VALUES (11, "y"); UPDATE shop2.t SET email = "z" WHERE id = 10; COMMIT;');
  const tx = await h.take(3);
  t.deepEqual(
    tx.map((r) => [(r.value as { op: string }).op, (r.key as { id: number }).id]),
    [
      ['c', 10],
      ['c', 11],
      ['u', 10],
    ],
  );
  await h.task.stop();
  const committed = tx[0]!.sourceOffset;
  t.true(typeof committed['event'] === 'number' && typeof committed['row'] === 'number');
  await db().query('ALTER TABLE shop2.t ADD COLUMN n INT; INSERT INTO shop2.t VALUES (12, "w", 7);');
  const again = await startTask(t, config('shop2', { 'include.schema.changes': 'false' }), committed, history);
  const resumed = (await again.take(3)).filter((r) => r.topic === 'shop2.shop2.t');
  t.deepEqual(
    resumed.map((r) => [(r.value as { op: string }).op, (r.key as { id: number }).id, payload(r)['after']]),
    [
      ['c', 11, { id: 11, email: 'y' }],
      ['u', 10, { id: 10, email: 'z' }],
      ['c', 12, { id: 12, email: 'w', n: 7 }],
    ],
  );
});

test.serial('a stored offset whose binlog was purged fails the start with what to do', async (t) => {
  await db().query('CREATE DATABASE shop3; CREATE TABLE shop3.t (id INT PRIMARY KEY);');
  const logs = await db().binlogs();
  const old = logs[0]!.name;
  await db().query('FLUSH LOGS');
  const newest = (await db().binlogs()).at(-1)!.name;
  await db().query(`PURGE BINARY LOGS TO '${newest}'`);
  const error = await t.throwsAsync(startTask(t, config('shop3'), { file: old, pos: 4, event: 0, row: 0 }));
  t.regex(error.message, /no longer available/);
  t.regex(error.message, /snapshot\.mode=when_needed/);
  // when_needed snapshots again instead.
  await db().query('INSERT INTO shop3.t VALUES (1)');
  const h = await startTask(t, config('shop3', { 'snapshot.mode': 'when_needed', 'include.schema.changes': 'false' }), { file: old, pos: 4, event: 0, row: 0 });
  const records = (await h.take(1)).filter((r) => r.topic === 'shop3.shop3.t');
  t.is((records[0]!.value as { op: string }).op, 'r');
});

test.serial('server settings are checked with a message for each wrong one', async (t) => {
  await db().query("SET GLOBAL binlog_format = 'STATEMENT'");
  try {
    const error = await t.throwsAsync(startTask(t, config('shop4'), null));
    t.regex(error.message, /binlog_format is STATEMENT: set binlog_format=ROW/);
  } finally {
    await db().query("SET GLOBAL binlog_format = 'ROW'");
  }
});
