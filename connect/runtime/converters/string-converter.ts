import type { ConfigSchema, Converter, HeaderConverter, Schema, SchemaAndValue } from '../../api/index.ts';
import { Schemas, dataError } from '../../api/index.ts';
import { valueJson } from './json-writer.ts';
import { utf8Text } from './utf8-text.ts';

export const STRING_CONVERTER_CONFIG_SCHEMA = {
  type: 'object',
  properties: {
    'converter.encoding': { enum: ['UTF8', 'UTF-8', 'utf8', 'utf-8'], default: 'UTF8', description: 'The character encoding (only UTF-8).' },
    'converter.type': { enum: ['key', 'value', 'header'] },
  },
} as const satisfies ConfigSchema;

const WRITE_OPTIONS = { decimalNumeric: true, replaceNullWithDefault: true } as const;

/**
 * Kafka's StringConverter: values written as their string form (Java's toString: a struct or map
 * becomes text, not JSON, in Kafka; here JSON, which is at least readable back), read back as
 * optional strings.
 */
export class StringConverter implements Converter, HeaderConverter {
  configure(): void {
    // UTF-8 is the only encoding; nothing else to set.
  }

  fromConnectData(_topic: string, schema: Schema | null, value: unknown): Uint8Array | null {
    if (value === null || value === undefined) return null;
    if (typeof value === 'string') return Buffer.from(value, 'utf8');
    if (value instanceof Uint8Array) throw dataError('StringConverter cannot write bytes; use the ByteArrayConverter');
    // Numbers and booleans print as Java does; structured values as JSON.
    return Buffer.from(valueJson(schema, value, WRITE_OPTIONS).replace(/^"(.*)"$/s, '$1'), 'utf8');
  }

  toConnectData(_topic: string, value: Uint8Array | null): SchemaAndValue {
    return { schema: Schemas.OPTIONAL_STRING, value: value === null ? null : utf8Text(value) };
  }

  fromConnectHeader(topic: string, _key: string, schema: Schema | null, value: unknown): Uint8Array | null {
    return this.fromConnectData(topic, schema, value);
  }

  toConnectHeader(topic: string, _key: string, value: Uint8Array | null): SchemaAndValue {
    return this.toConnectData(topic, value);
  }
}
