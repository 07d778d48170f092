/**
 * binlog_row_metadata=MINIMAL: TABLE_MAP events carry signedness, charsets and geometry types but
 * no column names, no ENUM/SET values and no primary key, so the connector must name and convert
 * every column from the schema it keeps (the snapshot's SHOW CREATE TABLE, then the DDL it
 * follows, then the history it replays on restart).
 */
import test from 'ava';
import { useSharedMariaDb } from '../../../helpers/mariadb.ts';
import { runEveryType } from './every-type-table.ts';
import { cdcConfig, MemoryTopic, payload, rowsUntil, startTask } from './harness.ts';

const db = useSharedMariaDb(test, { rowMetadata: 'MINIMAL' });

test.serial('the server writes TABLE_MAPs without column names', async (t) => {
  const [variable] = (await db().query("SHOW GLOBAL VARIABLES LIKE 'binlog_row_metadata'")) as { Value: string }[];
  t.is(variable?.Value, 'MINIMAL');
});

test.serial('every column type is named and converted from the snapshot schema', async (t) => {
  await runEveryType(t, db(), 'minimal1', 'default', {});
});

test.serial('columns added, dropped, renamed and reordered mid-stream keep their names, also after a restart from the history', async (t) => {
  await db().query(`
    CREATE DATABASE minimal2;
    CREATE TABLE minimal2.t (id INT PRIMARY KEY, a VARCHAR(10), b INT UNSIGNED, c ENUM('x','y'));
    INSERT INTO minimal2.t VALUES (1, 'one', 4294967295, 'y');
  `);
  const h = await startTask(t, cdcConfig(db().port, 'minimal2', { 'include.schema.changes': 'false' }), null);
  const topic = 'minimal2.minimal2.t';
  const snapshot = (await h.take(1)).filter((r) => r.topic === topic);
  t.deepEqual(payload(snapshot[0]!)['after'], { id: 1, a: 'one', b: 4294967295, c: 'y' });

  // Same column count before and after the ALTER, so a decoder that guessed by position would
  // put values under the wrong names without failing.
  await db().query(`
    INSERT INTO minimal2.t VALUES (2, 'two', 2, 'x');
    ALTER TABLE minimal2.t DROP COLUMN a, ADD COLUMN z SET('p','q') FIRST, CHANGE COLUMN b bee INT UNSIGNED AFTER c;
    INSERT INTO minimal2.t (z, id, c, bee) VALUES ('q', 3, 'y', 4000000000);
    UPDATE minimal2.t SET z = 'p,q' WHERE id = 2;
  `);
  const streamed = (await h.take(3)).filter((r) => r.topic === topic);
  t.deepEqual(
    streamed.map((r) => [payload(r)['op'], payload(r)['after']]),
    [
      ['c', { id: 2, a: 'two', b: 2, c: 'x' }],
      ['c', { z: 'q', id: 3, c: 'y', bee: 4000000000 }],
      ['u', { z: 'p,q', id: 2, c: 'x', bee: 2 }],
    ],
  );
  const offset = streamed[0]!.sourceOffset;
  await h.task.stop();

  // A restart from the first streamed insert's offset: its rows were written before the ALTER,
  // the later ones after it; the history (DDL with positions) says which schema applies where.
  const again = await startTask(t, cdcConfig(db().port, 'minimal2', { 'include.schema.changes': 'false' }), offset, h.history);
  const replayed = (await again.take(2)).filter((r) => r.topic === topic);
  t.deepEqual(
    replayed.map((r) => [payload(r)['op'], payload(r)['after']]),
    [
      ['c', { z: 'q', id: 3, c: 'y', bee: 4000000000 }],
      ['u', { z: 'p,q', id: 2, c: 'x', bee: 2 }],
    ],
  );
});

test.serial('a restart from a GTID offset behind a stored ALTER takes the schema history by GTIDs, not by its file name', async (t) => {
  await db().query("CREATE DATABASE minimal3; CREATE TABLE minimal3.t (id INT PRIMARY KEY, v VARCHAR(10)); INSERT INTO minimal3.t VALUES (1, 'a')");
  const history = new MemoryTopic();
  const config = cdcConfig(db().port, 'minimal3', { 'include.schema.changes': 'false' });
  const h = await startTask(t, config, null, history);
  const topic = 'minimal3.minimal3.t';
  await rowsUntil(h, topic, 1);
  await db().query("INSERT INTO minimal3.t VALUES (2, 'b'); INSERT INTO minimal3.t VALUES (3, 'c'); ALTER TABLE minimal3.t ADD COLUMN w INT FIRST; INSERT INTO minimal3.t VALUES (7, 4, 'd')");
  const streamed = await rowsUntil(h, topic, 4);
  await h.task.stop();

  // The committed offset lags behind the history (offsets are flushed now and then, the ALTER
  // was stored at once) and names a file that sorts after every binlog of this server, as after
  // a failover: by file and position the ALTER would count as before it, and row 3, whose
  // TABLE_MAP names no columns, be read as (w, id, v).
  const committed = streamed.find((r) => (r.key as { id: number }).id === 2)!.sourceOffset;
  t.regex(committed['gtids'] as string, /^\d+-\d+-\d+/);
  const offset = { ...committed, file: 'mysql-bin.000099', pos: 4 };
  const again = await startTask(t, config, offset, history);
  t.deepEqual(
    (await rowsUntil(again, topic, 4)).map((r) => payload(r)['after']),
    [
      { id: 3, v: 'c' },
      { w: 7, id: 4, v: 'd' },
    ],
  );
});
