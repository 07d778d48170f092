import test from 'ava';
import { datetimeMicros, datetimeMillis, decimalValue, epochDays, timeMicros, timeMillis, zonedTimestamp } from '../../../../connectors/mysql-cdc/value-text.ts';

test('dates: days since the epoch on both sides of it, null for zero parts and other text', (t) => {
  t.is(epochDays('1970-01-01'), 0);
  t.is(epochDays('2024-02-29'), 19_782);
  t.is(epochDays('1969-12-31 23:59:59'), -1);
  t.is(epochDays('0001-01-01'), -719_162);
  t.is(epochDays('9999-12-31'), 2_932_896);
  t.is(epochDays('0000-00-00'), null);
  t.is(epochDays('2024-00-10'), null);
  t.is(epochDays('2024-1-01'), null);
  t.is(epochDays('20240101'), null);
});

test('datetimes: exact microseconds and floored milliseconds, also past a double’s exact range', (t) => {
  t.is(datetimeMicros('1970-01-01 00:00:00.000001'), 1n);
  t.is(datetimeMicros('1969-12-31 23:59:59.999999'), -1n);
  t.is(datetimeMillis('1969-12-31 23:59:59.999999'), -1n);
  t.is(datetimeMillis('1969-12-31 23:59:59.9995'), -1n);
  t.is(datetimeMicros('2024-01-31'), 1_706_659_200_000_000n);
  // 9999-12-31 is 2.5e17 µs: beyond 2^53, computed with BigInt.
  t.is(datetimeMicros('9999-12-31 23:59:59.999999'), 253_402_300_799_999_999n);
  t.is(datetimeMillis('9999-12-31 23:59:59.999999'), 253_402_300_799_999n);
  t.is(datetimeMicros('0001-01-01 00:00:00'), -62_135_596_800_000_000n);
  t.is(datetimeMicros('0000-00-00 00:00:00'), null);
  t.throws(() => datetimeMicros('2024-01-31 12:00'), { message: /not a TIME value/ });
});

test('times: signed microseconds up to 838 hours, milliseconds floored toward negative infinity', (t) => {
  t.is(timeMicros('00:00:00'), 0n);
  t.is(timeMicros('12:34:56.5'), 45_296_500_000n);
  t.is(timeMicros('-838:59:59.000000'), -3_020_399_000_000n);
  t.is(timeMillis('-00:00:00.0005'), -1);
  t.is(timeMillis('00:00:00.0005'), 0);
  // Hours past a double's exact microseconds take the exact path.
  t.is(timeMicros('99999999999:00:00'), 359_999_999_996_400_000_000n);
  for (const bad of ['', '12:00', '12:00:00.', '12:00:00.1234567', '+12:00:00', '12:0a:00', ' 12:00:00']) {
    t.throws(() => timeMicros(bad), { message: /not a TIME value/ }, bad);
  }
});

test('zoned timestamps: ISO-8601 UTC with the column’s fractional digits, null for zero dates', (t) => {
  t.is(zonedTimestamp('2024-01-31 12:00:00', 0), '2024-01-31T12:00:00Z');
  t.is(zonedTimestamp('2024-01-31 12:00:00.5', 3), '2024-01-31T12:00:00.500Z');
  t.is(zonedTimestamp('2024-01-31 12:00:00.123456', 4), '2024-01-31T12:00:00.1234Z');
  t.is(zonedTimestamp('0000-00-00 00:00:00', 0), null);
  t.is(zonedTimestamp('2024-01-31T12:00:00', 0), null);
  t.is(zonedTimestamp('2024-01-31 12:00:00.', 1), null);
});

test('decimals: unscaled at the column’s scale, exact past 15 digits, further fraction digits dropped', (t) => {
  t.deepEqual(decimalValue('-12.5', 2), { unscaled: -1250n, scale: 2 });
  t.deepEqual(decimalValue('+0.001', 3), { unscaled: 1n, scale: 3 });
  t.deepEqual(decimalValue('7', 0), { unscaled: 7n, scale: 0 });
  t.deepEqual(decimalValue('1.239', 2), { unscaled: 123n, scale: 2 });
  t.deepEqual(decimalValue('-0.00', 2), { unscaled: 0n, scale: 2 });
  t.deepEqual(decimalValue('12345678901234567890123456789.123456789', 9), { unscaled: 12345678901234567890123456789123456789n, scale: 9 });
  t.deepEqual(decimalValue('9007199254740993', 0), { unscaled: 9_007_199_254_740_993n, scale: 0 });
  t.deepEqual(decimalValue('900719925474.0993', 10), { unscaled: 9_007_199_254_740_993_000_000n, scale: 10 });
});
