/**
 * binlog_row_metadata=FULL names the columns in every TABLE_MAP: a schema history that names them
 * otherwise must stop the task, not put values under the wrong fields.
 */
import test from 'ava';
import type { SourceRecord } from '../../../../connect/api/index.ts';
import { useSharedMariaDb } from '../../../helpers/mariadb.ts';
import { waitFor } from '../../../helpers/wait-for.ts';
import { cdcConfig, MemoryTopic, payload, startTask } from './harness.ts';

const db = useSharedMariaDb(test, { rowMetadata: 'FULL' });

test.serial('rows whose TABLE_MAP names other columns than the history fail the task with what to do', async (t) => {
  await db().query('CREATE DATABASE fm1; CREATE TABLE fm1.t (id INT PRIMARY KEY, a INT, b INT)');
  const cfg = cdcConfig(db().port, 'fm1', { 'include.schema.changes': 'false' });
  const h = await startTask(t, cfg, null);
  await waitFor(() => h.history.values.length > 0, { describe: () => 'the snapshot in the history' });
  await db().query('INSERT INTO fm1.t VALUES (1, 10, 20)');
  const [first] = (await h.take(1)).filter((r) => r.topic === 'fm1.fm1.t');
  t.deepEqual(payload(first!)['after'], { id: 1, a: 10, b: 20 });
  await h.task.stop();
  // Same column count, other order: only the names tell the schemas apart.
  await db().query('INSERT INTO fm1.t VALUES (2, 30, 40); ALTER TABLE fm1.t MODIFY a INT AFTER b');

  // A history rebuilt from today's definitions (b before a) does not describe row 2.
  const rebuilt = await startTask(t, { ...cfg, 'snapshot.mode': 'recovery' }, first!.sourceOffset, new MemoryTopic());
  const error = await t.throwsAsync(async () => {
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      const records: SourceRecord[] | null = await rebuilt.task.poll();
      if (records?.some((r) => r.topic === 'fm1.fm1.t')) return records;
    }
    throw new Error('neither rows nor a failure within 20 s');
  });
  t.regex(error.message, /Rows of fm1\.t at .* name their columns \(id, a, b\), the schema history \(id, b, a\)/);
  t.regex(error.message, /Restore the schema history/);
});
