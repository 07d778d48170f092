import test from 'ava';
import { useSharedMariaDb } from '../../../helpers/mariadb.ts';
import { cdcConfig, killBinlogDumps, startTask } from './harness.ts';

const db = useSharedMariaDb(test);

test.serial('a binlog connection lost in the middle of a large transaction resumes without repeating rows', async (t) => {
  await db().query('CREATE DATABASE rc1; CREATE TABLE rc1.t (id INT PRIMARY KEY, pad VARCHAR(2000))');
  // A small queue holds the stream inside the transaction while the test reads slowly.
  const h = await startTask(t, cdcConfig(db().port, 'rc1', { 'max.queue.size': '100', 'max.batch.size': '100' }), null);
  const rows = 20_000;
  await db().query(
    `SET SESSION max_recursive_iterations = 100000;
     INSERT INTO rc1.t WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < ${rows}) SELECT n, REPEAT('x', 1500) FROM s`,
  );
  const ids: number[] = [];
  const seen = new Set<number>();
  const read = async (n: number): Promise<void> => {
    for (const r of await h.take(n)) {
      if (r.topic !== 'rc1.rc1.t' || r.value === null) continue;
      const id = (r.key as { id: number }).id;
      ids.push(id);
      seen.add(id);
    }
  };
  while (seen.size < 1_000) await read(1);
  t.true(seen.size < rows, 'the connection must drop before the transaction was read');
  t.true((await killBinlogDumps(db())) > 0);
  while (seen.size < rows) await read(1);
  await db().query(`INSERT INTO rc1.t VALUES (${rows + 1}, 'after')`);
  while (!seen.has(rows + 1)) await read(1);
  t.is(seen.size, rows + 1);
  t.is(ids.length - seen.size, 0, 'rows emitted twice');
});
