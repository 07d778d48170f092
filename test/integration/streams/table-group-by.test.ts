import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { Admin } from '../../../client/index.ts';
import { Serdes, StreamsBuilder, int64NumberSerde } from '../../../streams/index.ts';
import { createTopics, produceAll, readTopic, startApp, startStreamsBroker, text } from './streams-fixtures.ts';

const S = Serdes.String();
const L = int64NumberSerde();

/** Rows `id -> group:amount`, summed per group through KTable.groupBy's repartition topic. */
function sumByGroup() {
  const builder = new StreamsBuilder();
  builder
    .table('rows', { keySerde: S, valueSerde: S }, { cachingEnabled: false })
    .groupBy((_id, row) => ({ key: row.split(':')[0]!, value: Number(row.split(':')[1]) }), { name: 'regroup', keySerde: S, valueSerde: L })
    .aggregate(() => 0, (_g, amount, sum) => sum + amount, (_g, amount, sum) => sum - amount, { storeName: 'sums', valueSerde: L })
    .toStream()
    .to('group-sums', { keySerde: S, valueSerde: L });
  return builder.build();
}

type Row = { topic: string; partition: number; key: string; value: string };
const row = (id: number, group: string, amount: number): Row => ({ topic: 'rows', partition: id % 2, key: `r${id}`, value: `${group}:${amount}` });

function reference(rows: readonly Row[]): Map<string, number> {
  const latest = new Map(rows.map((r) => [r.key, r.value]));
  const sums = new Map<string, number>();
  for (const value of latest.values()) sums.set(value.split(':')[0]!, (sums.get(value.split(':')[0]!) ?? 0) + Number(value.split(':')[1]));
  return sums;
}

function latestSums(records: readonly { key: Buffer | null; value: Buffer | null }[]): Map<string, number> {
  return new Map(records.map((r) => [text(r.key)!, Number(r.value!.readBigInt64BE(0))]));
}

const matches = (want: Map<string, number>) => (records: readonly { key: Buffer | null; value: Buffer | null }[]): boolean => {
  const got = latestSums(records);
  return [...want].every(([g, n]) => got.get(g) === n);
};

test("KTable.groupBy writes Kafka's ChangedSerializer layout to its repartition topic, and a restarted app reads it on and keeps its sums", async (t) => {
  const { bootstrap } = await startStreamsBroker(t);
  await createTopics(bootstrap, { rows: 2, 'group-sums': 2 });
  const stateDir = await mkdtemp(join(tmpdir(), 'brook-streams-groupby-'));
  t.teardown(() => rm(stateDir, { recursive: true, force: true }));
  const options = { applicationId: 'gb', bootstrapServers: bootstrap, commitIntervalMs: 100, stateDir };

  // Inserts, then updates staying in their group (flag 2) and moving to another (flags 0 and 1).
  const first = [...Array.from({ length: 20 }, (_, i) => row(i, `g${i % 3}`, i)), ...Array.from({ length: 10 }, (_, i) => row(i, `g${i % 3}`, 100 + i)), row(10, 'g9', 7), row(11, 'g9', 8)];
  await produceAll(bootstrap, first);
  const app = await startApp(t, sumByGroup(), options);
  await readTopic(bootstrap, 'group-sums', matches(reference(first)));
  await app.close();

  const admin = new Admin({ bootstrapServers: bootstrap });
  await admin.connect();
  const repartition = (await admin.listTopics()).find((name) => name.endsWith('regroup-repartition'));
  await admin.close();
  t.truthy(repartition, 'the groupBy repartition topic exists');
  const changes = await readTopic(bootstrap, repartition!, (records) => records.length >= 34);
  const flags = new Map<number, number>();
  for (const r of changes) flags.set(r.value!.at(-1)!, (flags.get(r.value!.at(-1)!) ?? 0) + 1);
  t.deepEqual([...flags].sort(), [[0, 2], [1, 22], [2, 10]]);
  // A flag-2 record: zigzag varint 8 (0x10), the new Long, the old Long, the flag.
  const stays = changes.filter((r) => r.value!.at(-1) === 2).map((r) => [text(r.key), r.value![0], r.value!.length, Number(r.value!.readBigInt64BE(1)), Number(r.value!.readBigInt64BE(9))].join(' '));
  t.deepEqual(stays.sort(), Array.from({ length: 10 }, (_, i) => `g${i % 3} 16 18 ${100 + i} ${i}`).sort());

  // Down while more updates arrive: the restart restores the sums and reads the new changes.
  const second = [row(0, 'g0', 1), row(12, 'g1', 50), row(20, 'g2', 5)];
  await produceAll(bootstrap, second);
  await startApp(t, sumByGroup(), options);
  const out = await readTopic(bootstrap, 'group-sums', matches(reference([...first, ...second])));
  t.deepEqual([...latestSums(out)].sort(), [...reference([...first, ...second])].sort());
});
