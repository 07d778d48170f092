import test from 'ava';
import { JsonDouble } from '../../../../connectors/mysql-cdc/binlog/index.ts';
import { javaJsonDouble, jsonDocumentText } from '../../../../connectors/mysql-cdc/json-text.ts';

test('doubles inside binary JSON print as the binlog client prints them: Double.toString, else the exact BigDecimal', (t) => {
  t.is(jsonDocumentText({ price: new JsonDouble(1), n: 1 }), '{"price":1.0,"n":1}');
  t.is(javaJsonDouble(2.5), '2.5');
  t.is(javaJsonDouble(0.001), '0.001');
  t.is(javaJsonDouble(-0), '-0.0');
  t.is(javaJsonDouble(0), '0.0');
  t.is(javaJsonDouble(9999999.5), '9999999.5');
  // Double.toString gives 1.0E7, 1.0E20, 1.0E-7: the formatter prints new BigDecimal(d).toPlainString() instead.
  t.is(javaJsonDouble(1e7), '10000000');
  t.is(javaJsonDouble(1e20), '100000000000000000000');
  t.is(javaJsonDouble(12345678.5), '12345678.5');
  t.is(javaJsonDouble(1e-7), '0.0000000999999999999999954748111825886258685613938723690807819366455078125');
  t.is(javaJsonDouble(-(2 ** -20)), '-0.00000095367431640625');
  t.is(jsonDocumentText([new JsonDouble(1e-7), new JsonDouble(-3.25)]), '[0.0000000999999999999999954748111825886258685613938723690807819366455078125,-3.25]');
});
