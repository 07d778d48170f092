import test from 'ava';
import { addGtid } from '../../../../connectors/mysql-cdc/gtid-set.ts';

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
