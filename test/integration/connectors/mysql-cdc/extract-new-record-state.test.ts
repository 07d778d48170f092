/**
 * Debezium's unwrap transform through the worker the CLI builds: a private MariaDB, a real
 * broker, connectors posted over HTTP with `transforms.unwrap.type =
 * io.debezium.transforms.ExtractNewRecordState` as Debezium users write them, and the flattened
 * rows read back from the topics (insert, update, delete; tombstones dropped or kept).
 */
import test from 'ava';
import { pino } from 'pino';
import { startConnectWorker } from '../../../../cli/commands/connect.ts';
import { Consumer } from '../../../../client/index.ts';
import type { ConsumerRecord } from '../../../../client/index.ts';
import { startTestBroker } from '../../../helpers/broker.ts';
import { startMariaDbFor } from '../../../helpers/mariadb.ts';
import { pollUntil } from '../../../helpers/wait-for.ts';

interface Read {
  readonly key: unknown;
  /** The value as JSON; null for a Kafka tombstone. */
  readonly value: unknown;
  readonly headers: Readonly<Record<string, string>>;
}

function decode(record: ConsumerRecord): Read {
  return {
    key: record.key === null ? null : JSON.parse(record.key.toString('utf8')),
    value: record.value === null ? null : JSON.parse(record.value.toString('utf8')),
    headers: Object.fromEntries(record.headers.map((h) => [h.key, h.value === null ? '' : Buffer.from(h.value).toString('utf8')])),
  };
}

/** Every record of `topic` from its start, read until `count` have arrived. */
async function readTopic(bootstrap: string, topic: string, count: number, timeoutMs = 60_000): Promise<Read[]> {
  const consumer = new Consumer({ bootstrapServers: bootstrap, maxWaitMs: 100 });
  await consumer.connect();
  try {
    const partitions = await pollUntil(() => consumer.partitionsFor(topic).catch(() => []), (p) => p.length > 0, `partitions of ${topic}`, timeoutMs);
    await consumer.assign(partitions.map((partition) => ({ topic, partition, offset: 0n })));
    const out: Read[] = [];
    const deadline = Date.now() + timeoutMs;
    const iterator = consumer[Symbol.asyncIterator]();
    while (out.length < count) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`gave up reading ${topic}: ${out.length} of ${count} records arrived: ${JSON.stringify(out)}`);
      let timer: NodeJS.Timeout | undefined;
      const next = await Promise.race([
        iterator.next(),
        new Promise<null>((resolve) => {
          timer = setTimeout(() => {
            resolve(null);
          }, left);
        }),
      ]);
      clearTimeout(timer);
      if (next === null || next.done === true) continue;
      out.push(...next.value.records.map(decode));
    }
    return out;
  } finally {
    await consumer.close();
  }
}

