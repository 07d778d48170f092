import type { ConfigSchema, Converter, HeaderConverter, Schema, SchemaAndValue } from '../../api/index.ts';
import { Schemas, SchemaType, dataError } from '../../api/index.ts';

export const BYTE_ARRAY_CONVERTER_CONFIG_SCHEMA = {
  type: 'object',
  properties: { 'converter.type': { enum: ['key', 'value', 'header'] } },
} as const satisfies ConfigSchema;

/** Kafka's ByteArrayConverter: bytes pass through untouched, read back as optional bytes. */
export class ByteArrayConverter implements Converter, HeaderConverter {
  configure(): void {
    // Nothing to configure.
  }

  fromConnectData(_topic: string, schema: Schema | null, value: unknown): Uint8Array | null {
    if (schema !== null && schema.type !== SchemaType.BYTES) throw dataError(`Invalid schema type for ByteArrayConverter: ${schema.type}`);
    if (value === null || value === undefined) return null;
    if (!(value instanceof Uint8Array)) throw dataError('ByteArrayConverter is not compatible with objects of this type: it writes bytes only');
    return value;
  }

  toConnectData(_topic: string, value: Uint8Array | null): SchemaAndValue {
    return { schema: Schemas.OPTIONAL_BYTES, value };
  }

  fromConnectHeader(topic: string, _key: string, schema: Schema | null, value: unknown): Uint8Array | null {
    return this.fromConnectData(topic, schema, value);
  }

  toConnectHeader(topic: string, _key: string, value: Uint8Array | null): SchemaAndValue {
    return this.toConnectData(topic, value);
  }
}
