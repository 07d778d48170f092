/**
 * Which schema history entries describe the tables at an offset: by GTIDs when both the entry
 * and the offset have them (a failover renames the binlog files), else by file and position.
 */
import test from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { entriesBefore, FileSchemaHistory } from '../../../../connectors/mysql-cdc/schema/history.ts';
import type { SchemaHistoryEntry } from '../../../../connectors/mysql-cdc/schema/history.ts';

function entry(file: string, pos: number, gtids: string | null, ddl: string, snapshot = false): SchemaHistoryEntry {
  return { file, pos, gtids, tsMs: 0, database: 'db', ddl, snapshot };
}

const history: SchemaHistoryEntry[] = [
  entry('mysql-bin.000001', 400, '0-1-10', 'CREATE TABLE t (a INT)', true),
  entry('mysql-bin.000001', 900, '0-1-12', 'ALTER TABLE t ADD b INT'),
  entry('mysql-bin.000002', 300, '0-1-20', 'ALTER TABLE t ADD c INT'),
];
const ddls = (entries: readonly SchemaHistoryEntry[]): string[] => entries.map((e) => e.ddl);

test('by GTIDs: DDL whose transaction the offset has passed, not the one it resumes or later ones', (t) => {
  // After a failover the new primary's binlog names sort before the old one's.
  t.deepEqual(ddls(entriesBefore(history, { file: 'other-bin.000001', pos: 4, gtids: '0-2-15' })), ['CREATE TABLE t (a INT)', 'ALTER TABLE t ADD b INT']);
  t.deepEqual(ddls(entriesBefore(history, { file: 'other-bin.000001', pos: 4, gtids: '0-2-12' })), ['CREATE TABLE t (a INT)'], 'resuming the ALTER: it is read again');
  t.deepEqual(ddls(entriesBefore(history, { file: 'other-bin.000001', pos: 4, gtids: '0-2-10' })), ['CREATE TABLE t (a INT)'], "the snapshot's own position");
  t.deepEqual(ddls(entriesBefore(history, { file: 'other-bin.000001', pos: 4, gtids: '0-2-30' })), ddls(history));
  t.deepEqual(entriesBefore(history, { file: 'mysql-bin.000009', pos: 4, gtids: '0-1-9' }), [], 'before the snapshot, whatever the file says');
});

test('by file and position when neither has GTIDs; mixed, the side without GTIDs is the older', (t) => {
  const plain = history.map((e) => ({ ...e, gtids: null }));
  t.deepEqual(ddls(entriesBefore(plain, { file: 'mysql-bin.000001', pos: 900, gtids: null })), ['CREATE TABLE t (a INT)']);
  t.deepEqual(ddls(entriesBefore(plain, { file: 'mysql-bin.000002', pos: 4, gtids: null })), ['CREATE TABLE t (a INT)', 'ALTER TABLE t ADD b INT']);
  t.deepEqual(ddls(entriesBefore(plain, { file: 'mysql-bin.000001', pos: 4, gtids: '0-1-1' })), ddls(plain), 'entries without GTIDs precede an offset with them');
  t.deepEqual(entriesBefore(history, { file: 'mysql-bin.000003', pos: 4, gtids: null }), [], 'entries with GTIDs follow an offset without');
});

test('the history file keeps the GTIDs, and reads lines written without them', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'brook-history-'));
  t.teardown(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const file = path.join(dir, 'history.jsonl');
  fs.writeFileSync(file, `${JSON.stringify({ file: 'mysql-bin.000001', pos: 4, tsMs: 0, database: 'db', ddl: 'CREATE TABLE t (a INT)', snapshot: true })}\n`);
  const store = new FileSchemaHistory(file);
  await store.append([history[1]!]);
  const loaded = await store.load();
  t.deepEqual(
    loaded.map((e) => e.gtids),
    [null, '0-1-12'],
  );
});

test('GTID sources gtid.source.includes/excludes leave out are not compared', (t) => {
  const withOtherDomain = [entry('mysql-bin.000001', 400, '0-1-10,7-2-50', 'CREATE TABLE t (a INT)', true), entry('mysql-bin.000001', 900, '0-1-12,7-2-60', 'ALTER TABLE t ADD b INT')];
  // Domain 7 is behind in the offset (another cluster's writes, not read here): only domain 0 counts.
  const position = { file: 'other-bin.000001', pos: 4, gtids: '0-2-15,7-2-40' };
  t.deepEqual(entriesBefore(withOtherDomain, position), []);
  t.deepEqual(ddls(entriesBefore(withOtherDomain, position, (source) => !source.startsWith('7-'))), ddls(withOtherDomain));
});
