import type { ConfigSchema, HeaderConverter, Schema, SchemaAndValue } from '../../api/index.ts';
import { Schemas } from '../../api/index.ts';
import { valueJson } from './json-writer.ts';
import { utf8Text } from './utf8-text.ts';

export const SIMPLE_HEADER_CONVERTER_CONFIG_SCHEMA = {
  type: 'object',
  properties: { 'converter.type': { enum: ['key', 'value', 'header'] }, 'converter.encoding': { type: 'string', default: 'UTF8' } },
} as const satisfies ConfigSchema;

/** Shared: a header converter runs once per header of every record. */
const WRITE_OPTIONS = { decimalNumeric: true, replaceNullWithDefault: true } as const;

/**
 * Kafka's SimpleHeaderConverter, the default header converter: strings as UTF-8, bytes as they
 * are, other values as their text (structures as JSON). Read back as strings: Kafka infers a type
 * from the text, which makes "007" a number; a string keeps what was written.
 */
export class SimpleHeaderConverter implements HeaderConverter {
  configure(): void {
    // UTF-8 only.
  }

  fromConnectHeader(_topic: string, _key: string, schema: Schema | null, value: unknown): Uint8Array | null {
    if (value === null || value === undefined) return null;
    if (typeof value === 'string') return Buffer.from(value, 'utf8');
    if (value instanceof Uint8Array) return value;
    const text = valueJson(schema, value, WRITE_OPTIONS);
    return Buffer.from(text.startsWith('"') ? (JSON.parse(text) as string) : text, 'utf8');
  }

  toConnectHeader(_topic: string, _key: string, value: Uint8Array | null): SchemaAndValue {
    if (value === null) return { schema: null, value: null };
    return { schema: Schemas.STRING, value: utf8Text(value) };
  }
}
