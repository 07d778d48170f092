import test from 'ava';
import { addGtid, gtidsInclude, retainGtidSources } from '../../../../connectors/mysql-cdc/gtid-set.ts';

const A = '3e11fa47-71ca-11e1-9e33-c80aa9429562';
const B = '4a5b6c7d-0000-11e1-9e33-c80aa9429562';

test('a committed GTID extends, joins or opens an interval of its source', (t) => {
  t.is(addGtid(`${A}:1-5`, A, 6n), `${A}:1-6`);
  t.is(addGtid(`${A}:1-5`, A, 8n), `${A}:1-5:8`);
  t.is(addGtid(`${A}:1-5:7-9`, A, 6n), `${A}:1-9`);
  t.is(addGtid(`${A}:1-5`, A, 3n), `${A}:1-5`, 'already in the set');
  t.is(addGtid(`${A}:1-5,\n${B}:1-2`, B, 3n), `${A}:1-5,${B}:1-3`);
  t.is(addGtid(`${A}:1-5`, B, 1n), `${A}:1-5,${B}:1`);
  t.is(addGtid(`${A.toUpperCase()}:1-5`, A, 6n), `${A.toUpperCase()}:1-6`);
  t.is(addGtid('', A, 1n), `${A}:1`);
});

test('a malformed interval is an error that says which', (t) => {
  t.throws(() => addGtid(`${A}:1-x`, A, 2n), { message: /1-x/ });
});

test('a MySQL GTID set includes another when every interval of it is inside one of its own', (t) => {
  t.true(gtidsInclude(`${A}:1-10`, `${A}:1-5`));
  t.true(gtidsInclude(`${A}:1-10`, `${A}:1-10`));
  t.true(gtidsInclude(`${A}:1-5:7-9,${B}:1-3`, `${A}:2-4:8,${B}:1`));
  t.true(gtidsInclude(`${A.toUpperCase()}:1-10`, `${A}:3`));
  t.true(gtidsInclude(`${A}:1-3`, ''), 'the empty set is in every set');
  t.false(gtidsInclude(`${A}:1-5`, `${A}:1-6`));
  t.false(gtidsInclude(`${A}:1-5:7-9`, `${A}:5-7`), 'a gap at 6');
  t.false(gtidsInclude(`${A}:1-10`, `${A}:1-5,${B}:1`), 'a source the outer set lacks');
  t.true(gtidsInclude(`${A}:1-5:tag:1-3`, `${A}:tag:2`), 'tagged GTIDs are a source of their own');
  t.false(gtidsInclude(`${A}:1-5`, `${A}:tag:2`));
});

test('a MariaDB GTID position includes another when every domain of it is at or past its sequence number', (t) => {
  t.true(gtidsInclude('0-1-100', '0-1-99'));
  t.true(gtidsInclude('0-1-100', '0-1-100'));
  t.true(gtidsInclude('0-2-100', '0-1-90'), 'the server id is not compared: a failover keeps the domain');
  t.true(gtidsInclude('0-1-100,1-1-5', '1-1-5'));
  t.false(gtidsInclude('0-1-100', '0-1-101'));
  t.false(gtidsInclude('0-1-100', '0-1-50,1-1-1'), 'a domain the outer position lacks');
  t.false(gtidsInclude('0-1-100', `${A}:1`), 'a MySQL set and a MariaDB position');
  t.false(gtidsInclude(`${A}:1`, '0-1-1'));
});

test('retaining GTID sources keeps MySQL sources by UUID and MariaDB domains by domain-server', (t) => {
  t.is(
    retainGtidSources(`${A}:1-5,\n${B}:1-3`, (s) => s === B),
    `${B}:1-3`,
  );
  t.is(
    retainGtidSources(`${A}:1-5:tag:1-2`, (s) => s === A),
    `${A}:1-5:tag:1-2`,
  );
  t.is(
    retainGtidSources('0-1-100,7-2-5', (s) => s !== '7-2'),
    '0-1-100',
  );
});
