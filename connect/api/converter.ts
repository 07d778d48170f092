import type { Header } from './records.ts';
import type { Schema, SchemaAndValue } from './schema.ts';

/**
 * Kafka's Converter: between Connect data (schema + value) and the bytes of a Kafka record's key
 * or value. configure() is called once, with the `key.converter.*` or `value.converter.*`
 * settings (prefix removed) and whether it converts keys.
 */
export interface Converter {
  configure(config: Readonly<Record<string, unknown>>, isKey: boolean): void;
  /** Serialises; null (a tombstone, or a null key) stays null. */
  fromConnectData(topic: string, schema: Schema | null, value: unknown, headers?: readonly Header[]): Uint8Array | null;
  /** Deserialises; throws a data ConnectError on bytes it cannot read. */
  toConnectData(topic: string, value: Uint8Array | null, headers?: readonly Header[]): SchemaAndValue;
}

/** Kafka's HeaderConverter: one header value to and from bytes. */
export interface HeaderConverter {
  configure(config: Readonly<Record<string, unknown>>): void;
  fromConnectHeader(topic: string, headerKey: string, schema: Schema | null, value: unknown): Uint8Array | null;
  toConnectHeader(topic: string, headerKey: string, value: Uint8Array | null): SchemaAndValue;
}
