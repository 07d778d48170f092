import test from 'ava';
import type { SourceOffset, SourceRecord } from '../../../../connect/api/index.ts';
import { useSharedMariaDb } from '../../../helpers/mariadb.ts';
import { pollUntil } from '../../../helpers/wait-for.ts';
import { cdcConfig, MemoryTopic, payload, rowsUntil, startTask } from './harness.ts';

const db = useSharedMariaDb(test);

/** A binlog file name the server never had, as after a failover to another server. */
const FOREIGN_FILE = 'mysql-bin.000099';

function config(prefix: string): Record<string, unknown> {
  return cdcConfig(db().port, prefix, { 'include.schema.changes': 'false' });
}

function changes(records: readonly SourceRecord[]): [string, number][] {
  return records.map((r) => [(r.value as { op: string }).op, (r.key as { id: number }).id]);
}

/** The offset with its file and position replaced by ones the server does not have. */
function foreign(offset: SourceOffset): SourceOffset {
  return { ...offset, file: FOREIGN_FILE, pos: 4 };
}

async function binlogNames(): Promise<string[]> {
  return (await db().binlogs()).map((l) => l.name);
}

test.serial('a restart from the GTIDs of an offset whose file the server never had reads every later change once', async (t) => {
  await db().query("CREATE DATABASE g1; CREATE TABLE g1.t (id INT PRIMARY KEY, v VARCHAR(10)); INSERT INTO g1.t VALUES (1, 'a')");
  const history = new MemoryTopic();
  const h = await startTask(t, config('g1'), null, history);
  t.deepEqual(changes(await rowsUntil(h, 'g1.g1.t', 1)), [['r', 1]]);
  await db().query("INSERT INTO g1.t VALUES (2, 'b'); INSERT INTO g1.t VALUES (3, 'c')");
  const streamed = await rowsUntil(h, 'g1.g1.t', 3);
  t.deepEqual(changes(streamed), [
    ['c', 2],
    ['c', 3],
  ]);
  await h.task.stop();
  const offset = streamed.at(-1)!.sourceOffset;
  t.regex(offset['gtids'] as string, /^\d+-\d+-\d+/);
  t.false((await binlogNames()).includes(FOREIGN_FILE));

  // The transactions after the offset, one of them in a later binlog file.
  await db().query("INSERT INTO g1.t VALUES (4, 'd'); FLUSH LOGS; UPDATE g1.t SET v = 'e' WHERE id = 4; DELETE FROM g1.t WHERE id = 1");
  const again = await startTask(t, config('g1'), foreign(offset), history);
  const resumed = await rowsUntil(again, 'g1.g1.t', 1);
  t.deepEqual(changes(resumed), [
    ['c', 4],
    ['u', 4],
    ['d', 1],
  ]);
  // File and position come from the stream: the offsets and source blocks name the server's binlogs.
  const names = await binlogNames();
  for (const r of resumed) {
    const file = r.sourceOffset['file'] as string;
    t.true(names.includes(file), `offset file ${file}`);
    t.true(names.includes((payload(r)['source'] as { file: string }).file));
  }
  t.is(resumed[0]!.sourceOffset['file'], names.at(-2));
  t.is(resumed[2]!.sourceOffset['file'], names.at(-1));
});

test.serial('a restart mid-transaction from a GTID offset skips exactly the rows emitted before', async (t) => {
  await db().query("CREATE DATABASE g2; CREATE TABLE g2.t (id INT PRIMARY KEY, v VARCHAR(10)); INSERT INTO g2.t VALUES (1, 'a')");
  const history = new MemoryTopic();
  const h = await startTask(t, config('g2'), null, history);
  await rowsUntil(h, 'g2.g2.t', 1);
  // One rows event of two rows, then another event, in one transaction; then one more transaction.
  await db().query("START TRANSACTION; INSERT INTO g2.t VALUES (10, 'x'), (11, 'y'); UPDATE g2.t SET v = 'z' WHERE id = 10; COMMIT; INSERT INTO g2.t VALUES (12, 'w')");
  const tx = await rowsUntil(h, 'g2.g2.t', 12);
  t.deepEqual(changes(tx), [
    ['c', 10],
    ['c', 11],
    ['u', 10],
    ['c', 12],
  ]);
  await h.task.stop();
  await db().query("FLUSH LOGS; INSERT INTO g2.t VALUES (13, 'v')");

  // After the first row of the two-row event: its second row and everything after.
  const midEvent = tx[0]!.sourceOffset;
  t.is(midEvent['row'], 1);
  const fromMidEvent = await startTask(t, config('g2'), foreign(midEvent), history);
  t.deepEqual(changes(await rowsUntil(fromMidEvent, 'g2.g2.t', 13)), [
    ['c', 11],
    ['u', 10],
    ['c', 12],
    ['c', 13],
  ]);
  await fromMidEvent.task.stop();

  // After the two-row event, before the UPDATE's.
  const afterEvent = tx[1]!.sourceOffset;
  const fromAfterEvent = await startTask(t, config('g2'), foreign(afterEvent), history);
  t.deepEqual(changes(await rowsUntil(fromAfterEvent, 'g2.g2.t', 13)), [
    ['u', 10],
    ['c', 12],
    ['c', 13],
  ]);
});

