import type { JsonSchema } from '../../api/index.ts';

/**
 * Kafka configs are strings ("tasks.max": "1"); JSON Schemas say integer. Each string is parsed
 * to its property's type before validation, as Kafka's ConfigDef.parseType does (trimmed;
 * booleans case-insensitive; lists comma-separated). A string that does not parse stays a
 * string, so the schema reports the field by name.
 */
export function coerceConfig(schema: JsonSchema, raw: Readonly<Record<string, string>>): Record<string, unknown> {
  const properties = (schema['properties'] ?? {}) as Readonly<Record<string, JsonSchema>>;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    // defineProperty: a "__proto__" key must stay data.
    Object.defineProperty(out, key, { value: coerceValue(properties[key], value), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

function typesOf(schema: JsonSchema | undefined): string[] {
  const type = schema?.['type'];
  if (typeof type === 'string') return [type];
  if (Array.isArray(type)) return type.filter((t): t is string => typeof t === 'string');
  return [];
}

export function coerceValue(schema: JsonSchema | undefined, value: string): unknown {
  const types = typesOf(schema);
  const trimmed = value.trim();
  if (types.includes('array')) return trimmed === '' ? [] : trimmed.split(',').map((s) => s.trim());
  if (types.includes('integer') && /^[+-]?\d+$/.test(trimmed)) {
    const n = Number(trimmed);
    if (Number.isSafeInteger(n)) return n;
  }
  if (types.includes('number') && trimmed !== '' && Number.isFinite(Number(trimmed))) return Number(trimmed);
  if (types.includes('boolean')) {
    const lower = trimmed.toLowerCase();
    if (lower === 'true') return true;
    if (lower === 'false') return false;
  }
  return trimmed;
}

/**
 * A config value from a REST body as Kafka's string map holds it: Jackson turns numbers and
 * booleans into strings; objects and arrays are refused. undefined means "not a config value".
 */
export function toConfigString(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return undefined;
}
