/**
 * The schema history across restarts, with binlog_row_metadata=NO_LOG so rows can only be read
 * with the definitions the history gives: DDL naming another database than the session's, a lost
 * history (refused, then rebuilt by snapshot.mode=recovery), DDL about tables outside the captured
 * databases, and the tables a schema change event names.
 */
import test from 'ava';
import type { SourceRecord } from '../../../../connect/api/index.ts';
import { ConnectError } from '../../../../connect/api/index.ts';
import { useSharedMariaDb } from '../../../helpers/mariadb.ts';
import { systemScheduler } from '../../../../core/base/index.ts';
import type { Scheduler } from '../../../../core/base/index.ts';
import { pollUntil, waitFor } from '../../../helpers/wait-for.ts';
import { cdcConfig, MemoryTopic, payload, startTask } from './harness.ts';

const db = useSharedMariaDb(test, { rowMetadata: 'NO_LOG' });

/** The next `n` records with a value on any of `topics` (a string: one topic), in order. */
async function rowsOf(take: (n: number) => Promise<SourceRecord[]>, topics: string | readonly string[], n: number): Promise<SourceRecord[]> {
  const wanted = typeof topics === 'string' ? [topics] : topics;
  const out: SourceRecord[] = [];
  while (out.length < n) out.push(...(await take(1)).filter((r) => wanted.includes(r.topic) && r.value !== null));
  return out;
}

test.serial('DDL in one database naming another is replayed in the session database after a restart', async (t) => {
  await db().query(`
    CREATE DATABASE rh1; CREATE DATABASE rh2;
    CREATE TABLE rh1.t1 (id INT PRIMARY KEY, x VARCHAR(5));
    CREATE TABLE rh1.t3 (id INT PRIMARY KEY, y INT);
  `);
  const cfg = cdcConfig(db().port, 'rh1', { 'database.include.list': 'rh1,rh2', 'include.schema.changes': 'false' });
  const h = await startTask(t, cfg, null);
  // DDL after the snapshot read the definitions comes from the binlog.
  await waitFor(() => h.history.values.length > 0, { describe: () => 'the snapshot in the history' });
  await db().query(`
    USE rh1;
    RENAME TABLE t1 TO rh2.t2;
    CREATE TABLE rh2.t4 LIKE t3;
    INSERT INTO rh2.t2 VALUES (1, 'x');
    INSERT INTO rh2.t4 VALUES (1, 5);
  `);
  const [live, t4Live] = await rowsOf((n) => h.take(n), ['rh1.rh2.t2', 'rh1.rh2.t4'], 2);
  t.deepEqual(payload(live!)['after'], { id: 1, x: 'x' });
  t.deepEqual(payload(t4Live!)['after'], { id: 1, y: 5 });
  const stored = h.history.values as { databaseName: string; ddl: string }[];
  t.deepEqual(
    stored.filter((r) => /^(RENAME|CREATE TABLE rh2)/.test(r.ddl)).map((r) => r.databaseName),
    ['rh1', 'rh1'],
    'the session database is recorded, not the one the statement names',
  );
  await h.task.stop();
  await db().query("INSERT INTO rh2.t2 VALUES (2, 'y'); INSERT INTO rh2.t4 VALUES (2, 6);");
  const again = await startTask(t, cfg, live!.sourceOffset, h.history);
  const replayed = await rowsOf((n) => again.take(n), ['rh1.rh2.t2', 'rh1.rh2.t4'], 3);
  t.deepEqual(
    replayed.map((r) => [r.topic, payload(r)['after']]),
    [
      ['rh1.rh2.t4', { id: 1, y: 5 }],
      ['rh1.rh2.t2', { id: 2, x: 'y' }],
      ['rh1.rh2.t4', { id: 2, y: 6 }],
    ],
  );
});

