import test from 'ava';
import { parseSourceOffset, toSourceOffset } from '../../../../connectors/mysql-cdc/offset.ts';

const base = { file: 'mysql-bin.000003', pos: 154 };

test('a snapshot marker of any Debezium version means a snapshot in progress', (t) => {
  for (const snapshot of [true, 'true', 'last', 'INITIAL', 'BLOCKING']) t.true(parseSourceOffset({ ...base, snapshot })!.snapshot, String(snapshot));
  for (const snapshot of [false, 'false', 'FALSE', '', null]) t.false(parseSourceOffset({ ...base, snapshot })!.snapshot, String(snapshot));
  t.false(parseSourceOffset(base)!.snapshot);
});

test('Debezium 3 marks a finished snapshot with snapshot_completed', (t) => {
  t.false(parseSourceOffset({ ...base, snapshot: 'INITIAL', snapshot_completed: true })!.snapshot);
  t.false(parseSourceOffset({ ...base, snapshot: 'INITIAL', snapshot_completed: 'true' })!.snapshot);
  t.true(parseSourceOffset({ ...base, snapshot: 'INITIAL', snapshot_completed: false })!.snapshot);
});

test("Brook's own offsets read back as written", (t) => {
  const offset = { ...base, gtids: '0-1-5', event: 2, row: 1, snapshot: false, tsSec: 9, serverId: 1 };
  t.deepEqual(parseSourceOffset(toSourceOffset(offset)), offset);
  t.true(parseSourceOffset(toSourceOffset({ ...offset, snapshot: true }))!.snapshot);
});
