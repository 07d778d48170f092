import { ColumnType, JsonDouble, JsonOpaque } from './binlog/index.ts';
import type { JsonValue } from './binlog/index.ts';

/**
 * A decoded MySQL binary JSON document as JSON text, the way Debezium's JsonBinary prints it:
 * 64-bit integers in full (JSON.stringify would round them), doubles as its JsonStringFormatter
 * does, DECIMALs kept inside a document as their exact number, dates and times as strings, other
 * opaque values as base64 strings.
 */
export function jsonDocumentText(value: JsonValue): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'null';
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'string') return JSON.stringify(value);
  if (value instanceof JsonDouble) return javaJsonDouble(value.value);
  if (value instanceof JsonOpaque) {
    if (typeof value.value !== 'string') return JSON.stringify(Buffer.from(value.value).toString('base64'));
    return value.mysqlType === ColumnType.NEWDECIMAL || value.mysqlType === ColumnType.DECIMAL ? value.value : JSON.stringify(value.value);
  }
  if (Array.isArray(value)) return `[${value.map(jsonDocumentText).join(',')}]`;
  return `{${Object.keys(value)
    .map((key) => `${JSON.stringify(key)}:${jsonDocumentText(value[key]!)}`)
    .join(',')}}`;
}

/**
 * The binlog client's JsonStringFormatter.value(double): Java's Double.toString (shortest digits,
 * at least one after the point: 1.0, 2.5, 0.001) when that has no exponent, which is for
 * magnitudes in [1e-3, 1e7); otherwise new BigDecimal(d).toPlainString(), the exact binary value
 * in plain digits (1e20 → 100000000000000000000, 1e-7 → 0.0000000999999999999999954748…).
 */
export function javaJsonDouble(d: number): string {
  if (!Number.isFinite(d)) return 'null';
  if (d === 0) return Object.is(d, -0) ? '-0.0' : '0.0';
  const magnitude = Math.abs(d);
  if (magnitude >= 1e-3 && magnitude < 1e7) {
    const text = String(d);
    return text.includes('.') ? text : `${text}.0`;
  }
  return exactPlainDecimal(d);
}

const DOUBLE_BITS = new DataView(new ArrayBuffer(8));

/** The exact value of a finite double in plain decimal digits, as BigDecimal.toPlainString prints new BigDecimal(d). */
function exactPlainDecimal(d: number): string {
  DOUBLE_BITS.setFloat64(0, d);
  const high = DOUBLE_BITS.getUint32(0);
  const biased = (high >>> 20) & 0x7ff;
  let mantissa = (BigInt(high & 0xfffff) << 32n) | BigInt(DOUBLE_BITS.getUint32(4));
  let exponent = biased === 0 ? -1074 : biased - 1075;
  if (biased !== 0) mantissa |= 1n << 52n;
  while (exponent < 0 && (mantissa & 1n) === 0n) {
    mantissa >>= 1n;
    exponent++;
  }
  const sign = d < 0 ? '-' : '';
  if (exponent >= 0) return `${sign}${(mantissa << BigInt(exponent)).toString()}`;
  // m / 2^k = m·5^k / 10^k: k fraction digits, the last one a 5.
  const scale = -exponent;
  const digits = (mantissa * 5n ** BigInt(scale)).toString().padStart(scale + 1, '0');
  return `${sign}${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
}
