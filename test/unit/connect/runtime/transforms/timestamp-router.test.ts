import test from 'ava';
import { TimestampRouter } from '../../../../../connect/runtime/transforms/timestamp-router.ts';
import { sourceRecord } from './records.ts';

test('appends the record timestamp in UTC with Kafka defaults', (t) => {
  const r = new TimestampRouter();
  r.configure({ 'topic.format': '${topic}-${timestamp}', 'timestamp.format': 'yyyyMMdd' });
  // 1_700_000_000_000 is 2023-11-14T22:13:20Z.
  t.is(r.apply(sourceRecord(null, 1)).topic, 'orders-20231114');
  const hourly = new TimestampRouter();
  hourly.configure({ 'topic.format': 'x_${timestamp}', 'timestamp.format': "yyyy-MM-dd'T'HH" });
  t.is(hourly.apply(sourceRecord(null, 1)).topic, 'x_2023-11-14T22');
  t.throws(() => r.apply(sourceRecord(null, 1, { timestamp: null })), { message: /Timestamp missing/ });
});
