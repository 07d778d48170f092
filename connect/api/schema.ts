/**
 * Kafka Connect's data model: a schema says what a key or value is, so converters can write it
 * (JSON with a schema envelope, for one) and transforms can change it. Schemas are plain frozen
 * data: build them with object literals, or with the constants and builders-by-literal below.
 *
 * Values that go with a schema, by type:
 * - int8, int16, int32, float32, float64: `number`; int64: `bigint` (a `number` that is a safe
 *   integer is accepted from connectors too);
 * - boolean: `boolean`; string: `string`; bytes: `Uint8Array` (a Buffer is one);
 * - array: `unknown[]`; map: `Map<unknown, unknown>` or, for string keys, a plain object;
 * - struct: a plain object `{ [field]: value }` (see `Struct`), one property per schema field.
 * Logical types keep their underlying type's schema and carry a `name`:
 * - Decimal (bytes + `scale` parameter): a `DecimalValue` `{ unscaled: bigint, scale }`;
 * - Date (int32 days), Time (int32 ms of the day), Timestamp (int64 ms since the epoch): a JS `Date`
 *   (the encoded number is accepted too).
 * A record without a schema (schema `null`) carries schemaless JSON-like values, as Kafka's
 * Maps and Lists.
 */

/** Kafka's Schema.Type, with its lower-case JSON names. */
export const SchemaType = {
  INT8: 'int8',
  INT16: 'int16',
  INT32: 'int32',
  INT64: 'int64',
  FLOAT32: 'float32',
  FLOAT64: 'float64',
  BOOLEAN: 'boolean',
  STRING: 'string',
  BYTES: 'bytes',
  ARRAY: 'array',
  MAP: 'map',
  STRUCT: 'struct',
} as const;
export type SchemaType = (typeof SchemaType)[keyof typeof SchemaType];

/** One field of a struct schema. `index` is its position, as Kafka's Field.index(). */
export interface Field {
  readonly name: string;
  readonly index: number;
  readonly schema: Schema;
}

/** A Connect schema (Kafka's ConnectSchema): type, optionality, name/version/doc/parameters. */
export interface Schema {
  readonly type: SchemaType;
  readonly optional: boolean;
  /** The value used for a missing or null field/value, when there is one. */
  readonly defaultValue?: unknown;
  /** A fully qualified name; logical types are recognised by it (see `LogicalTypeName`). */
  readonly name?: string;
  readonly version?: number;
  readonly doc?: string;
  /** String parameters: Decimal's `scale`, Debezium's `allowed` for enums... */
  readonly parameters?: Readonly<Record<string, string>>;
  /** Struct only: its fields, in order. */
  readonly fields?: readonly Field[];
  /** Map only: the key schema. */
  readonly keySchema?: Schema;
  /** Array and map only: the element or map-value schema. */
  readonly valueSchema?: Schema;
}

/** A struct value: one property per field of its schema (absent or null for an optional field). */
export type Struct = Record<string, unknown>;

/** A value with the schema that describes it; `schema` null means schemaless. */
export interface SchemaAndValue {
  readonly schema: Schema | null;
  readonly value: unknown;
}

/** A decimal number, as Kafka's BigDecimal: `unscaled × 10^-scale`. */
export interface DecimalValue {
  readonly unscaled: bigint;
  readonly scale: number;
}

/** Names of Kafka's logical types, as they appear in schema envelopes. */
export const LogicalTypeName = {
  DECIMAL: 'org.apache.kafka.connect.data.Decimal',
  DATE: 'org.apache.kafka.connect.data.Date',
  TIME: 'org.apache.kafka.connect.data.Time',
  TIMESTAMP: 'org.apache.kafka.connect.data.Timestamp',
} as const;
export type LogicalTypeName = (typeof LogicalTypeName)[keyof typeof LogicalTypeName];

/** The parameter of a Decimal schema that holds its scale. */
export const DECIMAL_SCALE_PARAMETER = 'scale';

/** Kafka's Schema.*_SCHEMA constants, required and optional. */
export const Schemas = {
  INT8: { type: 'int8', optional: false },
  INT16: { type: 'int16', optional: false },
  INT32: { type: 'int32', optional: false },
  INT64: { type: 'int64', optional: false },
  FLOAT32: { type: 'float32', optional: false },
  FLOAT64: { type: 'float64', optional: false },
  BOOLEAN: { type: 'boolean', optional: false },
  STRING: { type: 'string', optional: false },
  BYTES: { type: 'bytes', optional: false },
  OPTIONAL_INT8: { type: 'int8', optional: true },
  OPTIONAL_INT16: { type: 'int16', optional: true },
  OPTIONAL_INT32: { type: 'int32', optional: true },
  OPTIONAL_INT64: { type: 'int64', optional: true },
  OPTIONAL_FLOAT32: { type: 'float32', optional: true },
  OPTIONAL_FLOAT64: { type: 'float64', optional: true },
  OPTIONAL_BOOLEAN: { type: 'boolean', optional: true },
  OPTIONAL_STRING: { type: 'string', optional: true },
  OPTIONAL_BYTES: { type: 'bytes', optional: true },
} as const satisfies Record<string, Schema>;
