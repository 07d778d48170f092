import test from 'ava';
import { useSharedMariaDb } from '../../../helpers/mariadb.ts';
import { pollUntil } from '../../../helpers/wait-for.ts';
import { cdcConfig, MemoryTopic, payload, startTask } from './harness.ts';

const db = useSharedMariaDb(test);

test.serial('DDL waits while the snapshot reads the table definitions at its binlog position', async (t) => {
  await db().query('CREATE DATABASE sl1; CREATE TABLE sl1.t (id INT PRIMARY KEY, a INT); INSERT INTO sl1.t VALUES (1, 10)');
  let alter: Promise<unknown> | undefined;
  let alterSeen = '';
  // The ALTER is sent once the snapshot knows its position and before it reads SHOW CREATE TABLE:
  // it must wait for the snapshot's lock, or the history would hold the new table at the old position.
  const snapshotAfterPosition = async (): Promise<void> => {
    const other = await db().connect();
    const progress = { finished: false };
    alter = other.query('ALTER TABLE sl1.t ADD COLUMN b VARCHAR(10) AFTER id').finally(() => {
      progress.finished = true;
      return other.end();
    });
    alter.catch(() => {});
    const states = await pollUntil(
      async () => (await db().query("SELECT STATE FROM information_schema.PROCESSLIST WHERE INFO LIKE 'ALTER TABLE sl1.t%'")) as { STATE: string }[],
      (rows) => progress.finished || rows.some((r) => r.STATE === 'Waiting for backup lock'),
      'the ALTER to wait or finish',
    );
    alterSeen = progress.finished ? 'finished' : states[0]!.STATE;
  };
  const history = new MemoryTopic();
  const h = await startTask(t, cdcConfig(db().port, 'sl1'), null, history, { hooks: { snapshotAfterPosition } });
  const snap = (await h.take(2)).filter((r) => r.topic === 'sl1.sl1.t');
  t.is(alterSeen, 'Waiting for backup lock');
  t.deepEqual(payload(snap[0]!)['after'], { id: 1, a: 10 });
  const created = (history.values as { ddl?: string }[]).find((v) => /CREATE TABLE `t`/.test(v.ddl ?? ''));
  t.notRegex(created?.ddl ?? '', /`b`/);
  await alter;
  await db().query("INSERT INTO sl1.t VALUES (2, 'two', 20)");
  let rows = (await h.take(1)).filter((r) => r.topic === 'sl1.sl1.t');
  while (rows.length === 0) rows = (await h.take(1)).filter((r) => r.topic === 'sl1.sl1.t');
  t.deepEqual(payload(rows[0]!)['after'], { id: 2, b: 'two', a: 20 });
});
