/**
 * The MySQL CDC connector end to end: a private MariaDB, a real broker, `brook connect` as a
 * child process given an unchanged Debezium config over HTTP. Snapshot, multi-statement
 * transactions, ALTER TABLE mid-stream, then a kill -9 of the worker after records were written
 * but before their offsets were stored (offsets flush every 60 s by default), changes while it is
 * down, and a restart: every change is in the topic, in order per key; the only repeats are the
 * replay of what came after the last stored offset, as Debezium's at-least-once allows.
 */
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { Consumer } from '../../client/index.ts';
import { startTestBroker } from '../helpers/broker.ts';
import { startConnectWorker } from '../helpers/connect-process.ts';
import { startMariaDbFor } from '../helpers/mariadb.ts';
import { pollUntil } from '../helpers/wait-for.ts';
import type { ConvertedValue } from '../integration/connectors/mysql-cdc/every-type-table.ts';
import { checkEveryTypeSnapshot, checkEveryTypeTransaction, createEveryTypeTable, everyTypeTransaction, parseExact } from '../integration/connectors/mysql-cdc/every-type-table.ts';

const TOPIC = 'dbserver1.shop.customers';

interface Envelope {
  readonly schema: { readonly name?: string; readonly fields?: readonly { readonly field: string; readonly fields?: readonly { readonly field: string }[] }[] } | null;
  readonly payload: Record<string, unknown> | null;
}

interface Change {
  readonly id: number;
  /** c, u, d, r, or tombstone. */
  readonly op: string;
  readonly before: unknown;
  readonly after: unknown;
  readonly value: Envelope | null;
}

/** Every record of the table's topic (all partitions), read from the start until `done` holds. */
async function readChanges(bootstrap: string, done: (changes: readonly Change[]) => boolean, timeoutMs = 60_000): Promise<Change[]> {
  const consumer = new Consumer({ bootstrapServers: bootstrap, maxWaitMs: 100 });
  await consumer.connect();
  try {
    const partitions = await pollUntil(() => consumer.partitionsFor(TOPIC).catch(() => []), (p) => p.length > 0, `partitions of ${TOPIC}`, timeoutMs);
    await consumer.assign(partitions.map((partition) => ({ topic: TOPIC, partition, offset: 0n })));
    const byPartition = new Map<number, Change[]>();
    const all = (): Change[] => [...byPartition.values()].flat();
    const deadline = Date.now() + timeoutMs;
    const iterator = consumer[Symbol.asyncIterator]();
    while (!done(all())) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`gave up reading ${TOPIC}; read ${JSON.stringify(all().map((c) => [c.id, c.op]))}`);
      const next = await Promise.race([
        iterator.next(),
        new Promise<null>((resolve) =>
          setTimeout(() => {
            resolve(null);
          }, left),
        ),
      ]);
      if (next === null || next.done === true) continue;
      const list = byPartition.get(next.value.partition) ?? [];
      byPartition.set(next.value.partition, list);
      for (const record of next.value.records) {
        const key = JSON.parse(record.key!.toString('utf8')) as Envelope;
        const id = (key.payload as { id: number }).id;
        if (record.value === null) {
          list.push({ id, op: 'tombstone', before: null, after: null, value: null });
          continue;
        }
        const value = JSON.parse(record.value.toString('utf8')) as Envelope;
        const p = value.payload!;
        list.push({ id, op: p['op'] as string, before: p['before'], after: p['after'], value });
      }
    }
    return all();
  } finally {
    await consumer.close();
  }
}

/** The rows as the test changed them, and the events Debezium emits for each change. */
class Model {
  readonly rows = new Map<number, Record<string, unknown>>();
  readonly events: { id: number; op: string; before: unknown; after: unknown }[] = [];
  columns: string[] = ['id', 'name', 'balance'];

  snapshot(row: Record<string, unknown>): void {
    this.rows.set(row['id'] as number, row);
    this.events.push({ id: row['id'] as number, op: 'r', before: null, after: row });
  }

