/**
 * A record value as one line of text: a string as it is, bytes as they are (a pipe from
 * ByteArrayConverter or StringConverter data), anything else as JSON. A tombstone (null) is
 * written as `null`, as Kafka's FileStreamSink prints it.
 */
export function formatValue(value: unknown): string | Uint8Array {
  if (typeof value === 'string') return value;
  if (value instanceof Uint8Array) return value;
  return toJson(value);
}

/**
 * JSON for Connect values: int64 bigints as plain numbers (every digit kept), bytes as base64
 * (as Kafka's JsonConverter writes them), dates as ISO-8601, Decimal values as numbers, maps as
 * objects.
 */
export function toJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? String(value) : JSON.stringify(String(value));
    case 'bigint':
      return value.toString();
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      break;
    case 'undefined':
    case 'function':
    case 'symbol':
      return 'null';
  }
  if (value instanceof Uint8Array) return JSON.stringify(Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64'));
  if (value instanceof Date) return JSON.stringify(Number.isNaN(value.getTime()) ? null : value.toISOString());
  if (Array.isArray(value)) return `[${value.map(toJson).join(',')}]`;
  if (value instanceof Map) return `{${[...value].map(([k, v]) => `${JSON.stringify(String(k))}:${toJson(v)}`).join(',')}}`;
  const object = value as Record<string, unknown>;
  if (isDecimal(object)) return decimalText(object.unscaled, object.scale);
  return `{${Object.entries(object)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${JSON.stringify(k)}:${toJson(v)}`)
    .join(',')}}`;
}

function isDecimal(object: Record<string, unknown>): object is { unscaled: bigint; scale: number } {
  const keys = Object.keys(object);
  return keys.length === 2 && typeof object['unscaled'] === 'bigint' && typeof object['scale'] === 'number' && Number.isInteger(object['scale']);
}

function decimalText(unscaled: bigint, scale: number): string {
  if (scale <= 0) return (unscaled * 10n ** BigInt(-scale)).toString();
  const negative = unscaled < 0n;
  const digits = (negative ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
  return `${negative ? '-' : ''}${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
}