test.serial('a lost schema history fails the start with what to do; snapshot.mode=recovery rebuilds it', async (t) => {
  await db().query('CREATE DATABASE lh1; CREATE TABLE lh1.t (id INT PRIMARY KEY, a INT, b INT)');
  const cfg = cdcConfig(db().port, 'lh1', { 'include.schema.changes': 'false' });
  const h = await startTask(t, cfg, null);
  await db().query('INSERT INTO lh1.t VALUES (1, 10, 20)');
  const [first] = await rowsOf((n) => h.take(n), 'lh1.lh1.t', 1);
  await h.task.stop();
  await db().query('INSERT INTO lh1.t VALUES (2, 30, 40)');

  const error = await t.throwsAsync(startTask(t, cfg, first!.sourceOffset, new MemoryTopic()));
  t.true(error instanceof ConnectError);
  t.regex(error.message, /schema history topic schema-changes\.lh1 is missing or empty/);
  t.regex(error.message, /snapshot\.mode=recovery/);

  // An empty history because the snapshot found no tables is not a lost one.
  await db().query('CREATE DATABASE lh2');
  const empty = await startTask(t, cdcConfig(db().port, 'lh2', { 'include.schema.changes': 'false' }), null);
  const marked = empty.history;
  await waitFor(() => marked.values.length > 0, { describe: () => 'a history entry for a snapshot of no tables' });
  await empty.task.stop();

  const rebuilt = new MemoryTopic();
  const recovering = await startTask(t, { ...cfg, 'snapshot.mode': 'recovery' }, first!.sourceOffset, rebuilt);
  const [two] = await rowsOf((n) => recovering.take(n), 'lh1.lh1.t', 1);
  t.deepEqual(payload(two!)['after'], { id: 2, a: 30, b: 40 });
  await recovering.task.stop();
  t.true((rebuilt.values as { ddl: string; position: { snapshot?: boolean } }[]).some((r) => r.position.snapshot === true && r.ddl.startsWith('CREATE TABLE `t`')));
  // The rebuilt history serves a plain restart.
  const plain = await startTask(t, cfg, two!.sourceOffset, rebuilt);
  await db().query('INSERT INTO lh1.t VALUES (3, 50, 60)');
  const [three] = await rowsOf((n) => plain.take(n), 'lh1.lh1.t', 1);
  t.deepEqual(payload(three!)['after'], { id: 3, a: 50, b: 60 });
});

test.serial('DDL about tables outside the captured databases never fails the task; a table renamed into them is read from the server', async (t) => {
  await db().query('CREATE DATABASE oc1; CREATE TABLE oc1.t (id INT PRIMARY KEY); CREATE DATABASE other1; CREATE TABLE other1.u (id INT PRIMARY KEY, v VARCHAR(5))');
  const cfg = cdcConfig(db().port, 'oc1', { 'include.schema.changes': 'false' });
  const logs: string[] = [];
  const h = await startTask(t, cfg, null, new MemoryTopic(), { logs });
  await waitFor(() => h.history.values.length > 0, { describe: () => 'the snapshot in the history' });
  await db().query(`
    CREATE TABLE other1.v LIKE other1.u;
    CREATE TABLE other1.w AS SELECT * FROM other1.u;
    INSERT INTO oc1.t VALUES (1);
    RENAME TABLE other1.u TO oc1.u;
    INSERT INTO oc1.u VALUES (1, 'one');
  `);
  const [row] = await rowsOf((n) => h.take(n), 'oc1.oc1.t', 1);
  t.deepEqual(payload(row!)['after'], { id: 1 });
  const [renamed] = await rowsOf((n) => h.take(n), 'oc1.oc1.u', 1);
  t.deepEqual(payload(renamed!)['after'], { id: 1, v: 'one' });
  t.true(logs.some((l) => l.startsWith('warn: a captured table was made from one the schema history does not know')), logs.join('\n'));
  await h.task.stop();
  // The definition read from the server is in the history, so a restart after it knows the table;
  // DDL about other tables that the parser does not follow (as another tool may have stored it)
  // is passed over in the replay too.
  const { file, pos } = renamed!.sourceOffset as { file: string; pos: number };
  h.history.values.push({ source: { server: 'oc1' }, position: { file, pos: pos - 1 }, ts_ms: 0, databaseName: 'other1', ddl: 'CREATE TABLE other1.z SELECT 1', tableChanges: [] });
  await db().query("INSERT INTO oc1.u VALUES (2, 'two')");
  const again = await startTask(t, cfg, renamed!.sourceOffset, h.history);
  const [next] = await rowsOf((n) => again.take(n), 'oc1.oc1.u', 1);
  t.deepEqual(payload(next!)['after'], { id: 2, v: 'two' });
});