  insert(row: Record<string, unknown>): string {
    this.rows.set(row['id'] as number, row);
    this.events.push({ id: row['id'] as number, op: 'c', before: null, after: row });
    return `INSERT INTO shop.customers (${this.columns.join(', ')}) VALUES (${this.columns.map((c) => literal(row[c])).join(', ')});`;
  }

  update(id: number, set: Record<string, unknown>): string {
    const before = this.rows.get(id)!;
    const after = { ...before, ...set };
    this.rows.set(id, after);
    this.events.push({ id, op: 'u', before, after });
    return `UPDATE shop.customers SET ${Object.entries(set)
      .map(([c, v]) => `${c} = ${literal(v)}`)
      .join(', ')} WHERE id = ${id};`;
  }

  delete(id: number): string {
    const before = this.rows.get(id)!;
    this.rows.delete(id);
    this.events.push({ id, op: 'd', before, after: null }, { id, op: 'tombstone', before: null, after: null });
    return `DELETE FROM shop.customers WHERE id = ${id};`;
  }

  addColumn(name: string): string {
    this.columns = ['id', 'name', name, 'balance'];
    for (const [id, row] of this.rows) this.rows.set(id, { id: row['id'], name: row['name'], [name]: null, balance: row['balance'] });
    return `ALTER TABLE shop.customers ADD COLUMN ${name} VARCHAR(60) NULL AFTER name;`;
  }
}

function literal(v: unknown): string {
  if (v === null) return 'NULL';
  return typeof v === 'number' ? String(v) : `'${(v as string).replace(/'/g, "''")}'`;
}

/**
 * Checks one key's events against what was done to it: each expected event in order, none
 * missing, nothing unexpected; a repeat is allowed only as one replay (after the crash) that
 * goes back to an earlier event and continues in order from there.
 */
function checkKey(t: ExecutionContext, id: number, seen: readonly Change[], expected: readonly { op: string; before: unknown; after: unknown }[]): void {
  const same = (a: { op: string; before: unknown; after: unknown }, b: { op: string; before: unknown; after: unknown }): boolean => a.op === b.op && JSON.stringify(a.before) === JSON.stringify(b.before) && JSON.stringify(a.after) === JSON.stringify(b.after);
  let next = 0;
  let replays = 0;
  for (const change of seen) {
    if (next < expected.length && same(change, expected[next]!)) {
      next++;
      continue;
    }
    const earlier = expected.slice(0, next).findIndex((e) => same(change, e));
    if (earlier < 0) {
      t.fail(`key ${id}: unexpected ${JSON.stringify(change)} after ${next} of ${JSON.stringify(expected)}`);
      return;
    }
    replays++;
    next = earlier + 1;
  }
  t.is(next, expected.length, `key ${id}: every change arrived (${JSON.stringify(seen.map((c) => c.op))})`);
  t.true(replays <= 1, `key ${id}: at most one replay, after the crash`);
}

