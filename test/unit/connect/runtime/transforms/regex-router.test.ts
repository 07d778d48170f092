import test from 'ava';
import { RegexRouter } from '../../../../../connect/runtime/transforms/regex-router.ts';
import { sourceRecord } from './records.ts';

test('renames a topic when the whole name matches, with $n groups', (t) => {
  const r = new RegexRouter();
  r.configure({ regex: '(.*)ders', replacement: 'archived-$1' });
  t.is(r.apply(sourceRecord(null, 1)).topic, 'archived-or');
  const partial = new RegexRouter();
  partial.configure({ regex: 'ord', replacement: 'x' });
  t.is(partial.apply(sourceRecord(null, 1)).topic, 'orders');
});
