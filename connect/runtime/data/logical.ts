import type { DecimalValue, Schema } from '../../api/index.ts';
import { DECIMAL_SCALE_PARAMETER, LogicalTypeName, dataError } from '../../api/index.ts';

const MS_PER_DAY = 86_400_000;

/** BigInteger.toByteArray: the shortest big-endian two's complement form (at least one byte). */
export function bigintToBytes(value: bigint): Buffer {
  // The fewest bytes n with -2^(8n-1) <= value < 2^(8n-1).
  let width = 1;
  while (value >= 1n << BigInt(width * 8 - 1) || value < -(1n << BigInt(width * 8 - 1))) width++;
  const unsigned = value < 0n ? (1n << BigInt(width * 8)) + value : value;
  return Buffer.from(unsigned.toString(16).padStart(width * 2, '0'), 'hex');
}

/** new BigInteger(bytes): big-endian two's complement. */
export function bytesToBigint(bytes: Uint8Array): bigint {
  if (bytes.length === 0) return 0n;
  const unsigned = BigInt(`0x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')}`);
  return (bytes[0]! & 0x80) !== 0 ? unsigned - (1n << BigInt(bytes.length * 8)) : unsigned;
}

/** The scale a Decimal schema declares. */
export function decimalScale(schema: Schema): number {
  const raw = schema.parameters?.[DECIMAL_SCALE_PARAMETER];
  const scale = raw === undefined ? NaN : Number(raw);
  if (!Number.isInteger(scale)) throw dataError(`invalid Decimal schema: parameter "${DECIMAL_SCALE_PARAMETER}" is ${raw ?? 'missing'}`);
  return scale;
}

/** A decimal as Kafka's BigDecimal.toPlainString(). */
export function formatDecimal(value: DecimalValue): string {
  const negative = value.unscaled < 0n;
  let digits = (negative ? -value.unscaled : value.unscaled).toString();
  if (value.scale <= 0) return `${negative ? '-' : ''}${digits}${'0'.repeat(-value.scale)}`;
  digits = digits.padStart(value.scale + 1, '0');
  return `${negative ? '-' : ''}${digits.slice(0, -value.scale)}.${digits.slice(-value.scale)}`;
}

/** Parses "123.45" (or "1.2E+3") into a decimal with the given scale, exactly; throws when digits would be lost. */
export function parseDecimal(text: string, scale: number): DecimalValue {
  const match = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text.trim());
  if (match === null || (match[2] === '' && (match[3] ?? '') === '')) throw dataError(`invalid decimal "${text}"`);
  const sign = match[1] === '-' ? -1n : 1n;
  const fraction = match[3] ?? '';
  const exponent = Number(match[4] ?? '0');
  let unscaled = BigInt(`${match[2] ?? ''}${fraction}` || '0');
  const currentScale = fraction.length - exponent;
  const diff = scale - currentScale;
  if (diff >= 0) unscaled *= 10n ** BigInt(diff);
  else {
    const divisor = 10n ** BigInt(-diff);
    if (unscaled % divisor !== 0n) throw dataError(`decimal "${text}" has more digits than scale ${scale} allows`);
    unscaled /= divisor;
  }
  return { unscaled: sign * unscaled, scale };
}

export function isDecimalValue(value: unknown): value is DecimalValue {
  return typeof value === 'object' && value !== null && typeof (value as DecimalValue).unscaled === 'bigint' && typeof (value as DecimalValue).scale === 'number';
}

/**
 * A logical value in its underlying form (Kafka's fromLogical): Decimal → unscaled bytes,
 * Date → days, Time → ms of the day, Timestamp → ms. Encoded forms pass through.
 */
export function fromLogical(schema: Schema, value: unknown): unknown {
  switch (schema.name ?? '') {
    case LogicalTypeName.DECIMAL: {
      if (value instanceof Uint8Array) return value;
      if (!isDecimalValue(value)) throw dataError(`invalid type for Decimal: expected { unscaled, scale }, got ${typeName(value)}`);
      const scale = decimalScale(schema);
      if (value.scale !== scale) throw dataError(`Decimal scale mismatch: the schema says ${scale}, the value has ${value.scale}`);
      return bigintToBytes(value.unscaled);
    }
    case LogicalTypeName.DATE: {
      if (typeof value === 'number') return value;
      if (!(value instanceof Date)) throw dataError(`invalid type for Date: expected a Date, got ${typeName(value)}`);
      const ms = value.getTime();
      if (ms % MS_PER_DAY !== 0) throw dataError('Kafka Connect Date type should not have any time fields set to non-zero values.');
      return ms / MS_PER_DAY;
    }
    case LogicalTypeName.TIME: {
      if (typeof value === 'number') return value;
      if (!(value instanceof Date)) throw dataError(`invalid type for Time: expected a Date, got ${typeName(value)}`);
      const ms = value.getTime();
      if (ms < 0 || ms >= MS_PER_DAY) throw dataError('Kafka Connect Time type should not have any date fields set to non-zero values.');
      return ms;
    }
    case LogicalTypeName.TIMESTAMP: {
      if (typeof value === 'number' || typeof value === 'bigint') return value;
      if (!(value instanceof Date)) throw dataError(`invalid type for Timestamp: expected a Date, got ${typeName(value)}`);
      return BigInt(value.getTime());
    }
    default:
      return value;
  }
}

/** The logical value of an underlying one (Kafka's toLogical). */
export function toLogical(schema: Schema, value: unknown): unknown {
  switch (schema.name ?? '') {
    case LogicalTypeName.DECIMAL:
      if (!(value instanceof Uint8Array)) throw dataError('invalid type for Decimal: the underlying value should be bytes');
      return { unscaled: bytesToBigint(value), scale: decimalScale(schema) } satisfies DecimalValue;
    case LogicalTypeName.DATE:
      return new Date(Number(value) * MS_PER_DAY);
    case LogicalTypeName.TIME:
    case LogicalTypeName.TIMESTAMP:
      return new Date(Number(value));
    default:
      return value;
  }
}

export function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (value instanceof Uint8Array) return 'bytes';
  if (value instanceof Map) return 'Map';
  if (value instanceof Date) return 'Date';
  return typeof value;
}
