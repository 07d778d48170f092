import { ColumnType, JsonOpaque } from './binlog/index.ts';
import type { JsonValue } from './binlog/index.ts';

/**
 * A decoded MySQL binary JSON document as JSON text, the way Debezium's JsonBinary prints it:
 * 64-bit integers in full (JSON.stringify would round them), DECIMALs kept inside a document as
 * their exact number, dates and times as strings, other opaque values as base64 strings.
 */
export function jsonDocumentText(value: JsonValue): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'null';
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'string') return JSON.stringify(value);
  if (value instanceof JsonOpaque) {
    if (typeof value.value !== 'string') return JSON.stringify(Buffer.from(value.value).toString('base64'));
    return value.mysqlType === ColumnType.NEWDECIMAL || value.mysqlType === ColumnType.DECIMAL ? value.value : JSON.stringify(value.value);
  }
  if (Array.isArray(value)) return `[${value.map(jsonDocumentText).join(',')}]`;
  return `{${Object.keys(value)
    .map((key) => `${JSON.stringify(key)}:${jsonDocumentText(value[key]!)}`)
    .join(',')}}`;
}