test('mysql-cdc: snapshot, transactions, ALTER TABLE, kill -9 and restart: every change, in order per key', async (t) => {
  t.timeout(240_000);
  const db = await startMariaDbFor(t, { serverId: 1 });
  const broker = await startTestBroker(t);
  // The grants README.md documents for the connector's user.
  await db.query(`
    CREATE USER 'cdc'@'127.0.0.1' IDENTIFIED BY 'cdc-secret';
    GRANT SELECT, RELOAD, SHOW DATABASES, REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO 'cdc'@'127.0.0.1';
    CREATE DATABASE shop;
    CREATE TABLE shop.customers (id INT NOT NULL PRIMARY KEY, name VARCHAR(40) NOT NULL, balance INT);
    INSERT INTO shop.customers VALUES (1, 'alice', 100), (2, 'bob', 200), (3, 'carol', 300);
  `);
  const model = new Model();
  model.snapshot({ id: 1, name: 'alice', balance: 100 });
  model.snapshot({ id: 2, name: 'bob', balance: 200 });
  model.snapshot({ id: 3, name: 'carol', balance: 300 });

  const worker = await startConnectWorker(t, broker.bootstrap);
  let passed = false;
  t.teardown(() => {
    // What the worker logged is the first thing to read when this fails.
    if (!passed) console.error(worker.output().slice(-6000));
  });
  // As curl -X POST -H 'Content-Type: application/json' --data @debezium.json would send it.
  const config = {
    'connector.class': 'io.debezium.connector.mysql.MySqlConnector',
    'tasks.max': '1',
    'database.hostname': '127.0.0.1',
    'database.port': String(db.port),
    'database.user': 'cdc',
    'database.password': 'cdc-secret',
    'database.server.id': '184054',
    'topic.prefix': 'dbserver1',
    'table.include.list': 'shop.customers',
    'schema.history.internal.kafka.bootstrap.servers': broker.bootstrap,
    'schema.history.internal.kafka.topic': 'schema-changes.shop',
    'include.schema.changes': 'true',
  };
  const posted = await fetch(`http://127.0.0.1:${worker.restPort}/connectors`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify({ name: 'inventory-connector', config }),
  });
  t.is(posted.status, 201, await posted.clone().text());
  const shown = (await posted.json()) as { config: Record<string, string> };
  t.not(shown.config['database.password'], 'cdc-secret', 'the password is not echoed back');

  const snapshot = await readChanges(broker.bootstrap, (c) => c.length >= 3);
  t.deepEqual(
    snapshot.map((c) => [c.op, c.after]),
    model.events.map((e) => [e.op, e.after]),
  );
  const first = snapshot[0]!.value!;
  t.is(first.schema?.name, 'dbserver1.shop.customers.Envelope');
  t.like(first.payload!['source'], { connector: 'mariadb', name: 'dbserver1', db: 'shop', table: 'customers', snapshot: 'first' });

  await db.query(`START TRANSACTION; ${model.insert({ id: 4, name: 'dave', balance: 400 })} ${model.update(1, { balance: 150 })} ${model.delete(2)} COMMIT;`);
  await db.query(model.addColumn('email'));
  await db.query(`START TRANSACTION; ${model.insert({ id: 5, name: 'eve', email: 'e@x', balance: 500 })} ${model.update(3, { email: 'c@x' })} COMMIT;`);
  const streamed = await readChanges(broker.bootstrap, (c) => c.length >= model.events.length);
  t.deepEqual(
    streamed.map((c) => [c.id, c.op]),
    model.events.map((e) => [e.id, e.op]),
  );
  const afterAlter = streamed.find((c) => c.id === 5)!.value!;
  const afterFields = afterAlter.schema?.fields?.find((f) => f.field === 'after')?.fields?.map((f) => f.field);
  t.deepEqual(afterFields, ['id', 'name', 'email', 'balance'], 'rows after the ALTER carry the new column in their schema');
  t.like(afterAlter.payload!['source'], { connector: 'mariadb', snapshot: 'false', server_id: 1 });
  // One event as a consumer sees it (the README shows it).
  t.log(JSON.stringify(streamed.find((c) => c.op === 'u' && c.id === 3)!.value));

  // The offsets of the streamed changes get stored at the worker's next flush; after that, the
  // changes written before the kill are ahead of the stored offset and will be replayed.
  await pollUntil(
    async () => (await (await fetch(`http://127.0.0.1:${worker.restPort}/connectors/inventory-connector/offsets`)).json()) as { offsets: { offset: Record<string, unknown> }[] },
    (o) => o.offsets.some((e) => e.offset['snapshot'] === undefined && typeof e.offset['file'] === 'string'),
    'a stored streaming offset',
    90_000,
  );
  await db.query(`START TRANSACTION; ${model.update(4, { balance: 410 })} ${model.insert({ id: 6, name: 'frank', email: null, balance: 600 })} ${model.delete(5)} COMMIT;`);
  await readChanges(broker.bootstrap, (c) => c.length >= model.events.length);
  await worker.kill();

  await db.query(`START TRANSACTION; ${model.update(6, { name: 'frank2' })} ${model.insert({ id: 7, name: 'gina', email: 'g@x', balance: 700 })} ${model.update(1, { balance: 175 })} COMMIT;`);
  const restarted = await startConnectWorker(t, broker.bootstrap);
  const last = model.events.at(-1)!;
  const all = await readChanges(broker.bootstrap, (c) => c.some((x) => x.id === last.id && x.op === last.op && JSON.stringify(x.after) === JSON.stringify(last.after)));
  t.log(`${all.length} records for ${model.events.length} changes`);
  for (const id of new Set(model.events.map((e) => e.id))) {
    checkKey(
      t,
      id,
      all.filter((c) => c.id === id),
      model.events.filter((e) => e.id === id),
    );
  }
  // Everything streamed before the flushed offset came exactly once: the replay starts after it.
  t.is(all.filter((c) => c.op === 'r').length, 3, 'no second snapshot');
  await restarted.kill();
  passed = true;
});

