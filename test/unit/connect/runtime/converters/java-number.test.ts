import test from 'ava';
import { formatJavaDouble, formatJavaFloat } from '../../../../../connect/runtime/converters/java-number.ts';

test('doubles print as Java Double.toString', (t) => {
  const cases: [number, string][] = [
    [1, '1.0'],
    [-0, '-0.0'],
    [0.001, '0.001'],
    [0.0001, '1.0E-4'],
    [1234567.5, '1234567.5'],
    [1e7, '1.0E7'],
    [12345678.9, '1.23456789E7'],
    [NaN, 'NaN'],
  ];
  for (const [value, expected] of cases) t.is(formatJavaDouble(value), expected, String(value));
});

test('floats print their shortest 32-bit form, as Java Float.toString', (t) => {
  t.is(formatJavaFloat(Math.fround(5.6)), '5.6');
  t.is(formatJavaFloat(Math.fround(0.1)), '0.1');
  t.is(formatJavaFloat(3), '3.0');
});