test('ExtractNewRecordState posted with Debezium configs flattens inserts, updates and deletes, by the current and the 2.x delete settings', async (t) => {
  t.timeout(180_000);
  const db = await startMariaDbFor(t, { serverId: 1 });
  const broker = await startTestBroker(t);
  await db.query(`
    CREATE DATABASE shop;
    CREATE TABLE shop.customers (id INT NOT NULL PRIMARY KEY, name VARCHAR(40) NOT NULL, balance INT);
    INSERT INTO shop.customers VALUES (1, 'alice', 100);
  `);
  const worker = await startConnectWorker({ bootstrapServers: broker.bootstrap, restHost: '127.0.0.1', restPort: 0, logger: pino({ level: 'silent' }) });
  t.teardown(() => worker.close());
  const url = `http://127.0.0.1:${worker.restPort}`;

  const plugins = (await (await fetch(`${url}/connector-plugins?connectorsOnly=false`)).json()) as { class: string; type: string }[];
  t.true(plugins.some((p) => p.class === 'io.debezium.transforms.ExtractNewRecordState' && p.type === 'transformation'));

  const connector = (prefix: string, serverId: string, unwrap: Record<string, string>): Record<string, string> => ({
    'connector.class': 'io.debezium.connector.mysql.MySqlConnector',
    'tasks.max': '1',
    'database.hostname': '127.0.0.1',
    'database.port': String(db.port),
    'database.user': 'root',
    'database.password': '',
    'database.server.id': serverId,
    'topic.prefix': prefix,
    'table.include.list': 'shop.customers',
    'schema.history.internal.kafka.bootstrap.servers': broker.bootstrap,
    'schema.history.internal.kafka.topic': `schema-changes.${prefix}`,
    transforms: 'unwrap',
    'transforms.unwrap.type': 'io.debezium.transforms.ExtractNewRecordState',
    ...unwrap,
  });
  const configs = {
    // Today's Debezium: delete.tombstone.handling.mode left at its default (tombstone).
    flat: connector('flat', '5501', { 'transforms.unwrap.add.fields': 'op,table,source.ts_ms', 'transforms.unwrap.add.headers': 'op' }),
    // A Debezium 2.x config: rewritten deletes, tombstones kept, plain JSON values.
    legacy: connector('legacy', '5502', {
      'transforms.unwrap.drop.tombstones': 'false',
      'transforms.unwrap.delete.handling.mode': 'rewrite',
      'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
      'value.converter.schemas.enable': 'false',
    }),
  };
  for (const [name, config] of Object.entries(configs)) {
    const posted = await fetch(`${url}/connectors`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ name, config }) });
    t.is(posted.status, 201, await posted.text());
  }
  // The snapshot first, so every later change is streamed.
  await readTopic(broker.bootstrap, 'flat.shop.customers', 1);
  await readTopic(broker.bootstrap, 'legacy.shop.customers', 1);
  await db.query(`
    INSERT INTO shop.customers VALUES (2, 'bob', 200);
    UPDATE shop.customers SET balance = 150 WHERE id = 1;
    DELETE FROM shop.customers WHERE id = 2;
    INSERT INTO shop.customers VALUES (3, 'carol', NULL);
  `);

  const flat = await readTopic(broker.bootstrap, 'flat.shop.customers', 5);
  const flatPayloads = flat.map((r) => (r.value as { payload: unknown } | null)?.payload);
  t.like(flatPayloads[0], { id: 1, name: 'alice', balance: 100, __op: 'r', __table: 'customers' });
  t.like(flatPayloads[1], { id: 2, name: 'bob', balance: 200, __op: 'c', __table: 'customers' });
  t.like(flatPayloads[2], { id: 1, name: 'alice', balance: 150, __op: 'u' });
  t.is(typeof (flatPayloads[1] as Record<string, unknown>)['__source_ts_ms'], 'number');
  // The delete keeps the row schema and a null payload, the tombstone after it is gone: the next record is carol.
  t.like(flat[3]?.key, { payload: { id: 2 } });
  t.like(flat[3]?.value, { schema: { name: 'flat.shop.customers.Value' }, payload: null });
  t.like(flatPayloads[4], { id: 3, name: 'carol', balance: null, __op: 'c' });
  t.deepEqual(
    flat.map((r) => r.headers['__op']),
    ['r', 'c', 'u', 'd', 'c'],
  );
  const schema = (flat[1]?.value as { schema: { name: string; optional: boolean; fields: { field: string; optional: boolean }[] } }).schema;
  t.is(schema.name, 'flat.shop.customers.Value');
  t.false(schema.optional);
  t.deepEqual(
    schema.fields.map((f) => [f.field, f.optional]),
    [
      ['id', false],
      ['name', false],
      ['balance', true],
      ['__op', true],
      ['__table', true],
      ['__source_ts_ms', true],
    ],
  );

  const legacy = await readTopic(broker.bootstrap, 'legacy.shop.customers', 6);
  t.deepEqual(
    legacy.map((r) => r.value),
    [
      { id: 1, name: 'alice', balance: 100, __deleted: 'false' },
      { id: 2, name: 'bob', balance: 200, __deleted: 'false' },
      { id: 1, name: 'alice', balance: 150, __deleted: 'false' },
      { id: 2, name: 'bob', balance: 200, __deleted: 'true' },
      null,
      { id: 3, name: 'carol', balance: null, __deleted: 'false' },
    ],
  );
  t.like(legacy[4]?.key, { payload: { id: 2 } });
});
