import type { DecimalValue } from '../../connect/api/index.ts';
import { badValueError } from './errors.ts';

/**
 * MySQL's temporal and decimal text (as the binlog decoder and the snapshot give it) read
 * straight into the numbers Debezium emits. The text is scanned by character code: no regex,
 * no substrings, and BigInt only for the result (or for values too large for a double to
 * hold exactly, which take the slower exact path).
 */

const MICROS_PER_DAY = 86_400_000_000;
const MS_PER_DAY = 86_400_000;
const CHAR_0 = 48;
const CHAR_MINUS = 45;
const CHAR_PLUS = 43;
const CHAR_DOT = 46;
const CHAR_COLON = 58;
const CHAR_SPACE = 32;

/** The decimal digit at `i`, or -1. */
function digitAt(text: string, i: number): number {
  const d = text.charCodeAt(i) - CHAR_0;
  return d >= 0 && d <= 9 ? d : -1;
}

/** The number of `count` digits from `i`, or -1 if any is not a digit. */
function digitsAt(text: string, i: number, count: number): number {
  let v = 0;
  for (let k = 0; k < count; k++) {
    const d = digitAt(text, i + k);
    if (d < 0) return -1;
    v = v * 10 + d;
  }
  return v;
}

function daysFromCivil(y: number, m: number, d: number): number {
  // Howard Hinnant's days_from_civil: exact for the proleptic Gregorian calendar, no Date object.
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** 'YYYY-MM-DD…' → days since the epoch; null for zero dates (a zero year, month or day, as Debezium has it) or other text. */
export function epochDays(text: string): number | null {
  if (text.length < 10 || text.charCodeAt(4) !== CHAR_MINUS || text.charCodeAt(7) !== CHAR_MINUS) return null;
  const y = digitsAt(text, 0, 4);
  const mo = digitsAt(text, 5, 2);
  const d = digitsAt(text, 8, 2);
  if (y <= 0 || mo <= 0 || d <= 0) return null;
  return daysFromCivil(y, mo, d);
}

/**
 * 'HH:MM:SS[.f]' with optional sign (hours up to 838) from `start` to the end → microseconds
 * as a number, or NaN when the text is not that shape or the value is beyond a double's exact range.
 */
function timeMicrosFrom(text: string, start: number): number {
  const end = text.length;
  let i = start;
  const negative = text.charCodeAt(i) === CHAR_MINUS;
  if (negative) i++;
  let hours = 0;
  const hoursStart = i;
  for (let d = digitAt(text, i); d >= 0; d = digitAt(text, ++i)) hours = hours * 10 + d;
  if (i === hoursStart || text.charCodeAt(i) !== CHAR_COLON || text.charCodeAt(i + 3) !== CHAR_COLON) return Number.NaN;
  const minutes = digitsAt(text, i + 1, 2);
  const seconds = digitsAt(text, i + 4, 2);
  if (minutes < 0 || seconds < 0) return Number.NaN;
  i += 6;
  let fraction = 0;
  if (i < end) {
    if (text.charCodeAt(i) !== CHAR_DOT) return Number.NaN;
    const digits = end - i - 1;
    if (digits < 1 || digits > 6) return Number.NaN;
    fraction = digitsAt(text, i + 1, digits);
    if (fraction < 0) return Number.NaN;
    for (let k = digits; k < 6; k++) fraction *= 10;
  }
  const micros = ((hours * 60 + minutes) * 60 + seconds) * 1_000_000 + fraction;
  if (!Number.isSafeInteger(micros)) return Number.NaN;
  return negative ? -micros : micros;
}

function notTime(text: string): Error {
  return badValueError(`not a TIME value: ${JSON.stringify(text)}`);
}

/** 'HH:MM:SS[.f]' with optional sign (hours up to 838) → microseconds. */
export function timeMicros(text: string): bigint {
  const micros = timeMicrosFrom(text, 0);
  if (Number.isNaN(micros)) return timeMicrosExact(text);
  return BigInt(micros);
}

/** The same, in milliseconds rounded toward negative infinity (Connect's Time). */
export function timeMillis(text: string): number {
  const micros = timeMicrosFrom(text, 0);
  if (Number.isNaN(micros)) return Number(floorDiv(timeMicrosExact(text), 1000n));
  return Math.floor(micros / 1000);
}

/** The slow exact path, for hours beyond a double's exact microseconds (and for the error). */
function timeMicrosExact(text: string): bigint {
  const m = /^(-)?(\d+):(\d{2}):(\d{2})(?:\.(\d{1,6}))?$/.exec(text);
  if (m === null) throw notTime(text);
  const micros = (BigInt(m[2]!) * 3600n + BigInt(m[3]!) * 60n + BigInt(m[4]!)) * 1_000_000n + BigInt((m[5] ?? '').padEnd(6, '0'));
  return m[1] === '-' ? -micros : micros;
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

/** Microseconds of the time of day in a 'YYYY-MM-DD[ HH:MM:SS[.f]]' text (0 without one); NaN off the fast path. */
function timeOfDayMicros(text: string): number {
  return text.length > 10 ? timeMicrosFrom(text, 11) : 0;
}

/** The exact path: microseconds since the epoch of a date with a time text the fast path did not take (or the error it makes). */
function datetimeMicrosExact(text: string, days: number): bigint {
  return BigInt(days) * BigInt(MICROS_PER_DAY) + timeMicrosExact(text.slice(11));
}

/** 'YYYY-MM-DD HH:MM:SS[.f]' (UTC) → microseconds since the epoch; null for zero dates. */
export function datetimeMicros(text: string): bigint | null {
  const days = epochDays(text);
  if (days === null) return null;
  const tod = timeOfDayMicros(text);
  if (Number.isNaN(tod)) return datetimeMicrosExact(text, days);
  const micros = days * MICROS_PER_DAY + tod;
  if (Number.isSafeInteger(micros)) return BigInt(micros);
  return BigInt(days) * BigInt(MICROS_PER_DAY) + BigInt(tod);
}

/** The same in milliseconds, rounded toward negative infinity; null for zero dates. */
export function datetimeMillis(text: string): bigint | null {
  const days = epochDays(text);
  if (days === null) return null;
  const tod = timeOfDayMicros(text);
  if (Number.isNaN(tod)) return floorDiv(datetimeMicrosExact(text, days), 1000n);
  // days * MS_PER_DAY is a whole number of ms, so flooring only the time of day is exact.
  return BigInt(days * MS_PER_DAY + Math.floor(tod / 1000));
}

/** Debezium's ZonedTimestamp text: ISO-8601 in UTC with the column's fractional digits; null for zero dates or other text. */
export function zonedTimestamp(text: string, fsp: number): string | null {
  const n = text.length;
  if (n < 19 || n === 20 || n > 26) return null;
  if (text.charCodeAt(4) !== CHAR_MINUS || text.charCodeAt(7) !== CHAR_MINUS || text.charCodeAt(10) !== CHAR_SPACE) return null;
  if (text.charCodeAt(13) !== CHAR_COLON || text.charCodeAt(16) !== CHAR_COLON) return null;
  const y = digitsAt(text, 0, 4);
  const mo = digitsAt(text, 5, 2);
  const d = digitsAt(text, 8, 2);
  if (y <= 0 || mo <= 0 || d <= 0) return null;
  if (digitsAt(text, 11, 2) < 0 || digitsAt(text, 14, 2) < 0 || digitsAt(text, 17, 2) < 0) return null;
  if (n > 19 && (text.charCodeAt(19) !== CHAR_DOT || digitsAt(text, 20, n - 20) < 0)) return null;
  const head = `${text.slice(0, 10)}T${text.slice(11, 19)}`;
  if (fsp <= 0) return `${head}Z`;
  const fraction = n > 19 ? text.slice(20) : '';
  return `${head}.${fraction.length >= fsp ? fraction.slice(0, fsp) : fraction.padEnd(6, '0').slice(0, fsp)}Z`;
}

/** An exact decimal text → Connect's { unscaled, scale } at the column's scale (further fraction digits dropped). */
export function decimalValue(text: string, scale: number): DecimalValue {
  const n = text.length;
  let i = 0;
  const first = text.charCodeAt(0);
  const negative = first === CHAR_MINUS;
  if (negative || first === CHAR_PLUS) i = 1;
  let unscaled = 0;
  let digits = 0;
  /** Fraction digits kept; -1 before the point. */
  let fraction = -1;
  for (; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === CHAR_DOT && fraction < 0) {
      fraction = 0;
      continue;
    }
    const d = c - CHAR_0;
    if (d < 0 || d > 9) return decimalValueExact(text, scale);
    if (fraction >= 0) {
      if (fraction === scale) continue;
      fraction++;
    }
    unscaled = unscaled * 10 + d;
    // Past 15 digits a double may round: the exact path takes it.
    if (++digits > 15) return decimalValueExact(text, scale);
  }
  for (let k = Math.max(fraction, 0); k < scale; k++) unscaled *= 10;
  if (!Number.isSafeInteger(unscaled)) return decimalValueExact(text, scale);
  return { unscaled: BigInt(negative ? -unscaled : unscaled), scale };
}

function decimalValueExact(text: string, scale: number): DecimalValue {
  const negative = text.startsWith('-');
  const body = negative || text.startsWith('+') ? text.slice(1) : text;
  const [int = '0', frac = ''] = body.split('.');
  const digits = `${int}${frac.padEnd(scale, '0').slice(0, scale)}`;
  const unscaled = BigInt(digits === '' ? '0' : digits);
  return { unscaled: negative ? -unscaled : unscaled, scale };
}