test.serial('gtid.source.excludes skips the row changes of transactions from those sources and follows their DDL', async (t) => {
  await db().query("CREATE DATABASE g5; CREATE TABLE g5.t (id INT PRIMARY KEY, v VARCHAR(10)); INSERT INTO g5.t VALUES (1, 'a')");
  const h = await startTask(t, cdcConfig(db().port, 'g5', { 'include.schema.changes': 'false', 'gtid.source.excludes': '7-.*' }), null);
  await rowsUntil(h, 'g5.g5.t', 1);
  // Replication domain 7 stands for writes another cluster replicated in.
  await db().query(`
    INSERT INTO g5.t VALUES (2, 'b');
    SET SESSION gtid_domain_id = 7;
    INSERT INTO g5.t VALUES (3, 'c');
    UPDATE g5.t SET v = 'changed' WHERE id = 1;
    ALTER TABLE g5.t ADD COLUMN w INT;
    SET SESSION gtid_domain_id = 0;
    INSERT INTO g5.t VALUES (4, 'd', 9);
  `);
  const streamed = await rowsUntil(h, 'g5.g5.t', 4);
  t.deepEqual(changes(streamed), [
    ['c', 2],
    ['c', 4],
  ]);
  t.deepEqual(payload(streamed[1]!)['after'], { id: 4, v: 'd', w: 9 });
  // The offsets pass the skipped transactions.
  t.regex(streamed[1]!.sourceOffset['gtids'] as string, /(^|,)7-\d+-\d+/);
});

test.serial('a GTID position no longer in the binlogs fails with what to do', async (t) => {
  await db().query('CREATE DATABASE g3; CREATE TABLE g3.t (id INT PRIMARY KEY)');
  const history = new MemoryTopic();
  const h = await startTask(t, config('g3'), null, history);
  await db().query('INSERT INTO g3.t VALUES (1)');
  const streamed = await rowsUntil(h, 'g3.g3.t', 1);
  await h.task.stop();
  // The server keeps a binlog a dump thread reads, and notices a closed replica only when it
  // next sends it something: the stopped tasks' threads are ended first.
  const dumps = (await db().query("SELECT ID FROM information_schema.PROCESSLIST WHERE COMMAND LIKE 'Binlog Dump%'")) as { ID: number | string }[];
  for (const d of dumps) await db().query(`KILL ${Number(d.ID)}`);
  await pollUntil(
    async () => (await db().query("SELECT ID FROM information_schema.PROCESSLIST WHERE COMMAND LIKE 'Binlog Dump%'")) as unknown[],
    (left) => left.length === 0,
    'the binlog dump threads to end',
  );
  await db().query('INSERT INTO g3.t VALUES (2); FLUSH LOGS');
  const newest = (await binlogNames()).at(-1)!;
  // A binlog whose transactions InnoDB has not checkpointed yet is kept: purge until it is gone.
  await pollUntil(
    async () => {
      await db().query(`PURGE BINARY LOGS TO '${newest}'`);
      return binlogNames();
    },
    (names) => names.length === 1,
    'the older binlogs to be purged',
  );
  const offset = foreign(streamed[0]!.sourceOffset);
  const error = await t.throwsAsync(startTask(t, config('g3'), offset, history));
  t.regex(error.message, /no longer available/);
  t.regex(error.message, /GTIDs \d+-\d+-\d+/);
  t.regex(error.message, /snapshot\.mode=when_needed/);
  // when_needed snapshots again instead.
  const h2 = await startTask(t, cdcConfig(db().port, 'g3', { 'include.schema.changes': 'false', 'snapshot.mode': 'when_needed' }), offset, new MemoryTopic());
  t.deepEqual(changes(await rowsUntil(h2, 'g3.g3.t', 2)), [
    ['r', 1],
    ['r', 2],
  ]);
});
