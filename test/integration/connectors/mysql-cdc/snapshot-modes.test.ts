import test from 'ava';
import type { SourceRecord } from '../../../../connect/api/index.ts';
import { useSharedMariaDb } from '../../../helpers/mariadb.ts';
import { waitFor } from '../../../helpers/wait-for.ts';
import { cdcConfig, payload, startTask } from './harness.ts';

// Without column names in the binlog, rows can only be read with the history's definitions.
const db = useSharedMariaDb(test, { rowMetadata: 'NO_LOG' });

async function rowsOf(take: (n: number) => Promise<SourceRecord[]>, topic: string, n: number): Promise<SourceRecord[]> {
  const out: SourceRecord[] = [];
  while (out.length < n) out.push(...(await take(1)).filter((r) => r.topic === topic && r.value !== null));
  return out;
}

test.serial('snapshot.mode=initial_only does not stream after a restart once its snapshot completed', async (t) => {
  await db().query('CREATE DATABASE io1; CREATE TABLE io1.t (id INT PRIMARY KEY); INSERT INTO io1.t VALUES (1), (2)');
  const cfg = cdcConfig(db().port, 'io1', { 'snapshot.mode': 'initial_only', 'include.schema.changes': 'false' });
  const first = await startTask(t, cfg, null);
  const snap = await rowsOf((n) => first.take(n), 'io1.io1.t', 2);
  t.is(payload(snap[1]!)['op'], 'r');
  await first.task.stop();
  const logs: string[] = [];
  const again = await startTask(t, cfg, snap[1]!.sourceOffset, first.history, { logs });
  t.true(logs.includes('info: snapshot.mode=initial_only: the snapshot was completed before; not streaming'), logs.join('\n'));
  await db().query('INSERT INTO io1.t VALUES (3)');
  t.is(await again.task.poll(), null);
  const dumps = (await db().query("SELECT ID FROM information_schema.PROCESSLIST WHERE COMMAND LIKE 'Binlog Dump%'")) as unknown[];
  t.is(dumps.length, 0, 'no binlog connection');
});

test.serial('snapshot.mode=never records the table definitions, so a restart before a DDL reads the rows after it', async (t) => {
  await db().query('CREATE DATABASE nv1; CREATE TABLE nv1.t (id INT PRIMARY KEY, a INT, b INT); INSERT INTO nv1.t VALUES (1, 1, 1)');
  const cfg = cdcConfig(db().port, 'nv1', { 'snapshot.mode': 'never', 'include.schema.changes': 'false' });
  const first = await startTask(t, cfg, null);
  // Streaming starts where the definitions were read: rows written before are not sent.
  await waitFor(() => first.history.values.length > 0, { describe: () => 'table definitions in the history' });
  await db().query('INSERT INTO nv1.t VALUES (2, 2, 2)');
  const [two] = await rowsOf((n) => first.take(n), 'nv1.nv1.t', 1);
  t.deepEqual(payload(two!)['after'], { id: 2, a: 2, b: 2 });
  await db().query('ALTER TABLE nv1.t DROP COLUMN a; INSERT INTO nv1.t VALUES (3, 3)');
  const [three] = await rowsOf((n) => first.take(n), 'nv1.nv1.t', 1);
  t.deepEqual(payload(three!)['after'], { id: 3, b: 3 });
  await first.task.stop();
  // From the offset of row 2: its transaction is read again (row 2 skipped), then the ALTER.
  const again = await startTask(t, cfg, two!.sourceOffset, first.history);
  const [replayed] = await rowsOf((n) => again.take(n), 'nv1.nv1.t', 1);
  t.deepEqual(payload(replayed!)['after'], { id: 3, b: 3 });
});

test.serial('invisible and system-versioning columns are read by the snapshot and the stream alike', async (t) => {
  await db().query(
    "CREATE DATABASE sv1; CREATE TABLE sv1.t (id INT PRIMARY KEY, a INT, h INT INVISIBLE) WITH SYSTEM VERSIONING; INSERT INTO sv1.t (id, a, h) VALUES (1, 1, 7)",
  );
  const h = await startTask(t, cdcConfig(db().port, 'sv1', { 'include.schema.changes': 'false' }), null);
  const [snap] = await rowsOf((n) => h.take(n), 'sv1.sv1.t', 1);
  const after = payload(snap!)['after'] as Record<string, unknown>;
  t.deepEqual(Object.keys(after), ['id', 'a', 'h', 'row_start', 'row_end']);
  t.like(after, { id: 1, a: 1, h: 7 });
  await db().query('INSERT INTO sv1.t (id, a, h) VALUES (2, 2, 8)');
  const [streamed] = await rowsOf((n) => h.take(n), 'sv1.sv1.t', 1);
  const next = payload(streamed!)['after'] as Record<string, unknown>;
  t.deepEqual(Object.keys(next), ['id', 'a', 'h', 'row_start', 'row_end']);
  t.like(next, { id: 2, a: 2, h: 8 });
  t.is(next['row_end'], after['row_end'], 'a current row ends at the end of time');
});