/** The first `count` values of partition 0 of `topic`, as the JSON converter wrote them (null: tombstone). */
async function readValues(bootstrap: string, topic: string, count: number, timeoutMs = 60_000): Promise<(ConvertedValue | null)[]> {
  const consumer = new Consumer({ bootstrapServers: bootstrap, maxWaitMs: 100 });
  await consumer.connect();
  try {
    await pollUntil(() => consumer.partitionsFor(topic).catch(() => []), (p) => p.length > 0, `partitions of ${topic}`, timeoutMs);
    await consumer.assign([{ topic, partition: 0, offset: 0n }]);
    const values: (ConvertedValue | null)[] = [];
    const deadline = Date.now() + timeoutMs;
    const iterator = consumer[Symbol.asyncIterator]();
    while (values.length < count) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`gave up reading ${topic} after ${values.length} of ${count} records`);
      const next = await Promise.race([
        iterator.next(),
        new Promise<null>((resolve) =>
          setTimeout(() => {
            resolve(null);
          }, left),
        ),
      ]);
      if (next === null || next.done === true) continue;
      for (const record of next.value.records) values.push(record.value === null ? null : (parseExact(record.value.toString('utf8')) as ConvertedValue));
    }
    return values.slice(0, count);
  } finally {
    await consumer.close();
  }
}

test.serial('mysql-cdc: every column type through brook connect, the topic and the JSON converter, as Debezium writes it', async (t) => {
  t.timeout(180_000);
  const db = await startMariaDbFor(t, { serverId: 2 });
  const broker = await startTestBroker(t);
  await createEveryTypeTable(db, 'types');
  const worker = await startConnectWorker(t, broker.bootstrap);
  let passed = false;
  t.teardown(() => {
    if (!passed) console.error(worker.output().slice(-6000));
  });
  const posted = await fetch(`http://127.0.0.1:${worker.restPort}/connectors`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      name: 'every-type',
      config: {
        'connector.class': 'io.debezium.connector.mariadb.MariaDbConnector',
        'database.hostname': '127.0.0.1',
        'database.port': String(db.port),
        'database.user': 'root',
        'database.password': '',
        'database.server.id': '184055',
        'topic.prefix': 'types',
        'table.include.list': 'types.every',
        'schema.history.internal.kafka.bootstrap.servers': broker.bootstrap,
        'schema.history.internal.kafka.topic': 'schema-changes.types',
        'include.schema.changes': 'false',
      },
    }),
  });
  t.is(posted.status, 201, await posted.clone().text());
  checkEveryTypeSnapshot(t, await readValues(broker.bootstrap, 'types.types.every', 3), 'default');
  await db.query(everyTypeTransaction('types'));
  checkEveryTypeTransaction(t, (await readValues(broker.bootstrap, 'types.types.every', 8)).slice(3), 'default');
  await worker.kill();
  passed = true;
});
