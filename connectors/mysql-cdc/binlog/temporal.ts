import type { ByteReader } from './byte-reader.ts';
import { malformed } from './errors.ts';

/**
 * Temporal column values as MySQL prints them, with exactly the column's fractional digits, so
 * no value is rounded or truncated: DATE `YYYY-MM-DD`, DATETIME/TIMESTAMP `YYYY-MM-DD HH:MM:SS[.f]`
 * (TIMESTAMP in UTC), TIME `[-]HH:MM:SS[.f]`. Zero dates and zero parts (`0000-00-00`) are kept.
 *
 * Layouts: MySQL's mysys/my_time.cc (my_datetime_packed_from_binary, my_time_packed_from_binary,
 * my_timestamp_from_binary) for the 5.6.4+ "2" formats, sql/field.cc for the old ones.
 */

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

function pad4(n: number): string {
  return String(n).padStart(4, '0');
}

function fractionDigits(micros: number, fsp: number): string {
  return fsp === 0 ? '' : `.${String(micros).padStart(6, '0').slice(0, fsp)}`;
}

function checkFsp(fsp: number): void {
  if (fsp > 6) throw malformed(`fractional seconds precision ${fsp} is above 6`);
}

/** Microseconds of the 0–3 fraction bytes that follow the integer part. */
function readFraction(r: ByteReader, fsp: number): number {
  switch (fsp) {
    case 0:
      return 0;
    case 1:
    case 2:
      return r.u8('fractional seconds') * 10_000;
    case 3:
    case 4:
      return r.uintBE(2, 'fractional seconds') * 100;
    default:
      return r.uintBE(3, 'fractional seconds');
  }
}

export function readDatetime2(r: ByteReader, fsp: number): string {
  checkFsp(fsp);
  const packed = r.uintBE(5, 'DATETIME2') - 0x80_0000_0000;
  const micros = readFraction(r, fsp);
  if (packed < 0) throw malformed('DATETIME2 value is negative');
  const ymd = Math.floor(packed / 0x2_0000);
  const hms = packed % 0x2_0000;
  const ym = Math.floor(ymd / 32);
  const day = ymd % 32;
  const year = Math.floor(ym / 13);
  const month = ym % 13;
  return `${pad4(year)}-${pad2(month)}-${pad2(day)} ${pad2(hms >> 12)}:${pad2((hms >> 6) & 63)}:${pad2(hms & 63)}${fractionDigits(micros, fsp)}`;
}

export function readTimestamp2(r: ByteReader, fsp: number): string {
  checkFsp(fsp);
  const seconds = r.uintBE(4, 'TIMESTAMP2');
  const micros = readFraction(r, fsp);
  return formatEpochSeconds(seconds) + fractionDigits(micros, fsp);
}

export function readTimestamp(r: ByteReader): string {
  return formatEpochSeconds(r.u32('TIMESTAMP'));
}

/** UTC calendar time of epoch seconds; 0 is MySQL's zero timestamp. */
function formatEpochSeconds(seconds: number): string {
  if (seconds === 0) return '0000-00-00 00:00:00';
  const days = Math.floor(seconds / 86_400);
  const rest = seconds - days * 86_400;
  // Howard Hinnant's civil_from_days, for days since 1970-01-01 (all non-negative here).
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  const hour = Math.floor(rest / 3600);
  const minute = Math.floor((rest % 3600) / 60);
  return `${pad4(year)}-${pad2(month)}-${pad2(day)} ${pad2(hour)}:${pad2(minute)}:${pad2(rest % 60)}`;
}

const INT_OFFSET = 0x80_0000;
const TIME_OFFSET = 0x8000_0000_0000;
const FRAC_UNIT = 0x100_0000;

