import type { ByteReader } from './byte-reader.ts';
import { malformed } from './errors.ts';

/**
 * MySQL's binary DECIMAL (strings/decimal.c, decimal2bin): the integer and fraction digits are
 * stored big-endian in groups of nine per 4 bytes, a leading (integer) or trailing (fraction)
 * partial group in as few bytes as its digits need. The sign is the first bit, inverted, and a
 * negative number has every byte inverted, so the bytes sort like the numbers.
 */
const DIGITS_PER_WORD = 9;
const BYTES_FOR_DIGITS = [0, 1, 1, 2, 2, 3, 3, 4, 4, 4] as const;
const MAX_FOR_DIGITS = [0, 9, 99, 999, 9999, 99999, 999999, 9999999, 99999999, 999999999] as const;

export function decimalBinarySize(precision: number, scale: number): number {
  const intg = precision - scale;
  const intg0 = Math.floor(intg / DIGITS_PER_WORD);
  const frac0 = Math.floor(scale / DIGITS_PER_WORD);
  return intg0 * 4 + BYTES_FOR_DIGITS[intg - intg0 * DIGITS_PER_WORD]! + frac0 * 4 + BYTES_FOR_DIGITS[scale - frac0 * DIGITS_PER_WORD]!;
}

/** The exact decimal as a string: `-12.50`, `0.001`, `123` (scale digits always written). */
export function readDecimal(r: ByteReader, precision: number, scale: number): string {
  if (precision < 1 || precision > 65 || scale < 0 || scale > 38 || scale > precision) {
    throw malformed(`DECIMAL(${precision},${scale}) is not a valid precision and scale`);
  }
  const size = decimalBinarySize(precision, scale);
  const bytes = r.view(size, 'DECIMAL value');
  const negative = (bytes[0]! & 0x80) === 0;
  const mask = negative ? 0xff : 0;
  const intg = precision - scale;
  const intg0 = Math.floor(intg / DIGITS_PER_WORD);
  const intg0x = intg - intg0 * DIGITS_PER_WORD;
  const frac0 = Math.floor(scale / DIGITS_PER_WORD);
  const frac0x = scale - frac0 * DIGITS_PER_WORD;
  let pos = 0;

  let integer = '';
  if (intg0x > 0) {
    const n = BYTES_FOR_DIGITS[intg0x]!;
    integer = String(group(bytes, pos, n, mask, intg0x));
    pos += n;
  }
  for (let i = 0; i < intg0; i++, pos += 4) {
    const word = group(bytes, pos, 4, mask, DIGITS_PER_WORD);
    integer = integer === '' || integer === '0' ? String(word) : integer + String(word).padStart(DIGITS_PER_WORD, '0');
  }
  if (integer === '') integer = '0';

  let fraction = '';
  for (let i = 0; i < frac0; i++, pos += 4) fraction += String(group(bytes, pos, 4, mask, DIGITS_PER_WORD)).padStart(DIGITS_PER_WORD, '0');
  if (frac0x > 0) fraction += String(group(bytes, pos, BYTES_FOR_DIGITS[frac0x]!, mask, frac0x)).padStart(frac0x, '0');

  const digits = scale > 0 ? `${integer}.${fraction}` : integer;
  // Negative zero is not a number MySQL writes, but a corrupt sign bit must not print "-0".
  return negative && /[1-9]/.test(digits) ? `-${digits}` : digits;
}

/** A big-endian group of `n` bytes holding at most `digits` decimal digits. */
function group(bytes: Buffer, pos: number, n: number, mask: number, digits: number): number {
  let v = 0;
  // The sign bit is inverted in the first byte only; a negative number has every byte inverted.
  for (let i = 0; i < n; i++) v = v * 256 + ((pos + i === 0 ? bytes[0]! ^ 0x80 : bytes[pos + i]!) ^ mask);
  if (v > MAX_FOR_DIGITS[digits]!) throw malformed(`DECIMAL group ${v} has more than ${digits} digits`);
  return v;
}
