import test from 'ava';
import { snapshotMarker } from '../../../../connectors/mysql-cdc/snapshot.ts';

const at = (first: boolean, last: boolean, firstInTable: boolean, lastInTable: boolean): string => snapshotMarker({ first, last, firstInTable, lastInTable });

test('the end of the snapshot wins over its start, and the snapshot over a table', (t) => {
  t.is(at(true, true, true, true), 'last', 'a one-row snapshot ends it');
  t.is(at(true, false, true, true), 'first', 'the first row, alone in its table');
  t.is(at(false, false, true, true), 'last_in_data_collection', 'a table of one row');
  t.is(at(false, false, true, false), 'first_in_data_collection');
  t.is(at(false, true, false, true), 'last');
  t.is(at(false, false, false, false), 'true');
});