test.serial('a schema change event names the tables it changed in source.table', async (t) => {
  await db().query('CREATE DATABASE sc1; CREATE TABLE sc1.t (id INT PRIMARY KEY); CREATE TABLE sc1.u (id INT PRIMARY KEY)');
  const h = await startTask(t, cdcConfig(db().port, 'sc1', { 'include.schema.changes': 'true' }), null);
  await rowsOf((n) => h.take(n), 'sc1', 2);
  await waitFor(() => h.history.values.length > 0, { describe: () => 'the snapshot in the history' });
  await db().query('ALTER TABLE sc1.t ADD COLUMN c INT; DROP TABLE sc1.t, sc1.u');
  const [alter, drop] = await rowsOf((n) => h.take(n), 'sc1', 2);
  t.is((payload(alter!)['source'] as { table: string | null }).table, 't');
  t.is((payload(drop!)['source'] as { table: string | null }).table, 't,u');
});

/** The history topic, with appends that name `held` kept back until released (a slow topic). */
class HeldTopic extends MemoryTopic {
  held: string | undefined;
  waiting = false;
  private release: (() => void) | undefined;
  override append(values: readonly unknown[]): Promise<void> {
    if (this.held === undefined || !JSON.stringify(values).includes(this.held)) return super.append(values);
    this.waiting = true;
    return new Promise((resolve) => {
      this.release = () => {
        void super.append(values).then(resolve);
      };
    });
  }
  releaseHeld(): void {
    this.held = undefined;
    this.release?.();
  }
}

test.serial('no heartbeat carries an offset past DDL whose history entry is not stored yet', async (t) => {
  await db().query('CREATE DATABASE hb1; CREATE TABLE hb1.t (id INT PRIMARY KEY, a INT); INSERT INTO hb1.t VALUES (1, 1)');
  const history = new HeldTopic();
  // The streamer's one interval timer is the heartbeat's: its ticks say heartbeats had their chance.
  let ticks = 0;
  const scheduler: Scheduler = {
    ...systemScheduler,
    setInterval: (callback, periodMs) =>
      systemScheduler.setInterval(() => {
        ticks++;
        callback();
      }, periodMs),
  };
  const h = await startTask(t, cdcConfig(db().port, 'hb1', { 'heartbeat.interval.ms': '20', 'include.schema.changes': 'false' }), null, history, { scheduler });
  await rowsOf((n) => h.take(n), 'hb1.hb1.t', 1);

  history.held = 'ADD COLUMN w';
  await db().query('ALTER TABLE hb1.t ADD COLUMN w INT');
  const [afterAlter] = (await db().query('SHOW MASTER STATUS')) as { File: string; Position: number }[];
  const pastAlter = (r: SourceRecord): boolean => r.sourceOffset['file'] === afterAlter!.File && Number(r.sourceOffset['pos']) >= afterAlter!.Position;
  const seen: SourceRecord[] = [];
  const ticksBefore = ticks;
  await pollUntil(
    async () => {
      seen.push(...((await h.task.poll()) ?? []));
      return history.waiting && ticks >= ticksBefore + 5;
    },
    (ready) => ready,
    'the held history append and five heartbeat ticks',
  );
  // A committed offset past the ALTER without its entry would read later rows with the old columns after a restart.
  t.deepEqual(seen.filter(pastAlter), []);

  history.releaseHeld();
  await db().query('INSERT INTO hb1.t VALUES (2, 2, 3)');
  const after = await rowsOf((n) => h.take(n), 'hb1.hb1.t', 1);
  t.deepEqual(payload(after[0]!)['after'], { id: 2, a: 2, w: 3 });
  await pollUntil(
    async () => {
      seen.push(...((await h.task.poll()) ?? []));
      return seen.some((r) => r.topic.startsWith('__debezium-heartbeat') && pastAlter(r));
    },
    (found) => found,
    'a heartbeat past the ALTER once its entry is stored',
  );
});
