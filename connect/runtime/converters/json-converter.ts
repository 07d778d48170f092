import type { FromSchema } from 'json-schema-to-ts';
import type { ConfigSchema, Converter, HeaderConverter, Schema, SchemaAndValue } from '../../api/index.ts';
import { dataError } from '../../api/index.ts';
import { isPlainObject } from '../data/schemas.ts';
import { parseJson } from './exact-json.ts';
import { schemaFromJson, valueFromJson } from './json-reader.ts';
import { schemaJson, valueJson } from './json-writer.ts';
import type { JsonWriteOptions } from './json-writer.ts';
import { compileValueWriter } from './json-value-writer.ts';
import type { ValueWriter } from './json-value-writer.ts';
import { JsonSink } from './json-sink.ts';

/** Kafka's JsonConverterConfig. */
export const JSON_CONVERTER_CONFIG_SCHEMA = {
  type: 'object',
  properties: {
    'schemas.enable': { type: 'boolean', default: true, description: 'Include schemas within each of the serialized values and keys.' },
    'schemas.cache.size': { type: 'integer', minimum: 0, default: 1000, description: 'Maximum number of schemas that can be cached in the JSON converter.' },
    'decimal.format': {
      enum: ['BASE64', 'NUMERIC'],
      default: 'BASE64',
      description: 'How Decimal values are written: BASE64 (their bytes) or NUMERIC (a JSON number).',
    },
    'replace.null.with.default': {
      type: 'boolean',
      default: true,
      description: 'Whether a null field that has a default value is written as that default.',
    },
    'converter.type': { enum: ['key', 'value', 'header'], description: 'Set by the worker: whether this converter is for keys, values or headers.' },
  },
} as const satisfies ConfigSchema;
export type JsonConverterConfig = FromSchema<typeof JSON_CONVERTER_CONFIG_SCHEMA>;

const ENVELOPE_ERROR =
  'JsonConverter with schemas.enable requires "schema" and "payload" fields and may not contain additional fields. If you are trying to deserialize plain JSON data, set schemas.enable=false in your converter configuration.';

/** What a schema's records share: the envelope's bytes up to the payload, and the payload's writer. */
interface SchemaWriter {
  /** `{"schema":...,"payload":` as UTF-8; empty without schemas.enable. */
  readonly head: Buffer;
  readonly write: ValueWriter;
}

const ENVELOPE_END = 0x7d; // '}'
const SLAB_BYTES = 256 * 1024;

/**
 * Kafka's JsonConverter, byte-compatible: with schemas.enable (the default) every key or value is
 * `{"schema":{...},"payload":...}`; without, the bare payload. Per schema object (a source task
 * usually sends the same one with every record) the envelope's head is encoded once and the
 * payload writer compiled once, so a record costs its payload: the head, often kilobytes for a
 * change event, is copied as bytes, not serialized and encoded again. The cache holds at most
 * schemas.cache.size schema objects, keyed by identity: a changed schema is a new object, so it
 * gets its own head.
 */
export class JsonConverter implements Converter, HeaderConverter {
  private enableSchemas = true;
  private options: JsonWriteOptions = { decimalNumeric: false, replaceNullWithDefault: true };
  private cacheSize = 1000;
  private readonly writers = new Map<Schema, SchemaWriter>();
  private readonly sink = new JsonSink(SLAB_BYTES);
  private readonly schemasByText = new Map<string, Schema | null>();

  configure(config: Readonly<Record<string, unknown>>): void {
    const c = config as Partial<JsonConverterConfig>;
    this.enableSchemas = c['schemas.enable'] ?? true;
    this.cacheSize = c['schemas.cache.size'] ?? 1000;
    this.options = { decimalNumeric: c['decimal.format'] === 'NUMERIC', replaceNullWithDefault: c['replace.null.with.default'] ?? true };
    this.writers.clear();
  }

  fromConnectData(_topic: string, schema: Schema | null, value: unknown): Uint8Array | null {
    if (schema === null) {
      if (value === null || value === undefined) return null;
      const payload = valueJson(null, value, this.options);
      return Buffer.from(this.enableSchemas ? `{"schema":null,"payload":${payload}}` : payload, 'utf8');
    }
    const { head, write } = this.writerOf(schema);
    const sink = this.sink;
    sink.begin();
    sink.bytes(head);
    write(sink, value);
    if (head.length > 0) sink.byte(ENVELOPE_END);
    return sink.end();
  }

  toConnectData(_topic: string, value: Uint8Array | null): SchemaAndValue {
    // A tombstone stays a tombstone.
    if (value === null) return { schema: null, value: null };
    const json = parseJson(Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('utf8'));
    if (!this.enableSchemas) return { schema: null, value: valueFromJson(null, json) };
    if (!isPlainObject(json) || Object.keys(json).length !== 2 || !('schema' in json) || !('payload' in json)) throw dataError(ENVELOPE_ERROR);
    const schema = this.schemaOf(json['schema']);
    return { schema, value: valueFromJson(schema, json['payload']) };
  }

  fromConnectHeader(topic: string, _headerKey: string, schema: Schema | null, value: unknown): Uint8Array | null {
    return this.fromConnectData(topic, schema, value);
  }

  toConnectHeader(topic: string, _headerKey: string, value: Uint8Array | null): SchemaAndValue {
    return this.toConnectData(topic, value);
  }

  private writerOf(schema: Schema): SchemaWriter {
    let writer = this.writers.get(schema);
    if (writer === undefined) {
      writer = {
        head: this.enableSchemas ? Buffer.from(`{"schema":${schemaJson(schema, this.options)},"payload":`, 'utf8') : Buffer.alloc(0),
        write: compileValueWriter(schema, this.options),
      };
      if (this.cacheSize > 0) {
        if (this.writers.size >= this.cacheSize) this.writers.delete(this.writers.keys().next().value!);
        this.writers.set(schema, writer);
      }
    }
    return writer;
  }

  private schemaOf(json: unknown): Schema | null {
    if (json === null) return null;
    const key = JSON.stringify(json, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
    let schema = this.schemasByText.get(key);
    if (schema === undefined) {
      schema = schemaFromJson(json);
      if (this.cacheSize > 0) {
        if (this.schemasByText.size >= this.cacheSize) this.schemasByText.delete(this.schemasByText.keys().next().value!);
        this.schemasByText.set(key, schema);
      }
    }
    return schema;
  }
}
