/**
 * Every MariaDB column type through the task and the JSON converter, compared field by field
 * with Debezium's values and schemas: the snapshot of existing rows, then inserts, an update and
 * a delete in one transaction from the binlog (binlog_row_metadata=FULL). The table and its
 * expected values are in every-type-table.ts.
 */
import test from 'ava';
import { useSharedMariaDb } from '../../../helpers/mariadb.ts';
import { runEveryType } from './every-type-table.ts';

const db = useSharedMariaDb(test);

test.serial('every column type, default modes: snapshot and binlog values and schemas as Debezium', async (t) => {
  await runEveryType(t, db(), 'every1', 'default', {});
});

test.serial('decimal.handling.mode=string, time.precision.mode=connect, bigint.unsigned.handling.mode=precise', async (t) => {
  await runEveryType(t, db(), 'every2', 'string', { 'decimal.handling.mode': 'string', 'time.precision.mode': 'connect', 'bigint.unsigned.handling.mode': 'precise' });
});

test.serial('decimal.handling.mode=double', async (t) => {
  await runEveryType(t, db(), 'every3', 'double', { 'decimal.handling.mode': 'double' });
});