export function readTime2(r: ByteReader, fsp: number): string {
  checkFsp(fsp);
  // The value as MySQL's packed "hms << 24 | micros", signed.
  let packed: number;
  switch (fsp) {
    case 0:
      packed = (r.uintBE(3, 'TIME2') - INT_OFFSET) * FRAC_UNIT;
      break;
    case 1:
    case 2: {
      let intPart = r.uintBE(3, 'TIME2') - INT_OFFSET;
      let frac = r.u8('TIME2 fraction');
      // Negative values store the fraction counted down from the next integer, for sorting.
      if (intPart < 0 && frac !== 0) {
        intPart++;
        frac -= 0x100;
      }
      packed = intPart * FRAC_UNIT + frac * 10_000;
      break;
    }
    case 3:
    case 4: {
      let intPart = r.uintBE(3, 'TIME2') - INT_OFFSET;
      let frac = r.uintBE(2, 'TIME2 fraction');
      if (intPart < 0 && frac !== 0) {
        intPart++;
        frac -= 0x1_0000;
      }
      packed = intPart * FRAC_UNIT + frac * 100;
      break;
    }
    default:
      packed = r.uintBE(6, 'TIME2') - TIME_OFFSET;
  }
  const negative = packed < 0;
  const abs = Math.abs(packed);
  const hms = Math.floor(abs / FRAC_UNIT);
  const micros = abs % FRAC_UNIT;
  if (micros > 999_999) throw malformed(`TIME2 fraction ${micros} is above 999999`);
  const hour = Math.floor(hms / 4096) % 1024;
  return `${negative ? '-' : ''}${pad2(hour)}:${pad2(Math.floor(hms / 64) % 64)}:${pad2(hms % 64)}${fractionDigits(micros, fsp)}`;
}

/** Pre-5.6.4 TIME: a signed 3-byte integer HHMMSS. */
export function readTime(r: ByteReader): string {
  const raw = r.u24('TIME');
  const value = raw >= 0x80_0000 ? raw - 0x100_0000 : raw;
  const abs = Math.abs(value);
  return `${value < 0 ? '-' : ''}${pad2(Math.floor(abs / 10_000))}:${pad2(Math.floor(abs / 100) % 100)}:${pad2(abs % 100)}`;
}

/** Pre-5.6.4 DATETIME: an 8-byte integer YYYYMMDDhhmmss. */
export function readDatetime(r: ByteReader): string {
  const low = r.u32('DATETIME');
  const high = r.u32('DATETIME');
  const value = high * 0x1_0000_0000 + low;
  if (!Number.isSafeInteger(value)) throw malformed('DATETIME value is out of range');
  const date = Math.floor(value / 1_000_000);
  const time = value % 1_000_000;
  return `${pad4(Math.floor(date / 10_000) % 10_000)}-${pad2(Math.floor(date / 100) % 100)}-${pad2(date % 100)} ${pad2(Math.floor(time / 10_000))}:${pad2(Math.floor(time / 100) % 100)}:${pad2(time % 100)}`;
}

/** DATE: 3 bytes, day in bits 0–4, month 5–8, year 9–23. */
export function readDate(r: ByteReader): string {
  const v = r.u24('DATE');
  return `${pad4(v >> 9)}-${pad2((v >> 5) & 15)}-${pad2(v & 31)}`;
}

/**
 * The packed temporal form MySQL keeps inside binary JSON and uses in memory
 * (`TIME_to_longlong_*_packed`): a signed 64-bit `ymdhms << 24 | micros`.
 */
export function formatPackedDatetime(packed: bigint, kind: 'date' | 'datetime'): string {
  const abs = packed < 0n ? -packed : packed;
  const whole = Number(abs >> 24n);
  const micros = Number(abs & 0xff_ffffn);
  const ymd = Math.floor(whole / 0x2_0000);
  const hms = whole % 0x2_0000;
  const ym = Math.floor(ymd / 32);
  const date = `${pad4(Math.floor(ym / 13))}-${pad2(ym % 13)}-${pad2(ymd % 32)}`;
  if (kind === 'date') return date;
  return `${date} ${pad2(hms >> 12)}:${pad2((hms >> 6) & 63)}:${pad2(hms & 63)}.${String(micros).padStart(6, '0')}`;
}

export function formatPackedTime(packed: bigint): string {
  const negative = packed < 0n;
  const abs = negative ? -packed : packed;
  const hms = Number(abs >> 24n);
  const micros = Number(abs & 0xff_ffffn);
  return `${negative ? '-' : ''}${pad2(Math.floor(hms / 4096) % 1024)}:${pad2(Math.floor(hms / 64) % 64)}:${pad2(hms % 64)}.${String(micros).padStart(6, '0')}`;
}
